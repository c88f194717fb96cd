using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SelfPlayBN.BatchNorm;

/// <summary>
/// A BatchNorm layer whose behaviour is set by explicit, independent <see cref="BatchNormOptions"/> (which
/// statistics normalise, how batch statistics are computed, whether they update the running statistics, the
/// EMA decay), not by train/eval mode alone. With default options it is a drop-in for TorchSharp's
/// <c>BatchNorm1d</c>/<c>BatchNorm2d</c>: same outputs, gradients, running-statistics updates and state-dict keys
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>).
/// </summary>
/// <remarks>
/// <para>Input: <c>[N, C]</c> or <c>[N, C, L]</c> (1d), <c>[N, C, H, W]</c> (2d), or any <c>[N, C, …]</c> for
/// <see cref="BatchNormLayer.Create"/>. Statistics are per channel C over all other dimensions.</para>
/// <para>Separate BN: the layer can hold running statistics for several named domains (<see cref="Domains"/>;
/// the first is <see cref="DefaultDomain"/>, whose buffers carry PyTorch's names; another domain <c>d</c> has
/// <c>running_mean_d</c>, <c>running_var_d</c>, <c>num_batches_tracked_d</c>). <see cref="ActiveDomain"/> selects
/// the one a forward reads and updates; γ and β are shared.</para>
/// <para>Two more states sit outside the options: <see cref="IsFrozen"/> (Frozen BN, a constant affine; see
/// <see cref="FrozenBatchNorm"/>) and <see cref="IsFused"/> (folded into the preceding layer by
/// <see cref="BatchNormFusion"/>; the layer is then the identity).</para>
/// <para>Not thread-safe: one forward at a time per instance (Sync BN replicas each own a copy).</para>
/// </remarks>
public sealed partial class BatchNormLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>The name of the domain every layer has; its buffers carry PyTorch's names.</summary>
    public const string DefaultDomain = "default";

    private readonly int _minDims, _maxDims;
    private readonly string[] _domains;
    private BatchNormOptions _options;
    private string _activeDomain = DefaultDomain;
    private bool[]? _requiresGradBeforeFreeze;

    /// <summary>A 1d layer (input <c>[N, C]</c> or <c>[N, C, L]</c>).</summary>
    public static BatchNormLayer BatchNorm1d(long features, BatchNormOptions? options = null, IEnumerable<string>? domains = null) =>
        new(features, options, domains, 2, 3, nameof(BatchNorm1d));

    /// <summary>A 2d layer (input <c>[N, C, H, W]</c>).</summary>
    public static BatchNormLayer BatchNorm2d(long features, BatchNormOptions? options = null, IEnumerable<string>? domains = null) =>
        new(features, options, domains, 4, 4, nameof(BatchNorm2d));

    /// <summary>A layer for any input <c>[N, C, …]</c>.</summary>
    public static BatchNormLayer Create(long features, BatchNormOptions? options = null, IEnumerable<string>? domains = null) =>
        new(features, options, domains, 2, int.MaxValue, nameof(BatchNorm));

    private BatchNormLayer(long features, BatchNormOptions? options, IEnumerable<string>? domains, int minDims, int maxDims, string name)
        : base(name)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "a BatchNorm layer needs at least one channel");
        options ??= new BatchNormOptions();
        options.Validate();
        _options = options;
        _minDims = minDims;
        _maxDims = maxDims;
        NumFeatures = features;
        _domains = [DefaultDomain, .. domains ?? []];
        for (int i = 1; i < _domains.Length; i++)
        {
            if (!DomainName().IsMatch(_domains[i]))
                throw new ArgumentException($"domain name '{_domains[i]}' must be letters, digits and '_' (it becomes part of buffer names)");
            if (Array.IndexOf(_domains, _domains[i]) != i) throw new ArgumentException($"domain '{_domains[i]}' is given twice");
        }
        if (options.Affine)
        {
            register_parameter("weight", new Parameter(ones(features)));
            register_parameter("bias", new Parameter(zeros(features)));
        }
        foreach (var d in _domains)
        {
            register_buffer(BufferName("running_mean", d), zeros(features));
            register_buffer(BufferName("running_var", d), ones(features));
            register_buffer(BufferName("num_batches_tracked", d), tensor(0L));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex DomainName();

    /// <summary>Number of channels C.</summary>
    public long NumFeatures { get; }

    /// <summary>The options; setting validates them. Changing options between forwards is allowed (Precise BN
    /// does so and restores them).</summary>
    public BatchNormOptions Options
    {
        get => _options;
        set { ArgumentNullException.ThrowIfNull(value); value.Validate(); _options = value; }
    }

    /// <summary>Every domain this layer holds running statistics for; the first is <see cref="DefaultDomain"/>.</summary>
    public IReadOnlyList<string> Domains => _domains;

    /// <summary>The domain the next forward reads and updates (Separate BN).</summary>
    public string ActiveDomain
    {
        get => _activeDomain;
        set
        {
            if (Array.IndexOf(_domains, value) < 0)
                throw new ArgumentException($"unknown BatchNorm domain '{value}'; this layer has: {string.Join(", ", _domains)}");
            _activeDomain = value;
        }
    }

    /// <summary>γ, or <c>null</c> without <see cref="BatchNormOptions.Affine"/>.</summary>
    public Parameter? Weight => has_parameter("weight") ? get_parameter("weight") : null;

    /// <summary>β, or <c>null</c> without <see cref="BatchNormOptions.Affine"/>.</summary>
    public Parameter? Bias => has_parameter("bias") ? get_parameter("bias") : null;

    /// <summary>The running mean of <paramref name="domain"/> (default: the active domain). The stored tensor itself.</summary>
    public Tensor RunningMean(string? domain = null) => get_buffer(BufferName("running_mean", Check(domain)))!;

    /// <summary>The running variance of <paramref name="domain"/>: unbiased batch variances averaged (PyTorch's
    /// convention), or whatever Precise BN wrote (the population's biased variance).</summary>
    public Tensor RunningVar(string? domain = null) => get_buffer(BufferName("running_var", Check(domain)))!;

    /// <summary>How many batches have updated the running statistics of <paramref name="domain"/> (int64 scalar).</summary>
    public Tensor NumBatchesTracked(string? domain = null) => get_buffer(BufferName("num_batches_tracked", Check(domain)))!;

    /// <summary>The statistics that normalise in the current mode (axis 1 after applying <see cref="Normalization.FollowMode"/>).</summary>
    public Normalization EffectiveNormalization => _options.Normalization switch
    {
        Normalization.FollowMode when _options.BatchStatistics == BatchStatistics.Virtual => Normalization.Batch,
        Normalization.FollowMode => training ? Normalization.Batch : Normalization.Population,
        Normalization.Renorm => training ? Normalization.Renorm : Normalization.Population,
        Normalization.RenormAlways => Normalization.Renorm,
        var n => n,
    };

    /// <summary>Whether a forward in the current mode updates the running statistics.</summary>
    public bool EffectiveUpdate => _options.BatchStatistics != BatchStatistics.Virtual && _options.Update switch
    {
        RunningUpdate.FollowMode => training && _options.Normalization != Normalization.Population,
        RunningUpdate.Update => true,
        _ => false,
    };

    /// <summary>Frozen BN: the layer is the constant affine y = x·s + b, s = γ/sqrt(var+ε), b = β − μ·s, from the
    /// active domain's running statistics; nothing updates in any mode and γ, β take no gradient.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>The layer was folded into the preceding convolution or linear layer and is now the identity.</summary>
    public bool IsFused { get; private set; }

    /// <summary>
    /// Lets a fused layer run in training mode with gradients. Off by default: a fused model trains differently
    /// (each output channel's learning rate is rescaled by s² = γ²/(var+ε)), so fine-tuning one is refused
    /// unless the caller says they understand that.
    /// </summary>
    public bool AllowFusedTraining { get; set; }

    /// <summary>Receives the whole input's per-channel mean, biased variance (float64, <c>[C]</c>) and element count
    /// at every forward. Precise BN uses it.</summary>
    internal Action<BatchNormLayer, Tensor, Tensor, long>? Observer { get; set; }

    /// <summary>
    /// Turns the layer into Frozen BN (idempotent). A domain whose statistics were never set (no update yet, mean 0 and
    /// variance 1 as created) gets variance 1 − ε, so that a fresh frozen layer is exactly the identity (as detectron2's
    /// FrozenBatchNorm2d starts); <see cref="Unfreeze"/> gives it back variance 1 if nothing wrote it meanwhile.
    /// </summary>
    public void Freeze()
    {
        if (IsFrozen) return;
        var ps = new[] { Weight, Bias };
        _requiresGradBeforeFreeze = ps.Select(p => p?.requires_grad ?? false).ToArray();
        foreach (var p in ps) p?.requires_grad_(false);
        _identityDomains.Clear();
        using (no_grad())
            foreach (var d in _domains)
            {
                var rv = RunningVar(d);
                if (NumBatchesTracked(d).item<long>() != 0 || RunningMean(d).ne(0).any().item<bool>() || rv.ne(1).any().item<bool>()) continue;
                rv.fill_(1.0).sub_(_options.Epsilon);
                _identityDomains.Add(d);
            }
        IsFrozen = true;
    }

    /// <summary>Turns Frozen BN back into a normal layer, restoring γ and β's <c>requires_grad</c> and the variance 1 of
    /// domains <see cref="Freeze"/> made the identity (idempotent).</summary>
    public void Unfreeze()
    {
        if (!IsFrozen) return;
        var ps = new[] { Weight, Bias };
        for (int i = 0; i < ps.Length; i++) ps[i]?.requires_grad_(_requiresGradBeforeFreeze![i]);
        using (no_grad())
            foreach (var d in _identityDomains)
            {
                var rv = RunningVar(d);
                using var expected = ones_like(rv).sub_(_options.Epsilon);
                if (rv.eq(expected).all().item<bool>()) rv.fill_(1.0);
            }
        _identityDomains.Clear();
        IsFrozen = false;
    }

    private readonly List<string> _identityDomains = [];

    /// <summary>Marks the layer as folded into its preceding layer (called by <see cref="BatchNormFusion"/>).</summary>
    internal void MarkFused() => IsFused = true;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        if (IsFused)
        {
            if (training && is_grad_enabled() && !AllowFusedTraining)
                throw new InvalidOperationException(
                    "this BatchNorm layer was fused into the preceding layer for inference; training the fused model rescales each " +
                    "channel's learning rate by γ²/(var+ε). Fine-tune the unfused model, call eval(), or set AllowFusedTraining if that is intended");
            return input.alias();
        }
        if (IsFrozen) return FrozenForward(input);

        var o = _options;
        if (Observer is { } observe) Observe(input, observe);
        if (o.BatchStatistics == BatchStatistics.Virtual) return Affine(VirtualNormalize(input));

        var norm = EffectiveNormalization;
        bool update = EffectiveUpdate;
        string d = _activeDomain;
        var weight = Weight; var bias = Bias;
        if (norm == Normalization.Population && !update)
            return F.batch_norm(input, RunningMean(d), RunningVar(d), weight, bias, false, 0.0, o.Epsilon);
        if (norm == Normalization.Batch && o.BatchStatistics == BatchStatistics.PerReplica)
        {
            RequireMoreThanOne(ElementsPerChannel(input));
            if (!update) return F.batch_norm(input, null, null, weight, bias, true, 0.0, o.Epsilon);
            double momentum = NextUpdateWeight(d);
            return F.batch_norm(input, RunningMean(d), RunningVar(d), weight, bias, true, momentum, o.Epsilon);
        }
        return Affine(GeneralNormalize(input, norm, update, d));
    }

    /// <summary>Statistics path for everything the native kernel does not cover (Ghost, Sync, Renorm, Population
    /// while updating): x̂ before the affine.</summary>
    private Tensor GeneralNormalize(Tensor input, Normalization norm, bool update, string d)
    {
        using var scope = NewDisposeScope();
        var o = _options;
        var rm = RunningMean(d); var rv = RunningVar(d);
        var (rMax, dMax) = norm == Normalization.Renorm ? o.Renorm.At(NumBatchesTracked(d).item<long>()) : (1.0, 0.0);
        Tensor xhat;
        Tensor updateMean, updateVar;
        switch (o.BatchStatistics)
        {
            case BatchStatistics.Ghost when norm == Normalization.Batch && input.shape[0] % o.GhostBatchSize == 0 && input.shape[0] > o.GhostBatchSize:
            {
                // Equal groups: all at once, as [groups, group size, C, ...] (the same result as the loop below, without a
                // kernel launch per group: at group size 2 a batch of 256 would otherwise take 128 of each).
                long g = o.GhostBatchSize, k = input.shape[0] / g;
                long n = ElementsPerChannel(input) / k;
                RequireMoreThanOne(n, "each Ghost BN group");
                var grouped = input.reshape([k, g, .. input.shape[1..]]);
                long[] dims = [1, .. Enumerable.Range(3, (int)grouped.dim() - 3).Select(i => (long)i)];
                var (var, mean) = grouped.var_mean(dims, false, true);
                xhat = ((grouped - mean) * (var + o.Epsilon).rsqrt()).reshape(input.shape);
                updateMean = mean.detach().reshape(k, NumFeatures).mean([0]);
                updateVar = (var.detach().reshape(k, NumFeatures) * (n / (n - 1.0))).mean([0]);
                break;
            }
            case BatchStatistics.Ghost:
            {
                var outs = new List<Tensor>(); var means = new List<Tensor>(); var vars = new List<Tensor>();
                foreach (var chunk in input.split(o.GhostBatchSize, 0))
                {
                    long n = ElementsPerChannel(chunk);
                    RequireMoreThanOne(n, "each Ghost BN group");
                    var (var, mean) = Moments(chunk);
                    outs.Add(Normalize(chunk, mean, var, norm, rm, rv, rMax, dMax));
                    means.Add(mean.detach().flatten());
                    vars.Add(var.detach().flatten() * (n / (n - 1.0)));
                }
                xhat = cat(outs, 0);
                updateMean = stack(means).mean([0]);
                updateVar = stack(vars).mean([0]);
                break;
            }
            case BatchStatistics.Sync:
            {
                var (var, mean, total) = SyncMoments(input, o.SyncGroup!);
                RequireMoreThanOne(total, "Sync BN over all replicas");
                xhat = Normalize(input, mean, var, norm, rm, rv, rMax, dMax);
                updateMean = mean.detach().flatten();
                updateVar = var.detach().flatten() * (total / (total - 1.0));
                break;
            }
            default:
            {
                long n = ElementsPerChannel(input);
                RequireMoreThanOne(n);
                var (var, mean) = Moments(input);
                xhat = Normalize(input, mean, var, norm, rm, rv, rMax, dMax);
                updateMean = mean.detach().flatten();
                updateVar = var.detach().flatten() * (n / (n - 1.0));
                break;
            }
        }
        if (update)
        {
            double w = NextUpdateWeight(d);
            using (no_grad())
            {
                rm.mul_(1 - w).add_(updateMean.to(rm.dtype), alpha: w);
                rv.mul_(1 - w).add_(updateVar.to(rv.dtype), alpha: w);
            }
        }
        return xhat.MoveToOuterDisposeScope();
    }

    /// <summary>x̂ for batch statistics (mean, biased var; broadcastable to x) under <paramref name="norm"/>.</summary>
    private Tensor Normalize(Tensor x, Tensor mean, Tensor var, Normalization norm, Tensor rm, Tensor rv, double rMax, double dMax)
    {
        double eps = _options.Epsilon;
        if (norm == Normalization.Population)
            return (x - View(rm, x)) * View(rv, x).add(eps).rsqrt();
        var xhat = (x - mean) * (var + eps).rsqrt();
        if (norm != Normalization.Renorm) return xhat;
        Tensor r, dd;
        using (no_grad())
        {
            var sigmaB = (var.detach() + eps).sqrt();
            var sigma = View(rv, x).add(eps).sqrt();
            r = (sigmaB / sigma).clamp(1.0 / rMax, rMax);
            dd = ((mean.detach() - View(rm, x)) / sigma).clamp(-dMax, dMax);
        }
        LastRenormCorrection?.R.Dispose();
        LastRenormCorrection?.D.Dispose();
        LastRenormCorrection = (r.flatten().cpu().DetachFromDisposeScope(), dd.flatten().cpu().DetachFromDisposeScope());
        return xhat * r + dd; // r and d were made under no_grad: constants for autograd (stop-gradient)
    }

    /// <summary>Batch Renormalization's r and d of the last forward (for inspection and tests), on the CPU.</summary>
    public (Tensor R, Tensor D)? LastRenormCorrection { get; private set; }

    private Tensor VirtualNormalize(Tensor input)
    {
        using var scope = NewDisposeScope();
        int r = _options.VirtualReferenceSize;
        long n = input.shape[0];
        if (n < r)
            throw new ArgumentException($"Virtual BN: the input has {n} rows but the reference batch alone is {r}; prepend the reference batch to every input");
        long c = NumFeatures;
        var x64 = input.to(ScalarType.Float64);
        long[] spatial = Enumerable.Range(2, (int)input.dim() - 2).Select(i => (long)i).ToArray();
        var m = spatial.Length == 0 ? x64 : x64.mean(spatial);            // [N, C]
        var q = spatial.Length == 0 ? x64.square() : x64.square().mean(spatial);
        var mRef = m.narrow(0, 0, r).mean([0]);
        var qRef = q.narrow(0, 0, r).mean([0]);
        var mRest = (m.narrow(0, r, n - r) + mRef * r) / (r + 1.0);
        var qRest = (q.narrow(0, r, n - r) + qRef * r) / (r + 1.0);
        var mean = cat([mRef.expand(r, c), mRest], 0);
        var ex2 = cat([qRef.expand(r, c), qRest], 0);
        var var = (ex2 - mean.square()).clamp_min(0.0);
        long[] shape = [n, c, .. Enumerable.Repeat(1L, spatial.Length)];
        var xhat = (input - mean.reshape(shape).to(input.dtype)) * (var.reshape(shape) + _options.Epsilon).rsqrt().to(input.dtype);
        return xhat.MoveToOuterDisposeScope();
    }

    private Tensor FrozenForward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (scale, shift) = ConstantAffine(_activeDomain);
        return (input * View(scale, input) + View(shift, input)).MoveToOuterDisposeScope();
    }

    /// <summary>The per-channel s = γ/sqrt(var+ε) and b = β − μ·s of <paramref name="domain"/>'s running statistics
    /// (no autograd history).</summary>
    public (Tensor Scale, Tensor Shift) ConstantAffine(string? domain = null)
    {
        using var noGrad = no_grad();
        var rm = RunningMean(domain); var rv = RunningVar(domain);
        var scale = (rv + _options.Epsilon).rsqrt();
        if (Weight is { } w) scale = scale * w;
        var shift = -rm * scale;
        if (Bias is { } b) shift = shift + b;
        return (scale, shift);
    }

    private Tensor Affine(Tensor xhat)
    {
        if (Weight is not { } w) return xhat;
        using var scope = NewDisposeScope();
        return (xhat * View(w, xhat) + View(Bias!, xhat)).MoveToOuterDisposeScope();
    }

    private (Tensor Var, Tensor Mean) Moments(Tensor x) => x.var_mean(ReduceDims(x), false, true);

    /// <summary>Global biased variance and mean over all replicas (keepdim shape), and the global element count.</summary>
    private (Tensor Var, Tensor Mean, double Count) SyncMoments(Tensor x, IAllReduce group)
    {
        long c = NumFeatures;
        var dims = ReduceDims(x);
        var x64 = x.to(ScalarType.Float64);
        var count = full([1], (double)ElementsPerChannel(x), ScalarType.Float64, x.device);
        var packed = cat([x64.sum(dims), x64.square().sum(dims), count], 0);
        var total = AllReduce.Differentiable(packed, group);
        double n = total[2 * c].item<double>();
        if (n < 1) throw new InvalidOperationException("Sync BN: every replica's batch is empty");
        var mean = total.narrow(0, 0, c) / n;
        var var = (total.narrow(0, c, c) / n - mean.square()).clamp_min(0.0);
        long[] shape = [1, c, .. Enumerable.Repeat(1L, (int)x.dim() - 2)];
        return (var.reshape(shape).to(x.dtype), mean.reshape(shape).to(x.dtype), n);
    }

    private void Observe(Tensor input, Action<BatchNormLayer, Tensor, Tensor, long> observe)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Per-channel sums accumulated in float64 without a float64 copy of the input. The values are first
        // shifted by the batch mean computed in the input's precision, so that E[c²] − E[c]² does not cancel
        // catastrophically when |mean| ≫ σ; the result depends on the batch only (deterministic).
        var dims = ReduceDims(input);
        long n = ElementsPerChannel(input);
        var shift = input.detach().mean(dims);
        var centred = input.detach() - View(shift, input);
        var mean = centred.sum(dims, false, ScalarType.Float64) / n;
        var var = (centred.square().sum(dims, false, ScalarType.Float64) / n - mean.square()).clamp_min(0.0);
        observe(this, mean + shift.to(ScalarType.Float64), var, n);
    }

    /// <summary>Counts one more update of <paramref name="domain"/> and returns its weight 1−λ (or 1/count for a
    /// cumulative average; (1−λ)/(1−λ^count) bias-corrected), PyTorch's order.</summary>
    private double NextUpdateWeight(string domain)
    {
        var nbt = NumBatchesTracked(domain);
        using (no_grad()) nbt.add_(1);
        long count = nbt.item<long>();
        if (_options.Decay is not { } decay) return 1.0 / count;
        if (!_options.BiasCorrected) return 1.0 - decay;
        return decay == 1.0 ? 1.0 / count : (1.0 - decay) / (1.0 - Math.Pow(decay, count));
    }

    private void CheckInput(Tensor input)
    {
        long dims = input.dim();
        if (dims < _minDims || dims > _maxDims)
        {
            string expected = _minDims == _maxDims ? $"{_minDims}" : _maxDims == int.MaxValue ? $"at least {_minDims}" : $"{_minDims} or {_maxDims}";
            throw new ArgumentException($"{GetName()}: expected a {expected}-dimensional input [N, C, …], got shape [{string.Join(", ", input.shape)}]");
        }
        if (input.shape[1] != NumFeatures)
            throw new ArgumentException($"{GetName()}: expected {NumFeatures} channels (dimension 1), got shape [{string.Join(", ", input.shape)}]");
    }

    private void RequireMoreThanOne(double n, string what = "batch statistics")
    {
        if (n <= 1)
            throw new ArgumentException($"{GetName()}: {what} need more than one value per channel, got {n} (use eval mode or population statistics for single examples)");
    }

    private static long ElementsPerChannel(Tensor x) => x.numel() / x.shape[1];

    private static long[] ReduceDims(Tensor x) => [0, .. Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i)];

    private static Tensor View(Tensor perChannel, Tensor like) =>
        perChannel.reshape([1, perChannel.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 2)]);

    private string Check(string? domain)
    {
        domain ??= _activeDomain;
        if (Array.IndexOf(_domains, domain) < 0)
            throw new ArgumentException($"unknown BatchNorm domain '{domain}'; this layer has: {string.Join(", ", _domains)}");
        return domain;
    }

    private static string BufferName(string kind, string domain) => domain == DefaultDomain ? kind : $"{kind}_{domain}";
}
