namespace SelfPlayBN.BatchNorm;

/// <summary>Axis 1 of the talk: which statistics normalise the input.</summary>
public enum Normalization
{
    /// <summary>PyTorch's mapping: <see cref="Batch"/> in training mode, <see cref="Population"/> in eval mode
    /// (for <see cref="BatchStatistics.Virtual"/>, the virtual statistics in both modes).</summary>
    FollowMode,

    /// <summary>The statistics of the current batch (μ_B, biased σ²_B), computed as <see cref="BatchStatistics"/> says.</summary>
    Batch,

    /// <summary>The running (population) statistics the layer holds for its active domain: EMA, precise,
    /// adaptive, whatever was last written.</summary>
    Population,

    /// <summary>Batch Renormalization (Ioffe 2017) in training mode, the population statistics in eval mode (as the paper
    /// intends, and as tensorpack and Keras do): in training, batch statistics corrected towards the population ones by
    /// r = clip(σ_B/σ, 1/rmax, rmax) and d = clip((μ_B−μ)/σ, −dmax, dmax), both without gradient. The usual choice.</summary>
    Renorm,

    /// <summary>Batch Renormalization in both modes (an explicit choice: inference then depends on the batch whenever r or d
    /// clip, and needs more than one value per channel).</summary>
    RenormAlways,
}

/// <summary>Axis 2: how batch statistics are computed (what the "normalization batch" is).</summary>
public enum BatchStatistics
{
    /// <summary>Over this replica's whole input batch.</summary>
    PerReplica,

    /// <summary>Ghost BN: contiguous groups of <see cref="BatchNormOptions.GhostBatchSize"/> examples, each
    /// normalised by its own statistics (the last group holds the remainder). The running statistics take one EMA
    /// step per forward (not one per group), with the mean over groups of the group means and the mean over groups
    /// of the groups' unbiased variances, every group weighted equally, the remainder group included (Keras's rule,
    /// with contiguous instead of strided groups).</summary>
    Ghost,

    /// <summary>Sync BN: over the union of every replica's batch, through <see cref="BatchNormOptions.SyncGroup"/>
    /// (exact count-weighted merge, so unequal replica batches are handled; the backward pass is synchronised too).</summary>
    Sync,

    /// <summary>Virtual BN: the first <see cref="BatchNormOptions.VirtualReferenceSize"/> rows of every input are
    /// the fixed reference batch; each other example is normalised with the statistics of the reference batch
    /// plus itself, the reference rows with the reference batch's own. No running statistics.</summary>
    Virtual,
}

/// <summary>Axis 3: whether batch statistics update the running statistics (of the active domain).</summary>
public enum RunningUpdate
{
    /// <summary>PyTorch's mapping: update in training mode, not in eval mode; except that a layer normalising with the
    /// <see cref="Normalization.Population"/> statistics never updates them (using the EMA during training must not move
    /// it: tensorpack's rule). Ask for <see cref="Update"/> to have both.</summary>
    FollowMode,

    /// <summary>Always update (when batch statistics are computed).</summary>
    Update,

    /// <summary>Never update: the buffers stay bit-identical (fine-tuning, or a forward that must not move them).</summary>
    Keep,
}

/// <summary>
/// Batch Renormalization's limits as a function of the training step: rmax = 1 and dmax = 0 (plain BN) for
/// <see cref="WarmupSteps"/>, then a linear ramp over <see cref="RampSteps"/> to <see cref="RMax"/> and
/// <see cref="DMax"/>. The paper ramps rmax 1→3 and dmax 0→5 after a warm-up; its exact schedule is not
/// given, hence every number here is configurable. The step is the active domain's
/// <c>num_batches_tracked</c> (the number of running-statistics updates so far).
/// </summary>
/// <param name="RMax">Final rmax (≥ 1).</param>
/// <param name="DMax">Final dmax (≥ 0).</param>
/// <param name="WarmupSteps">Steps of plain BN before the ramp.</param>
/// <param name="RampSteps">Steps of the linear ramp (0: jump straight to the final limits).</param>
public sealed record RenormSchedule(double RMax = 3.0, double DMax = 5.0, long WarmupSteps = 5_000, long RampSteps = 20_000)
{
    /// <summary>Fixed limits from step 0 (no warm-up, no ramp).</summary>
    public static RenormSchedule Constant(double rMax, double dMax) => new(rMax, dMax, 0, 0);

    /// <summary>(rmax, dmax) at <paramref name="step"/>.</summary>
    public (double RMax, double DMax) At(long step)
    {
        if (step < WarmupSteps) return (1.0, 0.0);
        double t = RampSteps <= 0 ? 1.0 : Math.Min(1.0, (step - WarmupSteps) / (double)RampSteps);
        return (1.0 + t * (RMax - 1.0), t * DMax);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!(RMax >= 1.0) || double.IsInfinity(RMax)) throw new ArgumentException($"Renorm.RMax must be a finite number ≥ 1, got {RMax}");
        if (!(DMax >= 0.0) || double.IsInfinity(DMax)) throw new ArgumentException($"Renorm.DMax must be a finite number ≥ 0, got {DMax}");
        if (WarmupSteps < 0) throw new ArgumentException($"Renorm.WarmupSteps must be ≥ 0, got {WarmupSteps}");
        if (RampSteps < 0) throw new ArgumentException($"Renorm.RampSteps must be ≥ 0, got {RampSteps}");
    }
}

