using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Actors;

/// <summary>
/// The Precise BN stage: for each snapshot, draws N i.i.d. batches (plus one held-out batch) from the recent
/// window, recomputes the snapshot's BatchNorm statistics forward-only (weights untouched), measures the staleness
/// of its EMA statistics against them (statistics gaps and the loss gap on the held batch), and sends the registry
/// the weights to publish: with precise statistics, or the EMA ones when <c>bn.inference</c> is <c>ema</c>.
/// </summary>
public sealed class PreciseBnActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Task? _work;
    private readonly IGame _game;
    private readonly RunOptions _options;
    private readonly IActorRef _buffer;
    private readonly IActorRef _registry;
    private readonly Device _device;
    private readonly Queue<SnapshotTaken> _waiting = new();
    private SnapshotTaken? _current;
    private Guid _request;

    /// <summary>Props of the actor.</summary>
    public static Props Props(IGame game, RunOptions options, IActorRef buffer, IActorRef registry, Device device) =>
        Akka.Actor.Props.Create(() => new PreciseBnActor(game, options, buffer, registry, device));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public PreciseBnActor(IGame game, RunOptions options, IActorRef buffer, IActorRef registry, Device device)
    {
        _game = game;
        _options = options;
        _buffer = buffer;
        _registry = registry;
        _device = device;
        Receive<SnapshotTaken>(s => { _waiting.Enqueue(s); Next(); });
        Receive<PositionsSampled>(m => m.RequestId == _request && _current is not null, m =>
        {
            var snapshot = _current!;
            var positions = m.Positions();
            _work = Task.Run(() => Run(snapshot, positions)).PipeTo(Self,
                success: r => r,
                failure: e => new Local.WorkFailed($"Precise BN of generation {snapshot.Generation}", e));
        });
        Receive<PublishModel>(m =>
        {
            _registry.Tell(m);
            _current = null;
            Next();
        });
        Receive<Local.WorkFailed>(f => throw new InvalidOperationException($"{f.What} failed: {f.Error.Message}", f.Error));
    }

    private void Next()
    {
        if (_current is not null || _waiting.Count == 0) return;
        _current = _waiting.Dequeue();
        _request = Guid.NewGuid();
        _buffer.Tell(new SamplePositions(_request, PreciseBnPass.Positions(_options.Bn)));
    }

    private PublishModel Run(SnapshotTaken snapshot, ReplayPosition[] positions)
    {
        var measured = PreciseBnPass.Measure(_game, _options, _device, snapshot.Weights, positions);
        string statistics = PreciseBnPass.Statistics(_options);
        var weights = PreciseBnPass.Apply(_game, _options, _device, snapshot.Weights, measured.Layers);
        _log.Info("generation {Generation}: {Staleness}; publishing {Statistics} statistics", snapshot.Generation, measured.Report, statistics);
        return new PublishModel(snapshot.Generation, weights, statistics, snapshot.Losses, measured.Staleness, snapshot.TrainSeconds);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work);
        base.PostStop();
    }
}
