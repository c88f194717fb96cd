using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>
/// Independent, deliberately naive BatchNorm formulas for expected values: plain tensor ops (mean, square, sqrt),
/// differentiable through autograd, never the code under test. Per channel = dimension 1; statistics over every
/// other dimension.
/// </summary>
internal static class BatchNormReference
{
    /// <summary>The dimensions a per-channel statistic reduces over: 0, 2, 3, ….</summary>
    public static long[] Dims(Tensor x) => [0L, .. Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i)];

    /// <summary>Values per channel (N·L or N·H·W).</summary>
    public static long Count(Tensor x) => x.numel() / x.shape[1];

    /// <summary>A per-channel vector [C] reshaped to broadcast against <paramref name="like"/>.</summary>
    public static Tensor View(Tensor perChannel, Tensor like) =>
        perChannel.reshape([1, perChannel.numel(), .. Enumerable.Repeat(1L, (int)like.dim() - 2)]);

    /// <summary>μ_B per channel, [C].</summary>
    public static Tensor Mean(Tensor x) => x.mean(Dims(x));

    /// <summary>σ²_B = mean((x − μ_B)²) per channel, [C] (biased).</summary>
    public static Tensor BiasedVar(Tensor x) => (x - View(Mean(x), x)).square().mean(Dims(x));

    /// <summary>σ̃²_B = Σ(x − μ_B)²/(n − 1) per channel, [C] (unbiased).</summary>
    public static Tensor UnbiasedVar(Tensor x) => (x - View(Mean(x), x)).square().sum(Dims(x)) / (Count(x) - 1.0);

    /// <summary>γ·(x − μ)/sqrt(σ² + ε) + β with given per-channel statistics (γ, β may be null: identity affine).</summary>
    public static Tensor Normalize(Tensor x, Tensor mean, Tensor var, double eps, Tensor? gamma = null, Tensor? beta = null)
    {
        var y = (x - View(mean, x)) / (View(var, x) + eps).sqrt();
        if (gamma is not null) y = y * View(gamma, x);
        if (beta is not null) y = y + View(beta, x);
        return y;
    }

    /// <summary>Training-mode BN of <paramref name="x"/> with its own biased statistics (gradients flow through them).</summary>
    public static Tensor Train(Tensor x, double eps, Tensor? gamma = null, Tensor? beta = null) =>
        Normalize(x, Mean(x), BiasedVar(x), eps, gamma, beta);

    /// <summary>Copies of every buffer of <paramref name="module"/> by name (for bit-identity checks).</summary>
    public static Dictionary<string, Tensor> Buffers(nn.Module module) =>
        module.named_buffers().ToDictionary(b => b.name, b => b.buffer.detach().clone());

    /// <summary>Asserts every buffer of <paramref name="module"/> is bit-identical to <paramref name="before"/>.</summary>
    public static void AssertBuffersUnchanged(Dictionary<string, Tensor> before, nn.Module module, string what)
    {
        var after = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Assert.Equal(before.Keys.OrderBy(k => k), after.Keys.OrderBy(k => k));
        foreach (var (name, t) in before) TensorAssert.BitEqual(t, after[name], $"{what}: buffer {name}");
    }

    /// <summary>Sets γ, β, running mean and running variance of a layer (ours or TorchSharp's) to the given values.</summary>
    public static void Load(nn.Module layer, Tensor? gamma, Tensor? beta, Tensor? mean = null, Tensor? var = null, string meanName = "running_mean", string varName = "running_var")
    {
        using var _ = no_grad();
        if (gamma is not null) layer.get_parameter("weight")!.copy_(gamma);
        if (beta is not null) layer.get_parameter("bias")!.copy_(beta);
        if (mean is not null) layer.get_buffer(meanName)!.copy_(mean);
        if (var is not null) layer.get_buffer(varName)!.copy_(var);
    }

    /// <summary>An input of the named shape ("N,C", "N,C,L" or "N,C,H,W") whose channels have different means and
    /// spreads.</summary>
    public static Tensor Input(string shape, long n, long c, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        long[] dims = shape switch
        {
            "N,C" => [n, c],
            "N,C,L" => [n, c, 5],
            "N,C,H,W" => [n, c, 3, 4],
            _ => throw new ArgumentException(shape),
        };
        var x = randn(dims, dtype: dtype);
        var scale = linspace(0.5, 3.0, c, dtype: dtype);
        var shift = linspace(-2.0, 4.0, c, dtype: dtype);
        return (x * View(scale, x) + View(shift, x)).to(device ?? CPU);
    }

    /// <summary>Our layer for the named shape: BatchNorm1d for "N,C"/"N,C,L", BatchNorm2d for "N,C,H,W".</summary>
    public static BatchNormLayer Ours(string shape, long c, BatchNormOptions? options = null, IEnumerable<string>? domains = null) =>
        shape == "N,C,H,W" ? BatchNormLayer.BatchNorm2d(c, options, domains) : BatchNormLayer.BatchNorm1d(c, options, domains);

    /// <summary>TorchSharp's layer for the named shape.</summary>
    public static nn.Module<Tensor, Tensor> Theirs(string shape, long c, double momentum = 0.1, double eps = 1e-5) =>
        shape == "N,C,H,W" ? nn.BatchNorm2d(c, eps: eps, momentum: momentum) : nn.BatchNorm1d(c, eps: eps, momentum: momentum);

    /// <summary>The three input layouts every test covers.</summary>
    public static TheoryData<string> Shapes() => new() { "N,C", "N,C,L", "N,C,H,W" };
}
