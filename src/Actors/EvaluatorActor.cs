using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// The evaluator: every <c>evaluation.everyGenerations</c> publications it plays the new version (search over the
/// fused published network, no root noise, most-visited moves after the first two, <c>evaluation.simulations</c>) for
/// <c>evaluation.games</c> games, colours alternating, against
/// <list type="bullet">
/// <item><c>random</c>: uniform legal moves;</item>
/// <item><c>mcts-rollouts-N</c>: pure MCTS with random rollouts and the same simulations;</item>
/// <item><c>perfect</c> (Tic-tac-toe): the perfect player, choosing at random among optimal moves (the benchmark is
/// no loss in either colour);</item>
/// <item><c>model-K</c>: the previous evaluated version; the Elo difference chains into a rating per version
/// (<see cref="EvaluationFinished.Rating"/>, version 0 at 0);</item>
/// <item><c>best-K</c> under gating (<c>evaluation.gating</c>), when the best is not the previous version: the
/// candidate becomes the best (<see cref="PromoteModel"/> to the registry, which self-play follows) when its score
/// reaches <c>evaluation.gatingThreshold</c> (<see cref="Arena.PassesGate"/>); the decision is reported as
/// <see cref="GatingDecided"/>;</item>
/// </list>
/// and on Connect Four it measures the move accuracy against the perfect solver on the first
/// <c>evaluation.accuracyPositions</c> positions of the labelled set, of the raw network (<c>network</c>) and of the
/// network with search (<c>search-N</c>), and of the baselines on the same positions (<c>random</c>,
/// <c>mcts-rollouts-N</c>), reported as <see cref="AccuracyMeasured"/>. Every result goes to the parent.
/// Evaluations run off the actor's thread, one at a time; only the newest waiting version is evaluated.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IGame _game;
    private readonly RunOptions _options;
    private readonly torch.Device _device;
    private readonly IActorRef _registry;
    private readonly Dictionary<long, double> _ratings = new() { [0] = 0 };
    private Task? _work;
    private readonly CancellationTokenSource _stop = new();
    private ModelPublished? _previous;
    private ModelPublished? _best;
    private ModelPublished? _queued;
    private bool _busy;

    /// <summary>Props of the actor.</summary>
    public static Props Props(IGame game, RunOptions options, IActorRef registry, torch.Device device) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(game, options, registry, device));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public EvaluatorActor(IGame game, RunOptions options, IActorRef registry, torch.Device device)
    {
        _game = game;
        _options = options;
        _device = device;
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
        var e = _options.Evaluation;
        var cancel = _stop.Token; // the actor is stopping: the evaluation ends at the next game or position
        using var candidate = Oracle(model);
        var search = MctsOptions.Evaluation(e.Simulations);
        IPlayer Candidate(int g) => new MctsPlayer(new Mcts(candidate, search with { Seed = 2 * g }));
        IPlayer Opponent(IOracle oracle, int g) => new MctsPlayer(new Mcts(oracle, search with { Seed = 2 * g + 1 }));
        var results = new List<object>();

        results.Add(Finished(model.Version, "random", Arena.Play(_game, Candidate, g => new RandomPlayer(1_000 + g), e.Games, cancel)));
        results.Add(Finished(model.Version, $"mcts-rollouts-{e.Simulations}",
            Arena.Play(_game, Candidate, g => Opponent(new RolloutOracle(1_000 + g), g), e.Games, cancel)));
        if (_game is TicTacToeGame)
        {
            IPlayer Perfect(int g)
            {
                var rng = new Random(2_000 + g);
                return new FunctionPlayer(s => TicTacToePerfectPlayer.Instance.ChooseAction((TicTacToeState)s, rng));
            }
            results.Add(Finished(model.Version, "perfect", Arena.Play(_game, Candidate, Perfect, e.Games, cancel)));
        }

        double? rating = null;
        MatchResult? againstPrevious = null;
        if (previous is not null)
        {
            using var old = Oracle(previous);
            againstPrevious = Arena.Play(_game, Candidate, g => Opponent(old, g), e.Games, cancel);
            rating = previousRating + againstPrevious.Elo;
            results.Add(Finished(model.Version, $"model-{previous.Version}", againstPrevious, rating));
        }

        bool promoted = false;
        if (best is not null && best.Version < model.Version)
        {
            var match = againstPrevious is not null && previous!.Version == best.Version ? againstPrevious : null;
            if (match is null)
            {
                using var bestOracle = Oracle(best);
                match = Arena.Play(_game, Candidate, g => Opponent(bestOracle, g), e.Games, cancel);
                results.Add(Finished(model.Version, $"best-{best.Version}", match));
            }
            promoted = Arena.PassesGate(match, e.GatingThreshold);
            results.Add(new GatingDecided(model.Version, best.Version, match.Score, e.GatingThreshold, promoted));
            _log.Info("gating: model {Version} scored {Score:0.000} against best model {Best} (threshold {Threshold}): {Decision}",
                new object[] { model.Version, match.Score, best.Version, e.GatingThreshold, promoted ? "promoted" : "not promoted" });
        }

        if (_game is ConnectFourGame && e.AccuracyPositions > 0)
        {
            var set = LabelledSet(e.AccuracyPositions);
            results.Add(Accuracy(model.Version, "network", MoveAccuracy.Measure(set, new PolicyPlayer(candidate), cancel)));
            var accuracySearch = search with { TemperatureMoves = 0, ReuseTree = false, Seed = 1 };
            results.Add(Accuracy(model.Version, $"search-{e.Simulations}", MoveAccuracy.Measure(set, new MctsPlayer(new Mcts(candidate, accuracySearch)), cancel)));
            // The baselines on the same positions (cheap, and the same every time: seeded).
            results.Add(Accuracy(model.Version, "random", MoveAccuracy.Measure(set, new RandomPlayer(1), cancel)));
            results.Add(Accuracy(model.Version, $"mcts-rollouts-{e.Simulations}",
                MoveAccuracy.Measure(set, new MctsPlayer(new Mcts(new RolloutOracle(1), accuracySearch)), cancel)));
        }
        return new EvaluationDone(model, results, rating, promoted);
    }

    private static readonly Lazy<LabelledMove[]> Labelled =
        new(() => ConnectFourLabelledPositions.Load().Select(p => new LabelledMove(p.State, p.OptimalColumns)).ToArray());

    /// <summary>The first <paramref name="count"/> positions of the shipped labelled set (all of it if fewer).</summary>
    private static IReadOnlyList<LabelledMove> LabelledSet(int count) => Labelled.Value.Take(count).ToArray();

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

    private NetworkOracle Oracle(ModelPublished model)
    {
        return Models.InferenceOracle(_game, _options.Network, model.Weights, _device, out _);
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
