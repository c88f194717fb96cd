using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>The staleness meter: zero when running statistics are precise, the exact gap when they are shifted,
/// and "false overfitting" (loss with EMA statistics above the loss with precise ones) visible.</summary>
[Collection(TorchCollection.Name)]
public sealed class StalenessTests
{
    [Fact]
    public void GapsAreZeroForPreciseStatisticsAndExactForShiftedOnes()
    {
        manual_seed(21);
        var bn = BatchNormLayer.BatchNorm2d(3, new BatchNormOptions { Epsilon = 1e-5 });
        var batches = Enumerable.Range(0, 4).Select(_ => randn(8, 3, 4, 4) * 2 + 1).ToList();
        var precise = PreciseBatchNorm.Update(bn, batches, b => bn.call(b));
        var report = Staleness.Measure(precise);
        Assert.True(report.MeanGap < 1e-6, $"mean gap {report.MeanGap}");
        Assert.True(report.LogVarianceGap < 1e-6, $"log-var gap {report.LogVarianceGap}");

        // Shift every running mean by half a precise σ and scale the variances by e: gaps 0.5 and 1.
        using (no_grad())
        {
            bn.RunningMean().add_((precise.Layers[0].Variance + 1e-5).sqrt().to(ScalarType.Float32) * 0.5);
            bn.RunningVar().copy_(((precise.Layers[0].Variance + 1e-5) * Math.E - 1e-5).to(ScalarType.Float32));
        }
        report = Staleness.Measure(precise);
        Assert.InRange(report.MeanGap, 0.5 - 1e-5, 0.5 + 1e-5);
        Assert.InRange(report.LogVarianceGap, 1 - 1e-5, 1 + 1e-5);
        Assert.InRange(report.Layers[0].MaxMeanGap, 0.5 - 1e-5, 0.5 + 1e-5);
    }

    [Fact]
    public void FalseOverfittingIsVisibleAndRunningStatisticsAreRestored()
    {
        manual_seed(23);
        // A model whose EMA was fitted to an earlier data distribution (moment staleness).
        var bn = BatchNormLayer.BatchNorm1d(4);
        var head = nn.Linear(4, 1);
        var model = nn.Sequential(("bn", bn), ("head", head));
        model.train();
        for (int i = 0; i < 50; i++) model.call(randn(32, 4) * 3 - 2);
        var current = Enumerable.Range(0, 10).Select(_ => randn(32, 4) + 1).ToList();
        var x = randn(64, 4) + 1;
        var targets = model.call(x).detach(); // labels the model fits with batch statistics on current data
        var meanBefore = bn.RunningMean().clone();

        var precise = PreciseBatchNorm.Compute(model, current, b => model.call(b));
        var report = Staleness.Measure(model, precise, () => model.call(x), y => (y - targets.to(ScalarType.Float64)).square().mean().item<double>());

        Assert.True(report.MeanGap > 0.5, $"stale EMA should show a large mean gap, got {report.MeanGap}");
        Assert.True(report.OutputGap > 0.1, $"output gap {report.OutputGap}");
        Assert.True(report.FalseOverfitting > 0, $"loss with running {report.LossWithRunning} vs precise {report.LossWithPrecise}");
        Assert.True(report.LossWithPrecise < report.LossWithRunning / 4, report.ToString());
        TensorAssert.BitEqual(meanBefore, bn.RunningMean(), "running mean after measuring");
        Assert.True(model.training);
    }
}
