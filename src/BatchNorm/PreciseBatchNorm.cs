using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>How Precise BN turns per-batch statistics into population statistics.</summary>
public enum PreciseEstimator
{
    /// <summary>The exact mean and biased variance of the union of every sample seen (batches weighted by their
    /// sizes; merged with Chan's parallel formula in float64). The default (fvcore's current estimator).</summary>
    Union,

    /// <summary>The equal-weight average of per-batch means and per-batch <em>unbiased</em> variances (fvcore's older
    /// estimator, ELF OpenGo's <c>momentum=None</c>). Underestimates the variance when batches are small.</summary>
    MeanOfBatches,
}

/// <summary>Options of a Precise BN / Adaptive BN pass.</summary>
public sealed record PreciseBatchNormOptions
{
    /// <summary>The estimator (default <see cref="PreciseEstimator.Union"/>).</summary>
    public PreciseEstimator Estimator { get; init; } = PreciseEstimator.Union;

    /// <summary>The domain to measure and write (Separate BN); <c>null</c>: each layer's active domain.</summary>
    public string? Domain { get; init; }

    /// <summary>Stop after this many batches (<c>null</c>: all the batches given).</summary>
    public int? MaxBatches { get; init; }
}

/// <summary>Population statistics measured for one BatchNorm layer.</summary>
/// <param name="Name">The layer's qualified name in the model.</param>
/// <param name="Layer">The layer.</param>
/// <param name="Domain">The domain the statistics belong to.</param>
/// <param name="Mean">Per-channel mean, float64 on the CPU.</param>
/// <param name="Variance">Per-channel variance (biased for <see cref="PreciseEstimator.Union"/>), float64 on the CPU.</param>
/// <param name="Values">Values per channel that went into the statistics.</param>
/// <param name="Batches">Batches that reached this layer.</param>
public sealed record LayerStatistics(string Name, BatchNormLayer Layer, string Domain, Tensor Mean, Tensor Variance, long Values, int Batches);

/// <summary>The result of a Precise BN pass: per-layer population statistics, not yet written unless
/// <see cref="PreciseBatchNorm.Update{TBatch}"/> wrote them.</summary>
/// <param name="Layers">Statistics of every layer that was reached.</param>
/// <param name="Skipped">Layers left out, with the reason (not reached by any forward, frozen, fused, Virtual BN).</param>
/// <param name="Estimator">The estimator used.</param>
/// <param name="Batches">Batches run.</param>
public sealed record PreciseStatistics(
    IReadOnlyList<LayerStatistics> Layers, IReadOnlyList<(string Name, string Reason)> Skipped, PreciseEstimator Estimator, int Batches)
{
    /// <summary>Writes the statistics into each layer's running mean and variance of its domain. Weights,
    /// <c>num_batches_tracked</c> and everything else stay as they are.</summary>
    public void WriteTo()
    {
        using var noGrad = no_grad();
        foreach (var s in Layers)
        {
            var rm = s.Layer.RunningMean(s.Domain); var rv = s.Layer.RunningVar(s.Domain);
            rm.copy_(s.Mean.to(rm.dtype, rm.device));
            rv.copy_(s.Variance.to(rv.dtype, rv.device));
        }
    }

    /// <summary>Whether the model had no BatchNorm layer at all (then no batch was run and there is nothing to write).</summary>
    public bool NoBatchNorm => Layers.Count == 0 && Skipped.Count == 0 && Batches == 0;

    /// <summary>One line for logs: estimator, batches, layers and values per channel.</summary>
    public override string ToString() => NoBatchNorm
        ? "Precise BN: the model has no BatchNorm layer, so there are no statistics to recompute"
        : $"Precise BN ({Estimator} estimator): {Batches} batches, {Layers.Count} layers" +
        (Layers.Count > 0 ? $", {Layers.Min(l => l.Values):N0}–{Layers.Max(l => l.Values):N0} values per channel" : "") +
        (Skipped.Count > 0 ? $", {Skipped.Count} skipped" : "");
}

