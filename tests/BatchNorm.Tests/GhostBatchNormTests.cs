using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 5, Ghost BN: with V = batch size it equals plain BN (TorchSharp's layer as oracle: outputs,
/// gradients, running statistics); with V &lt; N each contiguous group of V (the last one holding the remainder) is
/// normalised as BN of that group alone (outputs and gradients); eval output does not depend on V. The EMA rule this
/// layer implements (documented on <see cref="BatchStatistics.Ghost"/> and in <c>BatchNorm.GeneralNormalize</c>):
/// one EMA step per forward, with the mean over groups of the group means and the mean over groups of the groups'
/// unbiased variances, every group weighted equally (the remainder group included).</summary>
[Collection(TorchCollection.Name)]
public sealed class GhostBatchNormTests
{
    private static void EqualsPlainBatchNorm(string shape, Device device)
    {
        manual_seed(201);
        const long c = 4; const long n = 6;
        var ours = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = (int)n });
        var theirs = R.Theirs(shape, c);
        var gamma = rand(c) + 0.5; var beta = randn(c);
        R.Load(ours, gamma, beta); R.Load(theirs, gamma, beta);
        ours.to(device).train(); theirs.to(device).train();
        for (int step = 0; step < 2; step++)
        {
            var x = R.Input(shape, n, c, device) + step;
            var g = randn(x.shape, device: device);
            var x1 = x.detach().requires_grad_(); var x2 = x.detach().requires_grad_();
            var y1 = ours.call(x1); var y2 = theirs.call(x2);
            TensorAssert.Close(y2, y1, 1e-5, $"{shape} step {step}: output");
            (y1 * g).sum().backward(); (y2 * g).sum().backward();
            TensorAssert.Close(x2.grad!, x1.grad!, 1e-4, "input gradient");
            TensorAssert.Close(theirs.get_parameter("weight")!.grad!, ours.Weight!.grad!, 1e-4, "γ gradient");
            TensorAssert.Close(theirs.get_parameter("bias")!.grad!, ours.Bias!.grad!, 1e-4, "β gradient");
            TensorAssert.Close(theirs.get_buffer("running_mean")!, ours.RunningMean(), 1e-5, "running mean");
            TensorAssert.Close(theirs.get_buffer("running_var")!, ours.RunningVar(), 1e-5, "running var");
        }
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void WithVEqualToTheBatchSizeItIsPlainBatchNorm(string shape) => EqualsPlainBatchNorm(shape, CPU);

    [CudaFact]
    public void WithVEqualToTheBatchSizeItIsPlainBatchNormOnCuda()
    {
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" }) EqualsPlainBatchNorm(shape, CUDA);
    }

    public static TheoryData<string, int, int> GroupCases() => new()
    {
        { "N,C", 12, 4 },      // three full groups (equal groups take the path that normalises all groups at once)
        { "N,C,L", 6, 2 },     // three full groups of 2 rows
        { "N,C,H,W", 12, 3 },  // four full groups of 3
        { "N,C,H,W", 8, 2 },   // four full groups of 2
        { "N,C", 10, 4 },      // 4, 4 and a remainder of 2
        { "N,C,L", 7, 3 },     // 3, 3 and a remainder of 1 row (5 values per channel)
        { "N,C,H,W", 10, 4 },  // 4, 4, 2
        { "N,C,H,W", 5, 2 },   // 2, 2, 1
    };

    [Theory]
    [MemberData(nameof(GroupCases))]
    public void EachGroupIsBatchNormOfThatGroupAlone(string shape, int n, int v)
    {
        manual_seed(202);
        const long c = 3; const double eps = 1e-5;
        var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = v });
        var gamma = rand(c, dtype: ScalarType.Float64) + 0.5; var beta = randn(c, dtype: ScalarType.Float64);
        bn.to(ScalarType.Float64);
        R.Load(bn, gamma, beta);
        bn.train();
        // Groups differ in location and spread, so normalising with whole-batch statistics would be far off.
        var x = R.Input(shape, n, c, dtype: ScalarType.Float64);
        var rowScale = arange(1.0, n + 1.0, dtype: ScalarType.Float64).reshape([n, .. Enumerable.Repeat(1L, (int)x.dim() - 1)]);
        x = x * rowScale + rowScale;
        var g = randn(x.shape, dtype: ScalarType.Float64);

        var xa = x.detach().requires_grad_();
        var y = bn.call(xa);
        (y * g).sum().backward();

        var xb = x.detach().requires_grad_();
        var gammaRef = gamma.detach().requires_grad_(); var betaRef = beta.detach().requires_grad_();
        var expected = new List<Tensor>();
        for (long start = 0; start < n; start += v)
        {
            long len = Math.Min(v, n - start);
            expected.Add(R.Train(xb.narrow(0, start, len), eps, gammaRef, betaRef));
        }
        var yRef = cat(expected, 0);
        (yRef * g).sum().backward();

        TensorAssert.Close(yRef, y, 1e-10, "output");
        TensorAssert.Close(xb.grad!, xa.grad!, 1e-9, "input gradient");
        TensorAssert.Close(gammaRef.grad!, bn.Weight!.grad!, 1e-9, "γ gradient");
        TensorAssert.Close(betaRef.grad!, bn.Bias!.grad!, 1e-9, "β gradient");
    }

    [Theory]
    [MemberData(nameof(GroupCases))]
    public void OneEmaStepWithTheMeanOfGroupMeansAndOfGroupUnbiasedVariances(string shape, int n, int v)
    {
        manual_seed(203);
        const long c = 3; const double lambda = 0.75;
        var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = v, Decay = lambda });
        bn.train();
        var m = zeros(c, dtype: ScalarType.Float64); var var = ones(c, dtype: ScalarType.Float64);
        for (int step = 0; step < 2; step++)
        {
            var x = R.Input(shape, n, c) * (step + 1);
            bn.call(x);
            var x64 = x.to(ScalarType.Float64);
            var means = new List<Tensor>(); var vars = new List<Tensor>();
            for (long start = 0; start < n; start += v)
            {
                var group = x64.narrow(0, start, Math.Min(v, n - start));
                means.Add(R.Mean(group)); vars.Add(R.UnbiasedVar(group));
            }
            m = lambda * m + (1 - lambda) * stack(means).mean([0L]);
            var = lambda * var + (1 - lambda) * stack(vars).mean([0L]);
            TensorAssert.Close(m, bn.RunningMean(), 1e-5, $"step {step}: running mean");
            TensorAssert.Close(var, bn.RunningVar(), 1e-5, $"step {step}: running var");
            Assert.Equal(step + 1L, bn.NumBatchesTracked().item<long>()); // one update per forward, not per group
        }
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void EvalOutputDoesNotDependOnV(string shape)
    {
        manual_seed(204);
        const long c = 4;
        var gamma = rand(c) + 0.5; var beta = randn(c); var mean = randn(c); var var = rand(c) + 0.2;
        var theirs = R.Theirs(shape, c);
        R.Load(theirs, gamma, beta, mean, var);
        theirs.eval();
        var x = R.Input(shape, 9, c);
        var expected = theirs.call(x);
        Tensor? first = null;
        foreach (int v in new[] { 2, 3, 4, 9, 16 })
        {
            var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = v });
            R.Load(bn, gamma, beta, mean, var);
            bn.eval();
            var before = R.Buffers(bn);
            var y = bn.call(x);
            TensorAssert.Close(expected, y, 1e-5, $"V = {v}: eval output vs TorchSharp eval");
            if (first is null) first = y; else TensorAssert.BitEqual(first, y, $"V = {v}: eval output vs V = 2");
            R.AssertBuffersUnchanged(before, bn, $"V = {v} eval");
        }
    }

    [Fact]
    public void AGroupWithOneValuePerChannelIsAClearError()
    {
        var bn = BatchNormLayer.BatchNorm1d(3, new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 4 });
        bn.train();
        var e = Assert.Throws<ArgumentException>(() => bn.call(randn(9, 3))); // groups 4, 4, 1
        Assert.Contains("Ghost", e.Message);
    }
}
