using MessagePack;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>The precise statistics of one BatchNorm layer, as measured (float64). Plain data with MessagePack keys, so
/// that a cluster's Precise BN node can send a measurement as it is.</summary>
/// <param name="Name">The layer's qualified name in the network.</param>
/// <param name="Domain">The statistics' domain.</param>
/// <param name="Mean">Per-channel mean.</param>
/// <param name="Variance">Per-channel variance.</param>
[MessagePackObject]
public sealed record BnLayerStatistics([property: Key(0)] string Name, [property: Key(1)] string Domain, [property: Key(2)] double[] Mean,
    [property: Key(3)] double[] Variance);

/// <summary>BN staleness measured at a publication: EMA statistics against precise ones (recorded with each published
/// model).</summary>
/// <param name="MeanGap">Mean over layers and channels of |μ_EMA − μ_precise|/σ_precise.</param>
/// <param name="LogVarianceGap">Mean over layers and channels of |log(σ²_EMA/σ²_precise)|.</param>
/// <param name="WorstLayer">The layer with the largest mean gap.</param>
/// <param name="LossWithEma">Policy + value loss on a held batch with EMA statistics.</param>
/// <param name="LossWithPrecise">The same with precise statistics.</param>
/// <param name="PreciseSeconds">Wall time of the Precise BN pass.</param>
/// <param name="Samples">Positions the Precise BN pass used.</param>
[MessagePackObject]
public sealed record StalenessSummary([property: Key(0)] double MeanGap, [property: Key(1)] double LogVarianceGap, [property: Key(2)] string WorstLayer,
    [property: Key(3)] double LossWithEma, [property: Key(4)] double LossWithPrecise, [property: Key(5)] double PreciseSeconds,
    [property: Key(6)] int Samples);

/// <summary>What a Precise BN pass measured on a snapshot: the precise statistics of every layer, the staleness summary,
/// and the staleness report's log line.</summary>
/// <param name="Layers">Precise statistics per layer.</param>
/// <param name="Staleness">The staleness of the snapshot's EMA statistics against them.</param>
/// <param name="Report">The staleness report, for the log.</param>
public sealed record PreciseBnMeasurement(BnLayerStatistics[] Layers, StalenessSummary Staleness, string Report);

/// <summary>
/// The Precise BN stage's algorithm, in two halves that may run on different nodes: <see cref="Measure"/> draws the
/// batches from sampled positions, recomputes the snapshot's BatchNorm statistics forward-only and measures the staleness
/// of its EMA statistics (statistics gaps and the loss gap on the held batch); <see cref="Apply"/> turns the snapshot
/// and the measured statistics into the weights to publish. Run on one node, <c>Apply(Measure(...))</c> is the local
/// stage; on two, only the (small) measurement crosses the wire, and the result is the same bytes.
/// </summary>
public static class PreciseBnPass
{
    /// <summary>Positions a pass uses: <c>preciseBatches</c> batches plus one held-out batch.</summary>
    public static int Positions(BnOptions bn) => (bn.PreciseBatches + 1) * bn.PreciseBatchSize;