/// <summary>
/// Precise BN (and Adaptive BN): recompute the population statistics of a frozen model from N batches,
/// forward-only. During the pass every module is in eval mode (dropout and the like off) and each BatchNorm
/// layer normalises with its batch statistics — as in training, so every layer sees the inputs it saw when it
/// was trained — without updating anything (<see cref="RunningUpdate.Keep"/>); Batch Renorm layers use plain batch
/// statistics. Sync BN layers are measured on each replica's local batches during the pass, and the replicas' statistics
/// are then merged (count-weighted, through the layer's <see cref="BatchNormOptions.SyncGroup"/>) into the global ones,
/// the same on every replica: every replica must run the pass, on its own share of the data, at the same time. A layer
/// that runs more than once in one forward (a shared layer) is refused: its inputs' statistics cannot be told apart.
/// No gradient is recorded; weights and any
/// optimiser state are untouched; every module's mode and every layer's options and active domain are restored,
/// also when a forward throws. The result is deterministic for a given data order.
/// Draw the batches i.i.d. (shuffled across games): correlated batches give biased statistics.
/// </summary>
public static class PreciseBatchNorm
{
    /// <summary>Measures population statistics without writing them (see <see cref="Staleness"/> to compare them
    /// with the running statistics first).</summary>
    /// <param name="model">The model; every <see cref="BatchNormLayer"/> layer in it is measured.</param>
    /// <param name="batches">The data, in order; enumerated once.</param>
    /// <param name="forward">Runs the model on one batch (its output is ignored).</param>
    /// <param name="options">Estimator, domain, batch limit.</param>
    /// <param name="progress">Receives the number of batches done after each batch.</param>
    /// <remarks>A model without any BatchNorm layer (Group or Layer Normalization, none) gives an empty result at once,
    /// without running a batch (<see cref="PreciseStatistics.NoBatchNorm"/>).</remarks>
    public static PreciseStatistics Compute<TBatch>(
        nn.Module model, IEnumerable<TBatch> batches, Action<TBatch> forward,
        PreciseBatchNormOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(forward);
        options ??= new PreciseBatchNormOptions();
        if (options.MaxBatches is < 1) throw new ArgumentException($"MaxBatches must be at least 1, got {options.MaxBatches}");

        var all = FrozenBatchNorm.NamedLayers(model).ToList();
        if (all.Count == 0) return new PreciseStatistics([], [], options.Estimator, 0); // nothing to measure: no batch is run
        var skipped = new List<(string, string)>();
        var measured = new List<(string Name, BatchNormLayer Layer, Accumulator Acc)>();
        foreach (var (name, bn) in all)
        {
            string? reason = bn.IsFused ? "fused" : bn.IsFrozen ? "frozen" :
                bn.Options.BatchStatistics == BatchStatistics.Virtual ? "Virtual BN keeps no running statistics" : null;
            if (reason is not null) skipped.Add((name, reason));
            else measured.Add((name, bn, new Accumulator(options.Estimator)));
        }
        if (options.Domain is { } domain)
            foreach (var (name, bn, _) in measured)
                if (!bn.Domains.Contains(domain))
                    throw new ArgumentException($"BatchNorm layer '{name}' has no domain '{domain}' (it has: {string.Join(", ", bn.Domains)})");

        var modes = ModuleModes.Capture(model);
        var saved = measured.Select(m => (m.Layer, m.Layer.Options, m.Layer.ActiveDomain)).ToList();
        var calls = new int[measured.Count];
        int done = 0;
        try
        {
            model.eval();
            for (int i = 0; i < measured.Count; i++)
            {
                var (_, bn, acc) = measured[i];
                int index = i;
                bn.Options = bn.Options with
                {
                    Normalization = Normalization.Batch,
                    Update = RunningUpdate.Keep,
                    BatchStatistics = bn.Options.BatchStatistics == BatchStatistics.Sync ? BatchStatistics.PerReplica : bn.Options.BatchStatistics,
                };
                if (options.Domain is { } d) bn.ActiveDomain = d;
                bn.Observer = (_, mean, var, n) =>
                {
                    calls[index]++;
                    acc.Add(mean, var, n);
                };
            }
            using var noGrad = no_grad();
            foreach (var batch in batches)
            {
                if (done == options.MaxBatches) break;
                Array.Clear(calls);
                using (NewDisposeScope()) forward(batch);
                for (int i = 0; i < calls.Length; i++)
                    if (calls[i] > 1)
                        throw new InvalidOperationException(
                            $"Precise BN: BatchNorm layer '{measured[i].Name}' ran {calls[i]} times in one forward; the statistics of its " +
                            "different inputs cannot be told apart (a shared layer). Give each use its own BatchNorm layer");
                done++;
                progress?.Report(done);
            }
        }
        finally
        {
            foreach (var (layer, opts, active) in saved) { layer.Observer = null; layer.Options = opts; layer.ActiveDomain = active; }
            modes.Restore();
        }
        if (done == 0) throw new ArgumentException("Precise BN needs at least one batch, and none was given");

        // Sync BN: merge every replica's statistics into the global ones (a collective, in the layers' order).
        for (int i = 0; i < measured.Count; i++)
            if (saved[i].Options is { BatchStatistics: BatchStatistics.Sync, SyncGroup: { } group })
                measured[i].Acc.MergeAcross(group, (int)measured[i].Layer.NumFeatures);

        var layers = new List<LayerStatistics>();
        foreach (var (name, bn, acc) in measured)
        {
            if (acc.Batches == 0) { skipped.Add((name, "not reached by any forward")); continue; }
            var (mean, variance) = acc.Result();
            layers.Add(new LayerStatistics(name, bn, options.Domain ?? bn.ActiveDomain, mean, variance, acc.Values, acc.Batches));
        }
        return new PreciseStatistics(layers, skipped, options.Estimator, done);
    }

