using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 9, fusion: a fused Conv2d (with and without bias), Conv1d or Linear equals layer → BN in eval
/// (TorchSharp's BN as the oracle, non-trivial running statistics, γ and β) to 1e-5; fusion is refused in train mode
/// and for Renorm, explicit Batch and Virtual layers (leaving the layer untouched); a fused layer refuses to train with
/// gradients unless <see cref="BatchNormLayer.AllowFusedTraining"/>; fusing twice throws.</summary>
[Collection(TorchCollection.Name)]
public sealed class FusionTests
{
    private static readonly string[] Kinds = ["conv2d+bias", "conv2d", "conv1d+bias", "conv1d", "linear+bias", "linear"];

    public static TheoryData<string> Layers() => new(Kinds);

    private const long In = 3, Out = 5;

    private static (nn.Module<Tensor, Tensor> Layer, BatchNormLayer Ours, nn.Module<Tensor, Tensor> Theirs, Tensor X) Make(string kind, Device device)
    {
        bool bias = kind.EndsWith("+bias");
        nn.Module<Tensor, Tensor> layer; Tensor x; string shape;
        switch (kind.Split('+')[0])
        {
            case "conv2d": layer = nn.Conv2d(In, Out, 3, padding: 1, bias: bias); x = randn(4, In, 6, 5); shape = "N,C,H,W"; break;
            case "conv1d": layer = nn.Conv1d(In, Out, 3, bias: bias); x = randn(4, In, 7); shape = "N,C,L"; break;
            default: layer = nn.Linear(In, Out, hasBias: bias); x = randn(6, In); shape = "N,C"; break;
        }
        var ours = R.Ours(shape, Out);
        var theirs = R.Theirs(shape, Out);
        var gamma = rand(Out) * 2 + 0.2; var beta = randn(Out); var mean = randn(Out) * 0.5; var var = rand(Out) * 0.5 + 0.05;
        R.Load(ours, gamma, beta, mean, var); R.Load(theirs, gamma, beta, mean, var);
        layer.to(device); ours.to(device); theirs.to(device);
        return (layer, ours, theirs, x.to(device));
    }

    private static void FusedEqualsLayerThenBatchNorm(string kind, Device device)
    {
        manual_seed(601);
        var (layer, ours, theirs, x) = Make(kind, device);
        layer.eval(); ours.eval(); theirs.eval();
        var expected = theirs.call(layer.call(x));
        TensorAssert.Close(expected, ours.call(layer.call(x)), 1e-5, $"{kind}: unfused ours vs TorchSharp");
        BatchNormFusion.Fuse(layer, ours);
        Assert.True(ours.IsFused);
        var fusedOnly = layer.call(x);
        TensorAssert.Close(expected, fusedOnly, 1e-5, $"{kind}: fused layer alone");
        TensorAssert.BitEqual(fusedOnly, ours.call(fusedOnly), $"{kind}: fused BN is the identity");
        Assert.True(layer.named_parameters().Any(p => p.name == "bias"), "the fused layer has a bias parameter");
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void FusedLayerEqualsLayerThenBatchNormInEval(string kind) => FusedEqualsLayerThenBatchNorm(kind, CPU);

    [CudaFact]
    public void FusedLayerEqualsLayerThenBatchNormInEvalOnCuda()
    {
        foreach (var kind in Kinds) FusedEqualsLayerThenBatchNorm(kind, CUDA);
    }

    [Fact]
    public void TheFusedBiasIsATrainableParameter()
    {
        // The fused bias is a real parameter: it appears in parameters() and receives a gradient.
        manual_seed(602);
        var (layer, ours, _, x) = Make("conv2d", CPU);
        layer.eval(); ours.eval();
        BatchNormFusion.Fuse(layer, ours);
        var bias = layer.named_parameters().Single(p => p.name == "bias").parameter;
        Assert.True(bias.requires_grad);
        layer.call(x).sum().backward();
        Assert.NotNull(bias.grad);
    }

    private static Dictionary<string, Tensor> Parameters(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    private static void AssertRefused(nn.Module<Tensor, Tensor> layer, BatchNormLayer bn, string what)
    {
        var before = Parameters(layer);
        Assert.Throws<InvalidOperationException>(() => BatchNormFusion.Fuse(layer, bn));
        Assert.False(bn.IsFused, $"{what}: marked fused after a refusal");
        var after = Parameters(layer);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, t) in before) TensorAssert.BitEqual(t, after[name], $"{what}: {name} changed by a refused fusion");
    }

