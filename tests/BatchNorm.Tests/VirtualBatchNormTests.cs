using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 7, Virtual BN: every non-reference example x is normalised with the biased statistics of
/// ref ∪ {x} (computed here by concatenating and normalising, outputs and gradients); reference rows with the
/// reference batch's own statistics; the same output in train and eval mode; running statistics never change.</summary>
[Collection(TorchCollection.Name)]
public sealed class VirtualBatchNormTests
{
    private const double Eps = 1e-5;

    /// <summary>The expected output: for each row i ≥ R, BN of cat(ref, x_i) and keep its last row; rows &lt; R: BN of ref.</summary>
    private static Tensor Expected(Tensor x, int refSize, Tensor gamma, Tensor beta)
    {
        var reference = x.narrow(0, 0, refSize);
        var rows = new List<Tensor> { R.Train(reference, Eps, gamma, beta) };
        for (long i = refSize; i < x.shape[0]; i++)
        {
            var union = cat([reference, x.narrow(0, i, 1)], 0);
            rows.Add(R.Train(union, Eps, gamma, beta).narrow(0, refSize, 1));
        }
        return cat(rows, 0);
    }

    private static void MatchesTheDefinition(string shape, Device device, ScalarType dtype, double outTol, double gradTol)
    {
        manual_seed(401);
        const long c = 3; const int refSize = 4; const long n = 9;
        var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = refSize });
        bn.to(dtype);
        var gamma = (rand(c) + 0.5).to(dtype); var beta = randn(c).to(dtype);
        R.Load(bn, gamma, beta);
        bn.to(device).train();
        // Non-reference rows far from the reference, so whole-batch statistics or the reference's alone would be wrong.
        var x = R.Input(shape, n, c, dtype: dtype);
        x = cat([x.narrow(0, 0, refSize), x.narrow(0, refSize, n - refSize) * 3 + 5], 0).to(device);
        var g = randn(x.shape, dtype: dtype).to(device);
        var before = R.Buffers(bn);

        var xa = x.detach().requires_grad_();
        var y = bn.call(xa);
        (y * g).sum().backward();
        var xb = x.detach().requires_grad_();
        var gammaRef = gamma.to(device).detach().requires_grad_(); var betaRef = beta.to(device).detach().requires_grad_();
        var yRef = Expected(xb, refSize, gammaRef, betaRef);
        (yRef * g).sum().backward();

        TensorAssert.Close(yRef, y, outTol, $"{shape}: output");
        TensorAssert.Close(xb.grad!, xa.grad!, gradTol, $"{shape}: input gradient");
        TensorAssert.Close(gammaRef.grad!, bn.Weight!.grad!, gradTol, $"{shape}: γ gradient");
        TensorAssert.Close(betaRef.grad!, bn.Bias!.grad!, gradTol, $"{shape}: β gradient");
        R.AssertBuffersUnchanged(before, bn, "train-mode forward");
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void EachExampleIsNormalisedWithTheStatisticsOfReferencePlusItself(string shape)
    {
        MatchesTheDefinition(shape, CPU, ScalarType.Float32, 1e-5, 1e-4);
        MatchesTheDefinition(shape, CPU, ScalarType.Float64, 1e-10, 1e-9);
    }

    [CudaFact]
    public void EachExampleIsNormalisedWithTheStatisticsOfReferencePlusItselfOnCuda()
    {
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" }) MatchesTheDefinition(shape, CUDA, ScalarType.Float32, 1e-5, 1e-4);
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void ReferenceRowsUseTheReferenceBatchOwnStatistics(string shape)
    {
        manual_seed(402);
        const long c = 3; const int refSize = 5;
        var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = refSize, Affine = false });
        bn.train();
        var x = R.Input(shape, refSize + 3, c);
        var y = bn.call(x);
        var reference = x.narrow(0, 0, refSize).to(ScalarType.Float64);
        TensorAssert.Close(R.Train(reference, Eps), y.narrow(0, 0, refSize), 1e-5, "reference rows");
        // A row's output depends only on the reference and itself: the other examples do not matter.
        var alone = bn.call(cat([x.narrow(0, 0, refSize), x.narrow(0, refSize + 2, 1)], 0));
        TensorAssert.Close(y.narrow(0, refSize + 2, 1), alone.narrow(0, refSize, 1), 1e-6, "example with and without the others");
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void SameOutputInTrainAndEvalAndNoRunningStatisticsChange(string shape)
    {
        manual_seed(403);
        const long c = 4; const int refSize = 3;
        foreach (var update in new[] { RunningUpdate.FollowMode, RunningUpdate.Keep })
        {
            var bn = R.Ours(shape, c, new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = refSize, Update = update });
            R.Load(bn, rand(c) + 0.5, randn(c), randn(c), rand(c) + 0.5);
            var before = R.Buffers(bn);
            var x = R.Input(shape, 7, c);
            bn.train();
            var yTrain = bn.call(x);
            bn.eval();
            var yEval = bn.call(x);
            TensorAssert.BitEqual(yTrain, yEval, $"{update}: train vs eval output");
            R.AssertBuffersUnchanged(before, bn, $"{update}: after train and eval forwards");
            Assert.Equal(0L, bn.NumBatchesTracked().item<long>());
            Assert.False(bn.EffectiveUpdate);
        }
    }

    [Fact]
    public void AnInputShorterThanTheReferenceBatchIsAClearError()
    {
        var bn = BatchNormLayer.BatchNorm1d(3, new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 4 });
        var e = Assert.Throws<ArgumentException>(() => bn.call(randn(3, 3)));
        Assert.Contains("reference", e.Message);
    }
}
