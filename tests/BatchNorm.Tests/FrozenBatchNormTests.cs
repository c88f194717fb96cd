using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 8, Frozen BN: equals TorchSharp's BN in eval mode with the same γ, β and running statistics;
/// calling it twice gives the same output; in train mode nothing changes (buffers bit-identical, γ and β take no
/// gradient, the input gradient is g·γ/sqrt(var+ε)); Unfreeze restores requires_grad; Freeze/Unfreeze are idempotent;
/// <see cref="FrozenBatchNorm.Freeze"/> converts every BN layer of a model.</summary>
[Collection(TorchCollection.Name)]
public sealed class FrozenBatchNormTests
{
    private static (BatchNormLayer Ours, nn.Module<Tensor, Tensor> Theirs) Pair(string shape, long c, Device device)
    {
        var ours = R.Ours(shape, c);
        var theirs = R.Theirs(shape, c);
        var gamma = rand(c) + 0.5; var beta = randn(c); var mean = randn(c) * 2; var var = rand(c) * 3 + 0.1;
        R.Load(ours, gamma, beta, mean, var); R.Load(theirs, gamma, beta, mean, var);
        ours.to(device); theirs.to(device);
        return (ours, theirs);
    }

    private static void EqualsEvalBatchNorm(string shape, Device device)
    {
        manual_seed(501);
        const long c = 4;
        var (ours, theirs) = Pair(shape, c, device);
        theirs.eval();
        ours.Freeze();
        Assert.True(ours.IsFrozen);
        var x = R.Input(shape, 5, c, device);
        var expected = theirs.call(x);
        foreach (bool train in new[] { false, true })
        {
            ours.train(train);
            var y1 = ours.call(x); var y2 = ours.call(x);
            TensorAssert.Close(expected, y1, 1e-5, $"{shape} train={train}: frozen vs TorchSharp eval");
            TensorAssert.BitEqual(y1, y2, $"{shape} train={train}: second call");
        }
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void EqualsEvalModeBatchNormAndIsRepeatable(string shape) => EqualsEvalBatchNorm(shape, CPU);

    [CudaFact]
    public void EqualsEvalModeBatchNormAndIsRepeatableOnCuda()
    {
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" }) EqualsEvalBatchNorm(shape, CUDA);
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void NothingChangesInTrainMode(string shape)
    {
        manual_seed(502);
        const long c = 3;
        var (ours, _) = Pair(shape, c, CPU);
        var gamma = ours.Weight!.detach().clone(); var var = ours.RunningVar().clone();
        ours.Freeze();
        ours.train();
        var before = R.Buffers(ours);
        for (int step = 0; step < 3; step++)
        {
            var x = (R.Input(shape, 6, c) + step).requires_grad_();
            var g = randn(x.shape);
            (ours.call(x) * g).sum().backward();
            TensorAssert.Close(g * R.View(gamma / (var + 1e-5).sqrt(), x), x.grad!, 1e-5, "input gradient = g·γ/sqrt(var+ε)");
        }
        R.AssertBuffersUnchanged(before, ours, "frozen layer after train-mode forwards and backwards");
        Assert.False(ours.Weight!.requires_grad); Assert.False(ours.Bias!.requires_grad);
        Assert.True(ours.Weight!.grad is null, "γ got a gradient");
        Assert.True(ours.Bias!.grad is null, "β got a gradient");
        Assert.DoesNotContain(ours.parameters(), p => p.requires_grad);
    }

    [Fact]
    public void UnfreezeRestoresRequiresGradAndBothAreIdempotent()
    {
        var bn = BatchNormLayer.BatchNorm2d(3);
        bn.Freeze(); bn.Freeze();
        Assert.True(bn.IsFrozen);
        Assert.False(bn.Weight!.requires_grad);
        bn.Unfreeze();
        Assert.False(bn.IsFrozen);
        Assert.True(bn.Weight!.requires_grad); Assert.True(bn.Bias!.requires_grad);
        bn.Unfreeze();
        Assert.True(bn.Weight!.requires_grad);

        // A parameter that did not require a gradient before freezing still does not after unfreezing.
        bn.Bias!.requires_grad_(false);
        bn.Freeze(); bn.Unfreeze();
        Assert.True(bn.Weight!.requires_grad); Assert.False(bn.Bias!.requires_grad);

        // Unfrozen, the layer trains again: batch statistics and running-statistics updates.
        bn.train();
        var x = randn(4, 3, 2, 2);
        var y = bn.call(x);
        TensorAssert.Close(R.Train(x, 1e-5), y, 1e-5, "unfrozen train-mode output");
        Assert.Equal(1L, bn.NumBatchesTracked().item<long>());

        var noAffine = BatchNormLayer.BatchNorm1d(2, new BatchNormOptions { Affine = false });
        noAffine.Freeze(); noAffine.Unfreeze();
        Assert.False(noAffine.IsFrozen);
    }

    [Fact]
    public void FreezeConvertsEveryLayerOfAModel()
    {
        manual_seed(503);
        var bn1 = BatchNormLayer.BatchNorm2d(4); var bn2 = BatchNormLayer.BatchNorm2d(4); var bn3 = BatchNormLayer.BatchNorm2d(4);
        var model = nn.Sequential(
            ("conv1", nn.Conv2d(2, 4, 3, padding: 1)), ("bn1", bn1), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(4, 4, 3, padding: 1)), ("bn2", bn2),
            ("inner", nn.Sequential(("bn3", bn3))));
        foreach (var bn in new[] { bn1, bn2, bn3 }) R.Load(bn, rand(4) + 0.5, randn(4), randn(4), rand(4) + 0.5);
        var x = randn(3, 2, 5, 5);
        model.eval();
        var expected = model.call(x);

        Assert.Equal(3, FrozenBatchNorm.Layers(model).Count());
        Assert.Equal(3, FrozenBatchNorm.Freeze(model));
        Assert.All(new[] { bn1, bn2, bn3 }, bn => Assert.True(bn.IsFrozen));
        model.train();
        var before = R.Buffers(model);
        var y = model.call(x);
        TensorAssert.Close(expected, y, 1e-5, "frozen model in train mode vs the unfrozen model in eval mode");
        R.AssertBuffersUnchanged(before, model, "frozen model");
        Assert.Equal(["bn1", "bn2", "inner.bn3"], FrozenBatchNorm.NamedLayers(model).Select(p => p.Name));
        Assert.Single(FrozenBatchNorm.Layers(bn1)); // a layer on its own counts itself

        Assert.Equal(3, FrozenBatchNorm.Unfreeze(model));
        Assert.All(new[] { bn1, bn2, bn3 }, bn => { Assert.False(bn.IsFrozen); Assert.True(bn.Weight!.requires_grad); });
    }

    [Fact]
    public void FrozenUsesTheActiveDomainStatistics()
    {
        var bn = BatchNormLayer.BatchNorm1d(2, domains: ["b"]);
        R.Load(bn, null, null, tensor(new[] { 1f, 2f }), tensor(new[] { 4f, 9f }), "running_mean_b", "running_var_b");
        bn.ActiveDomain = "b";
        bn.Freeze();
        var x = tensor(new[] { 3f, 5f, 1f, 2f }).reshape(2, 2);
        var expected = (x - tensor(new[] { 1f, 2f })) / (tensor(new[] { 4f, 9f }) + 1e-5f).sqrt();
        TensorAssert.Close(expected, bn.call(x), 1e-6, "frozen output with domain b's statistics");
    }
}
