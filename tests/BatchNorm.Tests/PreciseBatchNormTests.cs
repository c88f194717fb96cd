using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 3 (Precise BN), Adaptive BN and per-domain Precise BN.</summary>
[Collection(TorchCollection.Name)]
public sealed class PreciseBatchNormTests
{
    /// <summary>A BN layer first (its input is the data itself), then a linear layer and a second BN, so the
    /// pass runs through a real model.</summary>
    private static (nn.Module<Tensor, Tensor> Model, BatchNormLayer First, BatchNormLayer Second) Model(int dims, long c, IEnumerable<string>? domains = null)
    {
        var first = dims == 1 ? BatchNormLayer.BatchNorm1d(c, domains: domains) : BatchNormLayer.BatchNorm2d(c, domains: domains);
        var second = dims == 1 ? BatchNormLayer.BatchNorm1d(3, domains: domains) : BatchNormLayer.BatchNorm2d(3, domains: domains);
        nn.Module<Tensor, Tensor> middle = dims == 1 ? nn.Linear(c, 3) : nn.Conv2d(c, 3, 1);
        return (nn.Sequential(("bn1", first), ("mid", middle), ("relu", nn.ReLU()), ("bn2", second)), first, second);
    }

    private static Tensor Data(int dims, long n, long c, double shift) =>
        (dims == 1 ? randn(n, c, dtype: ScalarType.Float64) : randn(n, c, 3, 2, dtype: ScalarType.Float64)) * 1.5 + shift;

    private static (Tensor Mean, Tensor Var) DatasetMoments(Tensor data)
    {
        long[] dims = [0, .. Enumerable.Range(2, (int)data.dim() - 2).Select(i => (long)i)];
        var mean = data.mean(dims);
        var var = (data - mean.reshape([1, -1, .. Enumerable.Repeat(1L, (int)data.dim() - 2)])).square().mean(dims);
        return (mean, var);
    }

    [Theory]
    [InlineData(1, new[] { 2, 7, 3, 13 })]
    [InlineData(2, new[] { 1, 6, 2, 9 })]
    public void UnionEstimatorGivesTheDatasetMeanAndBiasedVariance(int dims, int[] sizes)
    {
        manual_seed(5);
        var (model, first, _) = Model(dims, 4);
        model.to(ScalarType.Float64);
        var data = Data(dims, sizes.Sum(), 4, 2.0);
        var batches = new List<Tensor>();
        long offset = 0;
        foreach (int s in sizes) { batches.Add(data.narrow(0, offset, s)); offset += s; }

        // Training state to check it is left alone: a gradient on every parameter, mixed modes.
        model.train();
        model.call(data).square().sum().backward();
        model.named_modules().Single(m => m.name == "mid").module.eval();
        var weightsBefore = model.parameters().Select(p => p.detach().clone()).ToList();
        var gradsBefore = model.parameters().Select(p => p.grad!.clone()).ToList();
        var optionsBefore = first.Options;

        var stats = PreciseBatchNorm.Update(model, batches, b => model.call(b));

        var (mean, var) = DatasetMoments(data);
        TensorAssert.Close(mean, first.RunningMean(), 1e-5, "running mean of the first layer");
        TensorAssert.Close(var, first.RunningVar(), 1e-5, "running var of the first layer (biased)");
        Assert.Equal(PreciseEstimator.Union, stats.Estimator);
        Assert.Equal(sizes.Length, stats.Batches);
        Assert.Equal(2, stats.Layers.Count);
        Assert.Equal(data.numel() / 4, stats.Layers[0].Values);
        foreach (var (before, after) in weightsBefore.Zip(model.parameters())) TensorAssert.BitEqual(before, after.detach(), "weight");
        foreach (var (before, after) in gradsBefore.Zip(model.parameters())) TensorAssert.BitEqual(before, after.grad!, "gradient");
        Assert.True(model.training);
        Assert.True(first.training);
        Assert.False(model.named_modules().Single(m => m.name == "mid").module.training);
        Assert.Same(optionsBefore, first.Options);
    }