    /// <summary>Precise BN: <see cref="Compute{TBatch}"/>, then writes the statistics into the layers.</summary>
    public static PreciseStatistics Update<TBatch>(
        nn.Module model, IEnumerable<TBatch> batches, Action<TBatch> forward,
        PreciseBatchNormOptions? options = null, IProgress<int>? progress = null)
    {
        var stats = Compute(model, batches, forward, options, progress);
        stats.WriteTo();
        return stats;
    }

    /// <summary>Adaptive BN: Precise BN on the target domain's data, written into <paramref name="domain"/>
    /// (Separate BN) or, when it is <c>null</c>, into each layer's active domain.</summary>
    public static PreciseStatistics Adapt<TBatch>(
        nn.Module model, IEnumerable<TBatch> targetBatches, Action<TBatch> forward, string? domain = null,
        PreciseEstimator estimator = PreciseEstimator.Union, IProgress<int>? progress = null) =>
        Update(model, targetBatches, forward, new PreciseBatchNormOptions { Estimator = estimator, Domain = domain }, progress);

    /// <summary>Merges per-batch statistics in float64 on the CPU.</summary>
    private sealed class Accumulator(PreciseEstimator estimator)
    {
        private double[]? _mean, _m2;
        public long Values { get; private set; }
        public int Batches { get; private set; }

        public void Add(Tensor batchMean, Tensor batchVar, long n)
        {
            var m = batchMean.cpu().data<double>().ToArray();
            var v = batchVar.cpu().data<double>().ToArray();
            _mean ??= new double[m.Length];
            _m2 ??= new double[m.Length];
            if (estimator == PreciseEstimator.Union)
            {
                // Chan et al.'s pairwise update: exact mean and sum of squared deviations of the union.
                double total = Values + n;
                for (int c = 0; c < m.Length; c++)
                {
                    double delta = m[c] - _mean[c];
                    _mean[c] += delta * n / total;
                    _m2[c] += v[c] * n + delta * delta * Values * n / total;
                }
            }
            else
            {
                if (n < 2) throw new ArgumentException("the mean-of-batches estimator needs more than one value per channel in every batch");
                for (int c = 0; c < m.Length; c++) { _mean[c] += m[c]; _m2[c] += v[c] * n / (n - 1.0); }
            }
            Values += n;
            Batches++;
        }

        /// <summary>Replaces this replica's statistics by those of every replica's samples together (Sync BN): the union's
        /// exact mean and sum of squared deviations (first the global mean, then the deviations from it, so that a large
        /// mean does not cancel), or the mean-of-batches sums over every replica's batches.</summary>
        public void MergeAcross(IAllReduce group, int channels)
        {
            _mean ??= new double[channels];
            _m2 ??= new double[channels];
            var first = new double[channels + 2];
            first[0] = Values;
            first[1] = Batches;
            for (int c = 0; c < channels; c++) first[2 + c] = estimator == PreciseEstimator.Union ? _mean[c] * Values : _mean[c];
            var totals = Reduce(group, first);
            long values = (long)Math.Round(totals[0]);
            int batches = (int)Math.Round(totals[1]);
            if (estimator == PreciseEstimator.Union)
            {
                var mean = new double[channels];
                for (int c = 0; c < channels; c++) mean[c] = values == 0 ? 0 : totals[2 + c] / values;
                var second = new double[channels];
                for (int c = 0; c < channels; c++) second[c] = _m2[c] + Values * (_mean[c] - mean[c]) * (_mean[c] - mean[c]);
                _m2 = Reduce(group, second);
                _mean = mean;
            }
            else
            {
                var sums = new double[channels];
                for (int c = 0; c < channels; c++) sums[c] = _m2[c];
                _m2 = Reduce(group, sums);
                for (int c = 0; c < channels; c++) _mean[c] = totals[2 + c];
            }
            Values = values;
            Batches = batches;
        }

        private static double[] Reduce(IAllReduce group, double[] local)
        {
            using var t = tensor(local);
            using var sum = group.Sum(t);
            return sum.to(ScalarType.Float64).cpu().data<double>().ToArray();
        }

        public (Tensor Mean, Tensor Variance) Result() => estimator == PreciseEstimator.Union
            ? (tensor(_mean!), tensor(_m2!.Select(s => s / Values).ToArray()))
            : (tensor(_mean!.Select(s => s / Batches).ToArray()), tensor(_m2!.Select(s => s / Batches).ToArray()));
    }
}