    [Fact]
    public void FusingInTrainModeThrows()
    {
        manual_seed(603);
        var (layer, ours, _, _) = Make("conv2d+bias", CPU);
        ours.train();
        AssertRefused(layer, ours, "train mode");
    }

    [Fact]
    public void FusingRenormBatchOrVirtualLayersThrows()
    {
        manual_seed(604);
        foreach (var options in new[]
        {
            new BatchNormOptions { Normalization = Normalization.RenormAlways }, // Renorm alone uses the population in eval: it fuses
            new BatchNormOptions { Normalization = Normalization.Batch },
            new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 2 },
        })
        {
            var layer = nn.Conv2d(2, 3, 1);
            var bn = BatchNormLayer.BatchNorm2d(3, options);
            bn.eval(); layer.eval();
            AssertRefused(layer, bn, $"{options.Normalization}/{options.BatchStatistics} in eval");
        }
    }

    [Fact]
    public void AFusedLayerRefusesToTrainWithGradientsUnlessAllowed()
    {
        manual_seed(605);
        var (layer, ours, _, x) = Make("linear+bias", CPU);
        layer.eval(); ours.eval();
        BatchNormFusion.Fuse(layer, ours);
        ours.train();
        var h = layer.call(x);
        Assert.Throws<InvalidOperationException>(() => ours.call(h));
        using (no_grad()) TensorAssert.BitEqual(h, ours.call(h), "train mode without gradients: identity");
        ours.eval();
        TensorAssert.BitEqual(h, ours.call(h), "eval mode: identity");
        ours.train();
        ours.AllowFusedTraining = true;
        TensorAssert.BitEqual(h, ours.call(h), "allowed: identity");
    }

    [Fact]
    public void FusingTwiceThrows()
    {
        manual_seed(606);
        var (layer, ours, _, _) = Make("conv1d+bias", CPU);
        layer.eval(); ours.eval();
        BatchNormFusion.Fuse(layer, ours);
        var before = Parameters(layer);
        Assert.Throws<InvalidOperationException>(() => BatchNormFusion.Fuse(layer, ours));
        foreach (var (name, t) in before) TensorAssert.BitEqual(t, Parameters(layer)[name], $"{name} after a second fusion attempt");
    }

    [Fact]
    public void AFrozenLayerFusesWithItsConstantAffine()
    {
        manual_seed(607);
        var (layer, ours, theirs, x) = Make("conv2d", CPU);
        layer.eval(); theirs.eval();
        ours.Freeze();
        ours.train(); // frozen: a constant affine in any mode
        var expected = theirs.call(layer.call(x));
        BatchNormFusion.Fuse(layer, ours);
        TensorAssert.Close(expected, layer.call(x), 1e-5, "fused frozen layer");
    }

    [Fact]
    public void MismatchedChannelsOrUnsupportedLayersAreArgumentErrors()
    {
        var bn = BatchNormLayer.BatchNorm2d(4);
        bn.eval();
        var e = Assert.Throws<ArgumentException>(() => BatchNormFusion.Fuse(nn.Conv2d(2, 3, 1), bn));
        Assert.Contains("output channels", e.Message);
        Assert.Throws<ArgumentException>(() => BatchNormFusion.Fuse(nn.ReLU(), bn));
        // A transposed convolution's output channels are dimension 1 of its weight: refused, weight untouched.
        var transposed = nn.ConvTranspose2d(4, 4, 1);
        var weight = transposed.weight!.detach().clone();
        Assert.Throws<ArgumentException>(() => BatchNormFusion.Fuse(transposed, bn));
        TensorAssert.BitEqual(weight, transposed.weight!, "transposed convolution weight");
        Assert.False(bn.IsFused);
    }
}