    /// <summary>Measures the precise statistics of <paramref name="snapshot"/> on <paramref name="positions"/> (the first
    /// <c>preciseBatches × preciseBatchSize</c> for the statistics, the next batch held out for the staleness loss).</summary>
    /// <exception cref="ArgumentException">Fewer positions than <see cref="Positions"/>.</exception>
    public static PreciseBnMeasurement Measure(IGame game, RunOptions options, Device device, byte[] snapshot, IReadOnlyList<ReplayPosition> positions)
    {
        var bn = options.Bn;
        if (positions.Count < Positions(bn))
            throw new ArgumentException($"Precise BN needs {Positions(bn)} positions, got {positions.Count}");
        if (!options.Network.HasBatchNorm)
            return new PreciseBnMeasurement([], new StalenessSummary(0, 0, "", 0, 0, 0, 0),
                $"network.normalization is {options.Network.Normalization.ToString().ToLowerInvariant()}: the network has no BatchNorm statistics, so Precise BN has nothing to do");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var net = Models.Create(game, options.Network, bn.Decay, device);
        Models.Load(net, snapshot);
        var all = positions.ToArray();
        var encoder = new PositionEncoder(game);
        int size = bn.PreciseBatchSize;
        var batches = Enumerable.Range(0, bn.PreciseBatches)
            .Select(i => encoder.Encode(new ArraySegment<ReplayPosition>(all, i * size, size), null).Input)
            .ToList();
        var precise = PreciseBatchNorm.Compute(net, batches, x => net.call(x.to(device)),
            new PreciseBatchNormOptions { Estimator = bn.Estimator });
        double preciseSeconds = clock.Elapsed.TotalSeconds;

        var (heldInput, heldPolicy, heldValue) = encoder.Encode(new ArraySegment<ReplayPosition>(all, bn.PreciseBatches * size, size), null);
        int actions = game.NumActions;
        var report = Staleness.Measure(net, precise,
            () =>
            {
                var (logits, value) = net.call(heldInput.to(device));
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
        heldInput.Dispose(); heldPolicy.Dispose(); heldValue.Dispose();

        var layers = precise.Layers.Select(l => new BnLayerStatistics(l.Name, l.Domain,
            l.Mean.to(ScalarType.Float64).cpu().data<double>().ToArray(), l.Variance.to(ScalarType.Float64).cpu().data<double>().ToArray())).ToArray();
        foreach (var l in precise.Layers) { l.Mean.Dispose(); l.Variance.Dispose(); }
        var worst = report.Worst;
        var staleness = new StalenessSummary(report.MeanGap, report.LogVarianceGap, worst?.Name ?? "", report.LossWithRunning ?? 0,
            report.LossWithPrecise ?? 0, preciseSeconds, bn.PreciseBatches * size);
        return new PreciseBnMeasurement(layers, staleness, report.ToString());
    }

    /// <summary>The statistics a publication carries: <c>precise</c> or <c>ema</c> as <c>bn.inference</c> says, or
    /// <c>none</c> for a network without BatchNorm.</summary>
    public static string Statistics(RunOptions options) =>
        !options.Network.HasBatchNorm ? "none" : options.Bn.Inference == BnInference.Precise ? "precise" : "ema";

    /// <summary>The weights to publish: the snapshot with the measured statistics written into its layers' running
    /// statistics when <c>bn.inference</c> is <c>precise</c>, or with its EMA statistics as they are.</summary>
    /// <exception cref="InvalidDataException">The statistics do not fit the network (a layer it does not have, a domain
    /// the layer does not have, a channel count that differs, a value that is not finite, a negative variance): nothing
    /// from such a measurement is published.</exception>
    public static byte[] Apply(IGame game, RunOptions options, Device device, byte[] snapshot, IReadOnlyList<BnLayerStatistics> layers)
    {
        using var net = Models.Create(game, options.Network, options.Bn.Decay, device);
        Models.Load(net, snapshot);
        var named = FrozenBatchNorm.NamedLayers(net).ToDictionary(p => p.Name, p => p.Layer);
        var targets = new List<(Tensor Mean, Tensor Var, BnLayerStatistics Stats)>();
        foreach (var s in layers)
        {
            if (s?.Name is null || !named.TryGetValue(s.Name, out var layer))
                throw new InvalidDataException($"Precise BN statistics for layer '{s?.Name}', which the network does not have");
            if (s.Domain is null || !layer.Domains.Contains(s.Domain))
                throw new InvalidDataException($"Precise BN statistics for layer '{s.Name}' in domain '{s.Domain}', which the layer does not have");
            var rm = layer.RunningMean(s.Domain);
            var rv = layer.RunningVar(s.Domain);
            long channels = rm.numel();
            if (s.Mean is null || s.Variance is null || s.Mean.Length != channels || s.Variance.Length != channels)
                throw new InvalidDataException($"Precise BN statistics for layer '{s.Name}' have {s.Mean?.Length ?? 0} means and {s.Variance?.Length ?? 0} variances, the layer has {channels} channels");
            if (s.Mean.Any(v => !double.IsFinite(v)) || s.Variance.Any(v => !double.IsFinite(v) || v < 0))
                throw new InvalidDataException($"Precise BN statistics for layer '{s.Name}' hold a value that is not finite or a negative variance");
            targets.Add((rm, rv, s));
        }
        if (options.Bn.Inference == BnInference.Precise)
        {
            using var noGrad = no_grad();
            foreach (var (rm, rv, s) in targets)
            {
                using var mean = tensor(s.Mean);
                using var variance = tensor(s.Variance);
                rm.copy_(mean.to(rm.dtype, rm.device));
                rv.copy_(variance.to(rv.dtype, rv.device));
            }
        }
        return Models.Save(net);
    }
}
