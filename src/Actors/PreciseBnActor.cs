using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.BatchNorm;
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
        Receive<ModelReady>(m =>
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
        var bn = _options.Bn;
        _buffer.Tell(new SamplePositions(_request, (bn.PreciseBatches + 1) * bn.PreciseBatchSize));
    }

    private ModelReady Run(SnapshotTaken snapshot, ReplayPosition[] positions)
    {
        var bn = _options.Bn;
        var clock = Stopwatch.StartNew();
        var net = Models.Create(_game, _options.Network, bn.Decay, _device);
        Models.Load(net, snapshot.Weights);
        var encoder = new PositionEncoder(_game);
        int size = bn.PreciseBatchSize;
        var batches = Enumerable.Range(0, bn.PreciseBatches)
            .Select(i => encoder.Encode(new ArraySegment<ReplayPosition>(positions, i * size, size), null).Input)
            .ToList();
        var precise = PreciseBatchNorm.Compute(net, batches, x => net.call(x.to(_device)),
            new PreciseBatchNormOptions { Estimator = bn.Estimator });
        double preciseSeconds = clock.Elapsed.TotalSeconds;

        var (heldInput, heldPolicy, heldValue) = encoder.Encode(new ArraySegment<ReplayPosition>(positions, bn.PreciseBatches * size, size), null);
        int actions = _game.NumActions;
        var report = Staleness.Measure(net, precise,
            () =>
            {
                var (logits, value) = net.call(heldInput.to(_device));
                return cat([nn.functional.log_softmax(logits, 1), value.unsqueeze(1)], 1);
            },
            output =>
            {
                var logp = output.narrow(1, 0, actions);
                var v = output.narrow(1, actions, 1).squeeze(1);
                var policyLoss = -(heldPolicy.to(ScalarType.Float64) * logp).sum(1).mean();
                var valueLoss = (v - heldValue.to(ScalarType.Float64)).square().mean();
                return (policyLoss + valueLoss).item<double>();
            });
        foreach (var b in batches) b.Dispose();

        string statistics = bn.Inference == BnInference.Precise ? "precise" : "ema";
        if (bn.Inference == BnInference.Precise) precise.WriteTo();
        var weights = Models.Save(net);
        var worst = report.Worst;
        var staleness = new StalenessSummary(report.MeanGap, report.LogVarianceGap, worst?.Name ?? "", report.LossWithRunning ?? 0,
            report.LossWithPrecise ?? 0, preciseSeconds, bn.PreciseBatches * size);
        _log.Info("generation {Generation}: {Staleness}; publishing {Statistics} statistics", snapshot.Generation, report.ToString(), statistics);
        return new ModelReady(snapshot.Generation, weights, statistics, snapshot.Losses, staleness, snapshot.TrainSeconds);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work);
        base.PostStop();
    }
}