    [Fact]
    public void IsDeterministicForAGivenDataOrder()
    {
        manual_seed(9);
        var (model, first, second) = Model(2, 4);
        var batches = Enumerable.Range(0, 5).Select(i => randn(4, 4, 3, 3) + i).ToList();
        PreciseBatchNorm.Update(model, batches, b => model.call(b));
        var a = (first.RunningVar().clone(), second.RunningMean().clone(), second.RunningVar().clone());
        first.RunningVar().fill_(7); second.RunningMean().fill_(7);
        PreciseBatchNorm.Update(model, batches, b => model.call(b));
        TensorAssert.BitEqual(a.Item1, first.RunningVar());
        TensorAssert.BitEqual(a.Item2, second.RunningMean());
        TensorAssert.BitEqual(a.Item3, second.RunningVar());
    }

    [Fact]
    public void MeanOfBatchesEstimatorAveragesBatchMeansAndUnbiasedVariances()
    {
        manual_seed(13);
        var (model, first, _) = Model(1, 3);
        model.to(ScalarType.Float64);
        var batches = new[] { 2, 5, 9 }.Select(n => Data(1, n, 3, -1.0)).ToList();
        var stats = PreciseBatchNorm.Update(model, batches, b => model.call(b),
            new PreciseBatchNormOptions { Estimator = PreciseEstimator.MeanOfBatches });
        var means = stack(batches.Select(b => b.mean([0L])).ToArray()).mean([0L]);
        var vars = stack(batches.Select(b => b.var(0L, true)).ToArray()).mean([0L]);
        TensorAssert.Close(means, first.RunningMean(), 1e-6, "mean of batch means");
        TensorAssert.Close(vars, first.RunningVar(), 1e-6, "mean of unbiased batch variances");
        Assert.Equal(PreciseEstimator.MeanOfBatches, stats.Estimator);
        Assert.Contains("MeanOfBatches", stats.ToString());
    }

    [Fact]
    public void PerDomainStatisticsEqualEachDomainsDataMean()
    {
        manual_seed(17);
        var (model, first, _) = Model(2, 2, ["target"]);
        var source = Enumerable.Range(0, 3).Select(_ => randn(6, 2, 3, 3) + 5).ToList();
        var target = Enumerable.Range(0, 3).Select(_ => randn(6, 2, 3, 3) - 4).ToList();
        PreciseBatchNorm.Update(model, source, b => model.call(b));
        PreciseBatchNorm.Adapt(model, target, b => model.call(b), "target");
        TensorAssert.Close(DatasetMoments(cat(source, 0)).Mean, first.RunningMean(BatchNormLayer.DefaultDomain), 1e-5, "source domain mean");
        TensorAssert.Close(DatasetMoments(cat(target, 0)).Mean, first.RunningMean("target"), 1e-5, "target domain mean");
        Assert.Equal(BatchNormLayer.DefaultDomain, first.ActiveDomain);
        Assert.Throws<ArgumentException>(() => PreciseBatchNorm.Adapt(model, target, b => model.call(b), "nowhere"));
    }

    [Fact]
    public void RestoresModesAndOptionsWhenAForwardThrows()
    {
        var (model, first, _) = Model(1, 3);
        model.eval();
        var options = first.Options;
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => PreciseBatchNorm.Update(model, [randn(4, 3), randn(4, 3)], b =>
        {
            if (++calls == 2) throw new InvalidOperationException("data source failed");
            model.call(b);
        }));
        Assert.False(model.training);
        Assert.Same(options, first.Options);
        Assert.Equal(0f, first.RunningMean().abs().sum().item<float>()); // nothing written
        Assert.Throws<ArgumentException>(() => PreciseBatchNorm.Update(model, Array.Empty<Tensor>(), b => model.call(b)));
    }

    [Fact]
    public void ReportsLayersThatNoForwardReached()
    {
        var (model, first, second) = Model(1, 3);
        var stats = PreciseBatchNorm.Compute(model, [randn(4, 3)], b => first.call(b));
        Assert.Single(stats.Layers);
        Assert.Contains(stats.Skipped, s => s.Name == "bn2" && s.Reason.Contains("not reached"));
        Assert.Equal(1f, second.RunningVar().mean().item<float>()); // Compute writes nothing
    }
}
