using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// The evaluator: every <c>evaluation.everyGenerations</c> publications it evaluates the new version with the
/// <see cref="EvaluationSuite"/> (matches against random play, rollout MCTS, the game's perfect player where it has one,
/// the previous evaluated version and, under gating, the best version; move accuracy where the game has labelled
/// positions) and tells the parent each result as <see cref="EvaluationFinished"/>, <see cref="GatingDecided"/> and
/// <see cref="AccuracyMeasured"/>. A version that passes the gate becomes the best (<see cref="PromoteModel"/> to the
/// registry, which self-play follows). Evaluations run off the actor's thread, one at a time; only the newest waiting
/// version is evaluated.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RunOptions _options;
    private readonly EvaluationSuite _suite;
    private readonly IActorRef _registry;
    private readonly Dictionary<long, double> _ratings = new() { [0] = 0 };
    private Task? _work;
    private readonly CancellationTokenSource _stop = new();
    private ModelPublished? _previous;
    private ModelPublished? _best;
    private ModelPublished? _queued;
    private bool _busy;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="extras">What the game adds to the evaluation (from the game catalogue).</param>
    /// <param name="registry">The model registry it subscribes to.</param>
    /// <param name="device">Where the networks run.</param>
    public static Props Props(IGame game, RunOptions options, EvaluationExtras extras, IActorRef registry, torch.Device device) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(game, options, extras, registry, device));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public EvaluatorActor(IGame game, RunOptions options, EvaluationExtras extras, IActorRef registry, torch.Device device)
    {
        _options = options;
        _suite = new EvaluationSuite(game, options, extras, device);
        _registry = registry;
        if (options.Evaluation.Gating && options.Evaluation.EveryGenerations > 0)
        {
            registry.Tell(new UseGating());
            registry.Tell(new SubscribeToBest());
        }
        registry.Tell(new SubscribeToModels());
        Receive<ModelPublished>(m =>
        {
            int every = options.Evaluation.EveryGenerations;
            if (every == 0) return;
            if (m.Version == 0 || m.Version % every != 0) { _previous ??= m; return; }
            _queued = m; // only the newest waiting version is evaluated
            Start();
        });
        Receive<BestModelChanged>(b =>
        {
            if (_best is null || b.Model.Version >= _best.Version) _best = b.Model;
        });
        Receive<EvaluationDone>(d =>
        {
            foreach (var r in d.Results) Context.Parent.Tell(r);
            if (d.Rating is { } rating) _ratings[d.Model.Version] = rating;
            if (d.Promoted)
            {
                _best = d.Model; // before the registry confirms: the next evaluation must already play this one
                _registry.Tell(new PromoteModel(d.Model.Version));
            }
            _previous = d.Model;
            _busy = false;
            Start();
        });
        Receive<Local.WorkFailed>(f => throw new InvalidOperationException($"{f.What} failed: {f.Error.Message}", f.Error));
    }

    private void Start()
    {
        if (_busy || _queued is null) return;
        var model = _queued;
        var previous = _previous;
        var best = _options.Evaluation.Gating ? _best : null;
        double? previousRating = previous is not null && _ratings.TryGetValue(previous.Version, out double r) ? r : null;
        _queued = null;
        _busy = true;
        _work = Task.Run(() => Evaluate(model, previous, previousRating, best)).PipeTo(Self,
            success: d => d,
            failure: e => new Local.WorkFailed($"evaluation of model {model.Version}", e));
    }

    private EvaluationDone Evaluate(ModelPublished model, ModelPublished? previous, double? previousRating, ModelPublished? best)
    {
        // The actor is stopping: the evaluation ends at the next game or position.
        var r = _suite.Evaluate(new EvaluatedModel(model.Version, model.Weights),
            previous is null ? null : new EvaluatedModel(previous.Version, previous.Weights, previousRating),
            best is null ? null : new EvaluatedModel(best.Version, best.Weights), _stop.Token);
        var results = new List<object>();
        foreach (var m in r.Matches) results.Add(Finished(model.Version, m.Opponent, m.Result, m.Rating));
        if (r.Gate is { } gate)
        {
            results.Add(new GatingDecided(model.Version, gate.Best, gate.Score, gate.Threshold, gate.Promoted));
            _log.Info("gating: model {Version} scored {Score:0.000} against best model {Best} (threshold {Threshold}): {Decision}",
                new object[] { model.Version, gate.Score, gate.Best, gate.Threshold, gate.Promoted ? "promoted" : "not promoted" });
        }
        foreach (var a in r.Accuracies) results.Add(Accuracy(model.Version, a.Player, a.Result));
        return new EvaluationDone(model, results, r.Rating, r.Gate?.Promoted ?? false);
    }

    private AccuracyMeasured Accuracy(long version, string player, AccuracyResult r)
    {
        _log.Info("evaluation: model {Version} {Player} move accuracy {Accuracy:0.000} ({Correct} of {Positions} solver-labelled positions)",
            version, player, r.Accuracy, r.Correct, r.Positions);
        return new AccuracyMeasured(version, player, r.Correct, r.Positions);
    }

    private EvaluationFinished Finished(long version, string opponent, MatchResult r, double? rating = null)
    {
        _log.Info("evaluation: model {Version} vs {Opponent}: +{Wins} ={Draws} -{Losses} (lost {LostFirst} moving first, {LostSecond} second; score {Score:0.00}, Elo {Elo:+0;-0})",
            new object[] { version, opponent, r.Wins, r.Draws, r.Losses, r.LossesMovingFirst, r.LossesMovingSecond, r.Score, r.Elo });
        return new EvaluationFinished(version, opponent, r.Wins, r.Draws, r.Losses, r.Elo, r.LossesMovingFirst, r.LossesMovingSecond, rating);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work, _stop);
        base.PostStop();
    }

    private sealed record EvaluationDone(ModelPublished Model, IReadOnlyList<object> Results, double? Rating, bool Promoted)
        : INoSerializationVerificationNeeded;
}
