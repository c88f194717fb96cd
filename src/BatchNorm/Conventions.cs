using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>A framework whose BatchNorm parameters can be imported or exported.</summary>
public enum Framework
{
    /// <summary>PyTorch and TorchSharp: <c>momentum</c> m means decay 1−m (null: cumulative average); variance stored unbiased; ε 1e-5.</summary>
    PyTorch,

    /// <summary>TensorFlow/Keras: <c>momentum</c> is the decay itself (0.99); the fused op stores the unbiased variance,
    /// the non-fused path the biased one; ε 1e-3 (clamped to 1.001e-5 when cuDNN runs it).</summary>
    Keras,

    /// <summary>Caffe: <c>moving_average_fraction</c> is the decay λ; the blobs are sums updated as blob ← stat_B + λ·blob
    /// with a scale factor s ← λ·s + 1 (a third blob) that is divided out, i.e. a bias-corrected average
    /// (<see cref="BatchNormOptions.BiasCorrected"/>); variance unbiased; ε 1e-5.</summary>
    Caffe,

    /// <summary>Caffe2: PyTorch momentum = 1 − Caffe2 momentum (so Caffe2's momentum is the decay); the blob named
    /// <c>riv</c> ("running inv var") actually holds the variance; ε 1e-5.</summary>
    Caffe2,
}

/// <summary>
/// Converters between this library's names (the EMA decay λ in μ_run ← λ·μ_run + (1−λ)·μ_B, ε inside the square
/// root) and other frameworks' conventions, from the table in <c>shared/docs/batchnorm.md</c>.
/// </summary>
public static class Conventions
{
    /// <summary>TensorFlow's smallest ε when cuDNN runs BN (cuDNN requires ε ≥ 1e-5).</summary>
    public const double TensorFlowCudnnMinEpsilon = 1.001e-5;

    /// <summary>λ from a framework's "momentum" argument (PyTorch's <c>null</c> gives <c>null</c>: a cumulative average;
    /// PyTorch's 0 gives λ = 1: the statistics never move).</summary>
    public static double? DecayFrom(Framework framework, double? momentum)
    {
        if (momentum is not { } m) return framework == Framework.PyTorch
            ? null
            : throw new ArgumentException($"{framework} has no null momentum (only PyTorch's momentum=None means a cumulative average)");
        if (!(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), m, $"{framework} momentum must be in [0, 1]");
        return framework == Framework.PyTorch ? 1.0 - m : m;
    }

    /// <summary>The framework's "momentum" for decay λ (<c>null</c>, a cumulative average, exists only in PyTorch).</summary>
    public static double? MomentumFor(Framework framework, double? decay)
    {
        if (decay is not { } d) return framework == Framework.PyTorch
            ? null
            : throw new ArgumentException($"{framework} cannot express a cumulative average (decay null)");
        if (!(d >= 0 && d <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), d, "decay must be in [0, 1]");
        return framework == Framework.PyTorch ? 1.0 - d : d;
    }

    /// <summary>The framework's default ε.</summary>
    public static double DefaultEpsilon(Framework framework) => framework == Framework.Keras ? 1e-3 : 1e-5;

    /// <summary>Whether the framework stores the unbiased variance (Keras: only its fused op does).</summary>
    public static bool StoresUnbiasedVariance(Framework framework, bool kerasFused = true) =>
        framework != Framework.Keras || kerasFused;

    /// <summary>Options for a layer whose running statistics follow the framework's update rule with this momentum and ε
    /// (default: the framework's): the same decay, and for Caffe its bias-corrected average (after t updates the running
    /// mean is Σ λ^k·μ_{t−k} / Σ λ^k, as Caffe's blobs divided by its scale factor).</summary>
    public static BatchNormOptions OptionsFrom(Framework framework, double? momentum, double? epsilon = null) =>
        new() { Decay = DecayFrom(framework, momentum), Epsilon = epsilon ?? DefaultEpsilon(framework), BiasCorrected = framework == Framework.Caffe };

    /// <summary>σ̃² = σ²·n/(n−1) for statistics over <paramref name="n"/> values per channel.</summary>
    public static Tensor BiasedToUnbiased(Tensor variance, long n) =>
        n > 1 ? variance * (n / (n - 1.0)) : throw new ArgumentOutOfRangeException(nameof(n), n, "need n > 1");

    /// <summary>σ² = σ̃²·(n−1)/n for statistics over <paramref name="n"/> values per channel.</summary>
    public static Tensor UnbiasedToBiased(Tensor variance, long n) =>
        n > 1 ? variance * ((n - 1.0) / n) : throw new ArgumentOutOfRangeException(nameof(n), n, "need n > 1");

    /// <summary>Caffe's stored blobs → (mean, variance): both divided by the scale factor (0 means no statistics yet:
    /// Caffe then uses zeros).</summary>
    public static (Tensor Mean, Tensor Variance) FromCaffe(Tensor meanBlob, Tensor varianceBlob, double scaleFactor)
    {
        if (scaleFactor < 0 || double.IsNaN(scaleFactor)) throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor, "Caffe's scale factor is ≥ 0");
        double k = scaleFactor == 0 ? 0 : 1.0 / scaleFactor;
        return (meanBlob * k, varianceBlob * k);
    }

    /// <summary>(mean, variance) → Caffe's three blobs, with scale factor 1.</summary>
    public static (Tensor MeanBlob, Tensor VarianceBlob, double ScaleFactor) ToCaffe(Tensor mean, Tensor variance) =>
        (mean.clone(), variance.clone(), 1.0);

    /// <summary>Caffe2's <c>rm</c> and <c>riv</c> blobs → (mean, variance): <c>riv</c> already holds the variance,
    /// despite its name; it is not inverted.</summary>
    public static (Tensor Mean, Tensor Variance) FromCaffe2(Tensor runningMean, Tensor riv) => (runningMean.clone(), riv.clone());

    /// <summary>Writes imported population statistics into <paramref name="layer"/>'s domain (default: the active one).</summary>
    public static void Load(BatchNormLayer layer, Tensor mean, Tensor variance, string? domain = null)
    {
        var rm = layer.RunningMean(domain); var rv = layer.RunningVar(domain);
        if (mean.numel() != rm.numel() || variance.numel() != rv.numel())
            throw new ArgumentException($"expected {rm.numel()} channels, got mean of {mean.numel()} and variance of {variance.numel()}");
        if ((variance < 0).any().item<bool>()) throw new ArgumentException("a variance is negative");
        using var noGrad = no_grad();
        rm.copy_(mean.reshape(rm.shape));
        rv.copy_(variance.reshape(rv.shape));
    }
}
