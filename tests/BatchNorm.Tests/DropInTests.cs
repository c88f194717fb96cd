using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 2: batch mode equals TorchSharp's BatchNorm in train mode, population mode equals it in eval
/// mode, outputs and gradients, running statistics included (the oracle is TorchSharp's own layer).</summary>
[Collection(TorchCollection.Name)]
public sealed class DropInTests
{
    public static TheoryData<int, bool> Cases() => new() { { 1, false }, { 2, false }, { 1, true }, { 2, true } };

    private static (BatchNormLayer Ours, nn.Module<Tensor, Tensor> Theirs, Tensor X) Pair(int dims, double momentum, Device device, long seed)
    {
        manual_seed(seed);
        long c = 5;
        var x = dims == 1 ? randn(16, c, device: device) * 3 + 1 : randn(8, c, 4, 3, device: device) * 2 - 0.5;
        var ours = dims == 1
            ? BatchNormLayer.BatchNorm1d(c, new BatchNormOptions { Decay = 1 - momentum })
            : BatchNormLayer.BatchNorm2d(c, new BatchNormOptions { Decay = 1 - momentum });
        nn.Module<Tensor, Tensor> theirs = dims == 1 ? nn.BatchNorm1d(c, momentum: momentum) : nn.BatchNorm2d(c, momentum: momentum);
        using (no_grad())
        {
            var gamma = rand(c) + 0.5; var beta = randn(c);
            ours.Weight!.copy_(gamma); ours.Bias!.copy_(beta);
            theirs.get_parameter("weight")!.copy_(gamma); theirs.get_parameter("bias")!.copy_(beta);
        }
        ours.to(device); theirs.to(device);
        return (ours, theirs, x);
    }

    private static void Compare(int dims, bool train, Device device)
    {
        var (ours, theirs, x0) = Pair(dims, 0.1, device, 7);
        ours.train(train); theirs.train(train);
        for (int step = 0; step < 3; step++)
        {
            var g = randn(x0.shape, device: device);
            var x1 = (x0 + step).detach().requires_grad_(); var x2 = (x0 + step).detach().requires_grad_();
            var y1 = ours.call(x1); var y2 = theirs.call(x2);
            TensorAssert.Close(y2, y1, 1e-6, $"output, step {step}");
            (y1 * g).sum().backward(); (y2 * g).sum().backward();
            TensorAssert.Close(x2.grad!, x1.grad!, 1e-6, "input gradient");
            TensorAssert.Close(theirs.get_parameter("weight")!.grad!, ours.Weight!.grad!, 1e-5, "γ gradient");
            TensorAssert.Close(theirs.get_parameter("bias")!.grad!, ours.Bias!.grad!, 1e-5, "β gradient");
            TensorAssert.Close(theirs.get_buffer("running_mean")!, ours.RunningMean(), 1e-6, "running mean");
            TensorAssert.Close(theirs.get_buffer("running_var")!, ours.RunningVar(), 1e-6, "running var");
            Assert.Equal(theirs.get_buffer("num_batches_tracked")!.item<long>(), ours.NumBatchesTracked().item<long>());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchSharpBatchNormOnCpu(int dims, bool train) => Compare(dims, train, CPU);

    [CudaFact]
    public void MatchesTorchSharpBatchNormOnCuda()
    {
        foreach (var (dims, train) in new[] { (1, false), (2, false), (1, true), (2, true) }) Compare(dims, train, CUDA);
    }

    [Fact]
    public void StateDictKeysAreTorchSharps()
    {
        var ours = BatchNormLayer.BatchNorm2d(3);
        var theirs = nn.BatchNorm2d(3);
        Assert.Equal(theirs.state_dict().Keys.OrderBy(k => k), ours.state_dict().Keys.OrderBy(k => k));
    }

    [Fact]
    public void GeneralPathMatchesNativePath()
    {
        // Population normalisation while updating takes the general path; batch normalisation the native one.
        manual_seed(3);
        var x = randn(6, 4, 5, 5);
        var native = BatchNormLayer.BatchNorm2d(4);
        var general = BatchNormLayer.BatchNorm2d(4, new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(1, 0) });
        native.train(); general.train();
        var a = x.detach().requires_grad_(); var b = x.detach().requires_grad_();
        var ya = native.call(a); var yb = general.call(b);
        TensorAssert.Close(ya, yb, 1e-5, "output");
        ya.square().sum().backward(); yb.square().sum().backward();
        TensorAssert.Close(a.grad!, b.grad!, 1e-4, "gradient");
        TensorAssert.Close(native.RunningVar(), general.RunningVar(), 1e-6, "running var");
    }
}
