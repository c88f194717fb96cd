using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 1: running-statistics updates. One step from fresh buffers with decay λ gives
/// running_mean = (1−λ)·μ_B and running_var = λ + (1−λ)·σ̃²_B (unbiased); several steps follow the EMA recursion;
/// Decay = null is the plain average of the batch means and unbiased variances. Checked on the native path and on
/// the general path (Batch Renorm with rmax=1/dmax=0, Ghost with one group, Population normalisation while
/// updating). Expected values are computed in float64 from the inputs.</summary>
[Collection(TorchCollection.Name)]
public sealed class RunningStatisticsTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" })
            foreach (var path in new[] { "native", "renorm", "ghost", "population" })
                data.Add(shape, path);
        return data;
    }

    /// <summary>Options selecting a statistics path; Ghost's V = 8 is at least every batch size used here, so each
    /// forward is one group.</summary>
    private static BatchNormOptions Options(string path, double? decay) => path switch
    {
        "native" => new() { Decay = decay },
        "renorm" => new() { Decay = decay, Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(1, 0) },
        "ghost" => new() { Decay = decay, BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 8 },
        "population" => new() { Decay = decay, Normalization = Normalization.Population, Update = RunningUpdate.Update },
        _ => throw new ArgumentException(path),
    };

    private static void OneStep(string shape, string path, Device device)
    {
        manual_seed(101);
        const long c = 4;
        const double lambda = 0.7;
        var bn = R.Ours(shape, c, Options(path, lambda));
        bn.to(device).train();
        var x = R.Input(shape, 6, c, device);
        bn.call(x);
        var x64 = x.to(ScalarType.Float64).cpu();
        var mu = R.Mean(x64); var unbiased = R.UnbiasedVar(x64);
        TensorAssert.Close((1 - lambda) * mu, bn.RunningMean(), 1e-5, $"{path} {shape}: running mean");
        TensorAssert.Close(lambda + (1 - lambda) * unbiased, bn.RunningVar(), 1e-5, $"{path} {shape}: running var");
        Assert.Equal(1L, bn.NumBatchesTracked().item<long>());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneStepFromFreshBuffers(string shape, string path) => OneStep(shape, path, CPU);

    [CudaFact]
    public void OneStepFromFreshBuffersOnCuda()
    {
        foreach (var (shape, path) in Cases().Select(row => row.Data)) OneStep(shape, path, CUDA);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SeveralStepsFollowTheEmaRecursion(string shape, string path)
    {
        manual_seed(102);
        const long c = 3;
        const double lambda = 0.6;
        var bn = R.Ours(shape, c, Options(path, lambda));
        bn.train();
        var m = zeros(c, dtype: ScalarType.Float64); var v = ones(c, dtype: ScalarType.Float64);
        int[] sizes = [5, 8, 3];
        for (int step = 0; step < sizes.Length; step++)
        {
            var x = R.Input(shape, sizes[step], c) + step;
            bn.call(x);
            var x64 = x.to(ScalarType.Float64);
            m = lambda * m + (1 - lambda) * R.Mean(x64);
            v = lambda * v + (1 - lambda) * R.UnbiasedVar(x64);
            TensorAssert.Close(m, bn.RunningMean(), 1e-5, $"step {step}: running mean");
            TensorAssert.Close(v, bn.RunningVar(), 1e-5, $"step {step}: running var");
            Assert.Equal(step + 1L, bn.NumBatchesTracked().item<long>());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CumulativeAverageIsThePlainAverageOfBatchStatistics(string shape, string path)
    {
        manual_seed(103);
        const long c = 4;
        var bn = R.Ours(shape, c, Options(path, null));
        bn.train();
        int[] sizes = [5, 8, 3, 6];
        var means = new List<Tensor>(); var vars = new List<Tensor>();
        for (int step = 0; step < sizes.Length; step++)
        {
            // Different locations and spreads per batch, so weighting by batch size or using biased variances would differ.
            var x = R.Input(shape, sizes[step], c) * (1 + step) + 3 * step;
            bn.call(x);
            var x64 = x.to(ScalarType.Float64);
            means.Add(R.Mean(x64)); vars.Add(R.UnbiasedVar(x64));
        }
        TensorAssert.Close(stack(means).mean([0L]), bn.RunningMean(), 1e-5, "running mean = average of batch means");
        TensorAssert.Close(stack(vars).mean([0L]), bn.RunningVar(), 1e-4, "running var = average of unbiased batch variances");
        Assert.Equal(sizes.Length, bn.NumBatchesTracked().item<long>());
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void CumulativeAverageMatchesTorchSharpMomentumNone(string shape)
    {
        manual_seed(104);
        const long c = 3;
        var ours = R.Ours(shape, c, new BatchNormOptions { Decay = null });
        var theirs = shape == "N,C,H,W" ? (TorchSharp.Modules.BatchNorm)nn.BatchNorm2d(c) : nn.BatchNorm1d(c);
        theirs.momentum = null; // PyTorch's momentum=None: a cumulative average
        ours.train(); theirs.train();
        foreach (int n in new[] { 4, 7, 2 })
        {
            var x = R.Input(shape, n, c) * n;
            ours.call(x); theirs.call(x);
        }
        TensorAssert.Close(theirs.get_buffer("running_mean")!, ours.RunningMean(), 1e-5, "running mean");
        TensorAssert.Close(theirs.get_buffer("running_var")!, ours.RunningVar(), 1e-5, "running var");
    }

    [Fact]
    public void DecayZeroKeepsExactlyTheLastBatch()
    {
        manual_seed(105);
        var bn = BatchNormLayer.BatchNorm2d(3, new BatchNormOptions { Decay = 0 });
        bn.train();
        bn.call(R.Input("N,C,H,W", 4, 3) + 10);
        var x = R.Input("N,C,H,W", 5, 3);
        bn.call(x);
        TensorAssert.Close(R.Mean(x.to(ScalarType.Float64)), bn.RunningMean(), 1e-5, "running mean");
        TensorAssert.Close(R.UnbiasedVar(x.to(ScalarType.Float64)), bn.RunningVar(), 1e-5, "running var");
    }
}
