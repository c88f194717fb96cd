using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Errors a user can act on: invalid options name the option (at construction and through the
/// <see cref="BatchNormLayer.Options"/> setter, which then keeps the old options); bad input ranks and channel counts are
/// <see cref="ArgumentException"/>s that show the shape; a batch with one value per channel in training mode is a
/// clear error on every statistics path, not a NaN.</summary>
[Collection(TorchCollection.Name)]
public sealed class ValidationTests
{
    public static TheoryData<string, string> InvalidOptions() => new()
    {
        { "decay 1.5", "Decay" },
        { "decay -0.1", "Decay" },
        { "decay NaN", "Decay" },
        { "epsilon 0", "Epsilon" },
        { "epsilon -1", "Epsilon" },
        { "epsilon NaN", "Epsilon" },
        { "epsilon inf", "Epsilon" },
        { "normalization 42", "Normalization" },
        { "statistics 42", "BatchStatistics" },
        { "update 42", "Update" },
        { "ghost 1", "GhostBatchSize" },
        { "ghost 0", "GhostBatchSize" },
        { "sync without group", "SyncGroup" },
        { "virtual 0", "VirtualReferenceSize" },
        { "virtual with Update", "Update" },
        { "virtual with Population", "Normalization" },
        { "virtual with Renorm", "Normalization" },
        { "renorm rmax 0.5", "RMax" },
        { "renorm rmax inf", "RMax" },
        { "renorm dmax -1", "DMax" },
        { "renorm warmup -1", "WarmupSteps" },
        { "renorm ramp -1", "RampSteps" },
    };

    private static BatchNormOptions Build(string name) => name switch
    {
        "decay 1.5" => new() { Decay = 1.5 },
        "decay -0.1" => new() { Decay = -0.1 },
        "decay NaN" => new() { Decay = double.NaN },
        "epsilon 0" => new() { Epsilon = 0 },
        "epsilon -1" => new() { Epsilon = -1 },
        "epsilon NaN" => new() { Epsilon = double.NaN },
        "epsilon inf" => new() { Epsilon = double.PositiveInfinity },
        "normalization 42" => new() { Normalization = (Normalization)42 },
        "statistics 42" => new() { BatchStatistics = (BatchStatistics)42 },
        "update 42" => new() { Update = (RunningUpdate)42 },
        "ghost 1" => new() { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 1 },
        "ghost 0" => new() { BatchStatistics = BatchStatistics.Ghost },
        "sync without group" => new() { BatchStatistics = BatchStatistics.Sync },
        "virtual 0" => new() { BatchStatistics = BatchStatistics.Virtual },
        "virtual with Update" => new() { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 2, Update = RunningUpdate.Update },
        "virtual with Population" => new() { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 2, Normalization = Normalization.Population },
        "virtual with Renorm" => new() { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 2, Normalization = Normalization.Renorm },
        "renorm rmax 0.5" => new() { Renorm = new RenormSchedule(RMax: 0.5) },
        "renorm rmax inf" => new() { Renorm = new RenormSchedule(RMax: double.PositiveInfinity) },
        "renorm dmax -1" => new() { Renorm = new RenormSchedule(DMax: -1) },
        "renorm warmup -1" => new() { Renorm = new RenormSchedule(WarmupSteps: -1) },
        "renorm ramp -1" => new() { Renorm = new RenormSchedule(RampSteps: -1) },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void InvalidOptionsNameTheOption(string name, string option)
    {
        var options = Build(name);
        Assert.Contains(option, Assert.Throws<ArgumentException>(options.Validate).Message);
        Assert.Contains(option, Assert.Throws<ArgumentException>(() => BatchNormLayer.BatchNorm2d(3, options)).Message);
        var bn = BatchNormLayer.BatchNorm1d(3);
        var good = bn.Options;
        Assert.Contains(option, Assert.Throws<ArgumentException>(() => bn.Options = options).Message);
        Assert.Same(good, bn.Options);
    }

    [Fact]
    public void ValidOptionsAtTheEdgesAreAccepted()
    {
        new BatchNormOptions { Decay = 0 }.Validate();
        new BatchNormOptions { Decay = 0.999999 }.Validate();
        new BatchNormOptions { Decay = null }.Validate();
        new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 2 }.Validate();
        new BatchNormOptions { BatchStatistics = BatchStatistics.Virtual, VirtualReferenceSize = 1, Update = RunningUpdate.Keep }.Validate();
        new BatchNormOptions { Renorm = new RenormSchedule(1, 0, 0, 0) }.Validate();
        Assert.Throws<ArgumentNullException>(() => BatchNormLayer.BatchNorm1d(2).Options = null!);
    }

    [Fact]
    public void AtLeastOneChannel()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormLayer.BatchNorm2d(0));
        Assert.Equal("features", e.ParamName);
    }

    public static TheoryData<string, long[], string> BadShapes() => new()
    {
        { "1d", new long[] { 4 }, "dimensional" },
        { "1d", new long[] { 4, 3, 2, 2 }, "dimensional" },
        { "2d", new long[] { 4, 3 }, "dimensional" },
        { "2d", new long[] { 4, 3, 5 }, "dimensional" },
        { "2d", new long[] { 4, 3, 2, 2, 2 }, "dimensional" },
        { "any", new long[] { 3 }, "dimensional" },
        { "1d", new long[] { 4, 5 }, "channels" },
        { "1d", new long[] { 4, 2, 6 }, "channels" },
        { "2d", new long[] { 4, 5, 2, 2 }, "channels" },
        { "any", new long[] { 4, 2, 2, 2, 2 }, "channels" },
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void BadInputShapesAreArgumentErrorsShowingTheShape(string kind, long[] shape, string problem)
    {
        var bn = kind switch { "1d" => BatchNormLayer.BatchNorm1d(3), "2d" => BatchNormLayer.BatchNorm2d(3), _ => BatchNormLayer.Create(3) };
        foreach (bool train in new[] { true, false })
        {
            bn.train(train);
            var e = Assert.Throws<ArgumentException>(() => bn.call(randn(shape)));
            Assert.Contains(problem, e.Message);
            Assert.Contains($"[{string.Join(", ", shape)}]", e.Message);
        }
        Assert.Equal(0L, bn.NumBatchesTracked().item<long>());
    }

    [Fact]
    public void CreateAcceptsAnyRankFromTwo()
    {
        var bn = BatchNormLayer.Create(2);
        bn.train();
        foreach (var shape in new[] { new long[] { 3, 2 }, [3, 2, 4], [3, 2, 2, 2], [2, 2, 2, 2, 2] })
            Assert.Equal(shape, bn.call(randn(shape)).shape);
    }

    public static TheoryData<string> Paths() => new() { "native", "keep", "batch-update", "renorm", "population-update", "ghost", "sync" };

    [Theory]
    [MemberData(nameof(Paths))]
    public void OneValuePerChannelInTrainingModeIsAClearError(string path)
    {
        var options = path switch
        {
            "native" => new BatchNormOptions(),
            "keep" => new BatchNormOptions { Update = RunningUpdate.Keep },
            "renorm" => new BatchNormOptions { Normalization = Normalization.Renorm },
            "batch-update" => new BatchNormOptions { Normalization = Normalization.Batch, Update = RunningUpdate.Update },
            "population-update" => new BatchNormOptions { Normalization = Normalization.Population, Update = RunningUpdate.Update },
            "ghost" => new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 4 },
            _ => new BatchNormOptions { BatchStatistics = BatchStatistics.Sync, SyncGroup = InProcessAllReduce.Create(1)[0] },
        };
        foreach (var shape in new[] { new long[] { 1, 3 }, [1, 3, 1], [1, 3, 1, 1] })
        {
            var bn = shape.Length == 4 ? BatchNormLayer.BatchNorm2d(3, options) : BatchNormLayer.BatchNorm1d(3, options);
            bn.train();
            var before = bn.RunningMean().clone();
            var e = Assert.Throws<ArgumentException>(() => bn.call(randn(shape)));
            Assert.Contains("more than one value", e.Message);
            TensorAssert.BitEqual(before, bn.RunningMean(), $"{path}: running mean after the refused batch");
            Assert.Equal(0L, bn.NumBatchesTracked().item<long>());
            // Eval mode with population statistics and no update handles a single example.
            bn.eval();
            if (bn.EffectiveNormalization == Normalization.Population && !bn.EffectiveUpdate)
                Assert.Equal(shape, bn.call(randn(shape)).shape);
        }
        // One example with several positions is a valid batch (PyTorch allows it too).
        var conv = BatchNormLayer.BatchNorm2d(3, options);
        conv.train();
        Assert.Equal(new long[] { 1, 3, 2, 2 }, conv.call(randn(1, 3, 2, 2)).shape);
    }
}