/// <summary>
/// Every choice a <see cref="BatchNormLayer"/> layer makes, each independent of the others and of train/eval mode
/// (tensorpack's design). The defaults reproduce PyTorch's <c>BatchNorm2d(momentum: 0.1)</c> exactly.
/// </summary>
public sealed record BatchNormOptions
{
    /// <summary>ε, added to the variance inside the square root.</summary>
    public double Epsilon { get; init; } = 1e-5;

    /// <summary>
    /// The EMA decay λ of the running statistics: μ_run ← λ·μ_run + (1−λ)·μ_B. 0.9 is PyTorch's
    /// <c>momentum=0.1</c>; 1 keeps the statistics where they are (PyTorch's <c>momentum=0</c>); <c>null</c> is a
    /// cumulative average (PyTorch's <c>momentum=None</c>). See <see cref="Conventions"/> for other frameworks' "momentum".
    /// </summary>
    public double? Decay { get; init; } = 0.9;

    /// <summary>
    /// Caffe's bias-corrected average instead of the plain EMA: Caffe keeps sums blob ← μ_B + λ·blob and a scale factor
    /// s ← λ·s + 1 and uses blob/s, so after t updates the running mean is Σ λ^k·μ_{t−k} / Σ λ^k (after one update it is
    /// μ_B itself, not (1−λ)·μ_B). Implemented as the update weight (1−λ)/(1−λ^t) with t = <c>num_batches_tracked</c>
    /// (1/t when λ = 1), which gives the same numbers. Default off (PyTorch's EMA).
    /// </summary>
    public bool BiasCorrected { get; init; }

    /// <summary>Learnable per-channel γ and β (PyTorch's <c>affine</c>).</summary>
    public bool Affine { get; init; } = true;

    /// <summary>Axis 1: which statistics normalise.</summary>
    public Normalization Normalization { get; init; } = Normalization.FollowMode;

    /// <summary>Axis 2: how batch statistics are computed.</summary>
    public BatchStatistics BatchStatistics { get; init; } = BatchStatistics.PerReplica;

    /// <summary>Axis 3: whether batch statistics update the running statistics.</summary>
    public RunningUpdate Update { get; init; } = RunningUpdate.FollowMode;

    /// <summary>Ghost BN's virtual batch size V (used with <see cref="BatchStatistics.Ghost"/>).</summary>
    public int GhostBatchSize { get; init; }

    /// <summary>The all-reduce Sync BN merges statistics through (used with <see cref="BatchStatistics.Sync"/>).</summary>
    public IAllReduce? SyncGroup { get; init; }

    /// <summary>Rows of the reference batch at the front of every input (used with <see cref="BatchStatistics.Virtual"/>).</summary>
    public int VirtualReferenceSize { get; init; }

    /// <summary>Batch Renormalization's limits and their schedule (used with <see cref="Normalization.Renorm"/>).</summary>
    public RenormSchedule Renorm { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon)) throw new ArgumentException($"Epsilon must be a finite number > 0, got {Epsilon}");
        if (Decay is { } d && !(d >= 0 && d <= 1))
            throw new ArgumentException($"Decay must be in [0, 1] (it is the EMA decay λ, not PyTorch's momentum = 1 − λ), got {d}");
        if (BiasCorrected && Decay is null)
            throw new ArgumentException("BiasCorrected needs a Decay: a cumulative average (Decay null) is already unbiased");
        if (!Enum.IsDefined(Normalization)) throw new ArgumentException($"Normalization has no value {(int)Normalization}");
        if (!Enum.IsDefined(BatchStatistics)) throw new ArgumentException($"BatchStatistics has no value {(int)BatchStatistics}");
        if (!Enum.IsDefined(Update)) throw new ArgumentException($"Update has no value {(int)Update}");
        switch (BatchStatistics)
        {
            case BatchStatistics.Ghost when GhostBatchSize < 2:
                throw new ArgumentException($"GhostBatchSize must be at least 2 with Ghost BN, got {GhostBatchSize}");
            case BatchStatistics.Sync when SyncGroup is null:
                throw new ArgumentException("SyncGroup must be set with Sync BN (for threads in one process: InProcessAllReduce)");
            case BatchStatistics.Virtual when VirtualReferenceSize < 1:
                throw new ArgumentException($"VirtualReferenceSize must be at least 1 with Virtual BN, got {VirtualReferenceSize}");
            case BatchStatistics.Virtual when Update == RunningUpdate.Update:
                throw new ArgumentException("Virtual BN keeps no running statistics: Update cannot be Update");
            case BatchStatistics.Virtual when Normalization is Normalization.Population or Normalization.Renorm or Normalization.RenormAlways:
                throw new ArgumentException($"Virtual BN normalises with its virtual statistics: Normalization cannot be {Normalization}");
        }
        Renorm.Validate();
    }
}
