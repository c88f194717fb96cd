using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>A model without BatchNorm (Group Normalization here, as BatchNorm's alternatives are built): Precise BN runs no
/// batch and says there is nothing to recompute; the staleness meter runs nothing and says there is nothing to be stale.</summary>
[Collection(TorchCollection.Name)]
public sealed class NoBatchNormTests
{
    [Fact]
    public void Precise_bn_runs_no_batch_and_says_why()
    {
        var model = nn.Sequential(("conv", nn.Conv2d(2, 4, 3, padding: 1)), ("norm", nn.GroupNorm(2, 4)));
        int forwards = 0;
        var batches = Enumerable.Range(0, 3).Select(_ => randn(4, 2, 3, 3));
        var precise = PreciseBatchNorm.Compute(model, batches, b => { forwards++; model.call(b); });
        Assert.Equal(0, forwards);
        Assert.True(precise.NoBatchNorm);
        Assert.Empty(precise.Layers);
        Assert.Contains("no BatchNorm layer", precise.ToString());

        int evaluations = 0;
        var report = Staleness.Measure(model, precise, () => { evaluations++; return model.call(randn(4, 2, 3, 3)); }, _ => 1.0);
        Assert.Equal(0, evaluations);
        Assert.Null(report.OutputGap);
        Assert.Null(report.FalseOverfitting);
        Assert.Contains("nothing to be stale", report.ToString());
    }

    [Fact]
    public void A_model_with_batchnorm_is_not_reported_as_having_none()
    {
        var model = nn.Sequential(("conv", nn.Conv2d(2, 4, 3, padding: 1)), ("bn", BatchNormLayer.BatchNorm2d(4)));
        var precise = PreciseBatchNorm.Compute(model, [randn(4, 2, 3, 3)], b => model.call(b));
        Assert.False(precise.NoBatchNorm);
        Assert.Single(precise.Layers);
        Assert.DoesNotContain("no BatchNorm", precise.ToString());
    }
}
