using Akka.Actor;
using Akka.Event;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// The evaluator: every <c>evaluation.everyGenerations</c> publications it plays the new version (search over the
/// fused published network, no root noise, most-visited moves after the first two) against the pure-MCTS baseline
/// with random rollouts and against the previous evaluated version, colours alternating, and reports
/// <see cref="EvaluationFinished"/> (with the Elo difference the score implies) to its parent. Matches run off the
/// actor's thread, one at a time.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Task? _work;
    private readonly IGame _game;
    private readonly RunOptions _options;
    private readonly torch.Device _device;
    private ModelPublished? _previous;
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
        registry.Tell(new SubscribeToModels());
        Receive<ModelPublished>(m =>
        {
            int every = options.Evaluation.EveryGenerations;
            if (every == 0) return;
            if (m.Version == 0 || m.Version % every != 0) { _previous ??= m; return; }
            _queued = m; // only the newest waiting version is evaluated
            Start();
        });
        Receive<EvaluationDone>(d =>
        {
            foreach (var r in d.Results) Context.Parent.Tell(r);
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
        _queued = null;
        _busy = true;
        _work = Task.Run(() => Evaluate(model, previous)).PipeTo(Self,
            success: r => r,
            failure: e => new Local.WorkFailed($"evaluation of model {model.Version}", e));
    }

    private EvaluationDone Evaluate(ModelPublished model, ModelPublished? previous)
    {
        var e = _options.Evaluation;
        var candidate = Oracle(model);
        var search = new MctsOptions { Simulations = e.Simulations, RootNoise = false, TemperatureMoves = 2, ReuseTree = true };
        Mcts Candidate(int g) => new(candidate, search with { Seed = 2 * g });
        var results = new List<EvaluationFinished>();

        var baseline = Arena.Play(_game, Candidate, g => new Mcts(new RolloutOracle(1_000 + g), search with { Seed = 2 * g + 1 }), e.Games);
        results.Add(Finished(model.Version, $"mcts-rollouts-{e.Simulations}", baseline));
        if (previous is not null)
        {
            var old = Oracle(previous);
            var match = Arena.Play(_game, Candidate, g => new Mcts(old, search with { Seed = 2 * g + 1 }), e.Games);
            results.Add(Finished(model.Version, $"model-{previous.Version}", match));
        }
        return new EvaluationDone(model, results);
    }

    private EvaluationFinished Finished(long version, string opponent, MatchResult r)
    {
        _log.Debug("evaluation: model {Version} vs {Opponent}: +{Wins} ={Draws} -{Losses} (score {Score:0.00}, Elo {Elo:+0;-0})",
            new object[] { version, opponent, r.Wins, r.Draws, r.Losses, r.Score, r.Elo });
        return new EvaluationFinished(version, opponent, r.Wins, r.Draws, r.Losses, r.Elo);
    }

    private NetworkOracle Oracle(ModelPublished model)
    {
        var net = Models.Create(_game, _options.Network, _options.Bn.Decay, _device);
        Models.Load(net, model.Weights);
        net.eval();
        BatchNormFusion.FuseAll(net);
        return new NetworkOracle(_game, net, _device);
    }

    /// <summary>Waits (bounded) for work in flight: a process must not exit while another thread still runs
    /// libtorch (on CUDA that crashes at exit).</summary>
    protected override void PostStop()
    {
        try { _work?.Wait(TimeSpan.FromMinutes(2)); }
        catch (AggregateException) { } // its failure was reported to the actor already
        base.PostStop();
    }

    private sealed record EvaluationDone(ModelPublished Model, IReadOnlyList<EvaluationFinished> Results) : INoSerializationVerificationNeeded;
}
