using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Networks;
using SelfPlayBN.Training.Studies;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

/// <summary>The supervised BatchNorm lab on the shipped solver-labelled Connect Four positions.</summary>
[Collection(TorchCollection.Name)]
public sealed class SupervisedLabTests
{
    private static readonly ResidualNetworkShape Shape = new(2, 6, 7, 7, Blocks: 1, Filters: 16, ValueHidden: 16);

    private static List<LabelledExample> Examples(int skip, int count) =>
        [.. ConnectFourLabelledPositions.Load().Skip(skip).Take(count).Select(p => new LabelledExample(p.State, p.OptimalColumns, (int)p.Best))];

    private static LabRunOptions Options(int steps, BatchNormOptions? bn = null, NormalizationLayer layer = NormalizationLayer.Library, int seed = 1) => new()
    {
        Shape = Shape, BatchSize = 32, Steps = steps, LearningRate = 0.05, EvaluateEvery = Math.Max(1, steps / 4),
        PreciseSamples = 128, Seed = seed, BatchNorm = bn ?? new BatchNormOptions(), Layer = layer,
    };

    [Fact]
    public void The_dataset_targets_the_optimal_moves_uniformly_and_masks_the_full_columns()
    {
        var examples = Examples(0, 40);
        using var data = LabDataset.Encode(ConnectFourGame.Instance, examples);
        Assert.Equal(40, data.Count);
        Assert.Equal([40L, 2, 6, 7], data.Input.shape);
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            for (int a = 0; a < 7; a++)
            {
                bool optimal = e.OptimalActions.Contains(a);
                Assert.Equal(optimal, data.Optimal[i, a].item<bool>());
                Assert.Equal(e.State.IsLegal(a), data.Legal[i, a].item<bool>());
                Assert.Equal(optimal ? 1f / e.OptimalActions.Count : 0f, data.Policy[i, a].item<float>(), 6);
            }
            Assert.Equal((float)e.Value, data.Value[i].item<float>());
        }
        Assert.Contains(examples, e => e.Value != 0); // the set has decided positions, not only draws
    }

    [Fact]
    public void Bad_labels_are_refused_with_the_position_named()
    {
        var good = Examples(0, 3);
        // Position 1 claims an optimal move in a full column (or an action outside the board).
        var state = ConnectFourState.FromMoves("444444");
        var bad = new List<LabelledExample>(good) { [1] = new(state, [3], 0) };
        var e = Assert.Throws<ArgumentException>(() => LabDataset.Encode(ConnectFourGame.Instance, bad));
        Assert.Contains("position 1", e.Message);
        Assert.Contains("not legal", e.Message);
        var outOfRange = new List<LabelledExample>(good) { [2] = good[2] with { Value = 2 } };
        Assert.Contains("position 2", Assert.Throws<ArgumentException>(() => LabDataset.Encode(ConnectFourGame.Instance, outOfRange)).Message);
    }

    [Fact]
    public void The_error_is_the_share_of_positions_whose_best_legal_logit_is_not_optimal()
    {
        using var data = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 50));
        random.manual_seed(5);
        using var network = new ResidualNetwork(Shape);
        network.eval();
        var score = SupervisedLab.Score(network, data, chunk: 7); // chunks that do not divide the set
        int wrong = 0;
        using (no_grad())
        {
            var (logits, _) = network.call(data.Input);
            for (int i = 0; i < data.Count; i++)
            {
                int best = -1; float bestLogit = float.NegativeInfinity;
                for (int a = 0; a < 7; a++)
                    if (data.Legal[i, a].item<bool>() && logits[i, a].item<float>() > bestLogit) { best = a; bestLogit = logits[i, a].item<float>(); }
                if (!data.Optimal[i, best].item<bool>()) wrong++;
            }
        }
        Assert.Equal((double)wrong / data.Count, score.Error, 12);
        Assert.True(score.Loss > 0 && double.IsFinite(score.Loss));
    }

    [Fact]
    public void A_run_learns_is_deterministic_in_its_seed_and_evaluates_as_asked()
    {
        using var train = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 256));
        using var validation = LabDataset.Encode(ConnectFourGame.Instance, Examples(256, 64));
        var reported = new List<LabPoint>();
        var a = SupervisedLab.Run(Options(40), train, validation, new Progress(reported));
        var b = SupervisedLab.Run(Options(40), train, validation);
        var other = SupervisedLab.Run(Options(40, seed: 2), train, validation);
        Assert.Equal([10L, 20, 30, 40], a.Points.Select(p => p.Step));
        Assert.Equal(a.Points, reported);
        Assert.Equal(a.Points, b.Points); // records compare by value: every figure equal
        Assert.NotEqual(a.Points, other.Points);
        Assert.True(a.Points[^1].TrainLoss < a.Points[0].TrainLoss, $"train loss {a.Points[0].TrainLoss} → {a.Points[^1].TrainLoss}");
        Assert.All(a.Points, p => Assert.True(p.MeanGap is > 0 && p.LogVarianceGap is > 0));
    }

    [Fact]
    public void A_slow_ema_is_staler_than_a_fast_one_and_precise_statistics_do_not_depend_on_it()
    {
        using var train = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 256));
        using var validation = LabDataset.Encode(ConnectFourGame.Instance, Examples(256, 64));
        var fast = SupervisedLab.Run(Options(24, new BatchNormOptions { Decay = 0.9 }), train, validation).Final;
        var slow = SupervisedLab.Run(Options(24, new BatchNormOptions { Decay = 0.999 }), train, validation).Final;
        // After 24 steps an EMA with λ = 0.999 still holds ~98 % of its starting statistics (mean 0, variance 1).
        Assert.True(slow.MeanGap > 2 * fast.MeanGap, $"mean gap: λ 0.999 {slow.MeanGap}, λ 0.9 {fast.MeanGap}");
        Assert.True(slow.LogVarianceGap > 2 * fast.LogVarianceGap, $"log-variance gap: λ 0.999 {slow.LogVarianceGap}, λ 0.9 {fast.LogVarianceGap}");
        Assert.True(slow.Ema.Loss > slow.Precise.Loss, $"λ 0.999: loss with EMA {slow.Ema.Loss}, precise {slow.Precise.Loss}");
        // The decay changes only the running statistics, never training: the same weights give the same precise score.
        Assert.Equal(fast.Precise, slow.Precise);
        Assert.Equal(fast.TrainLoss, slow.TrainLoss);
    }

    [Theory]
    [InlineData(NormalizationLayer.Group)]
    [InlineData(NormalizationLayer.Layer)]
    [InlineData(NormalizationLayer.None)]
    public void Without_batchnorm_there_is_nothing_to_recompute(NormalizationLayer layer)
    {
        using var train = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 64));
        using var validation = LabDataset.Encode(ConnectFourGame.Instance, Examples(64, 32));
        var result = SupervisedLab.Run(Options(4, layer: layer), train, validation);
        Assert.All(result.Points, p =>
        {
            Assert.Equal(p.Ema, p.Precise);
            Assert.Null(p.MeanGap);
            Assert.Null(p.LogVarianceGap);
        });
    }

    [Fact]
    public void Ghost_batchnorm_and_batch_renorm_runs_train_and_the_batch_must_split_into_groups()
    {
        using var train = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 64));
        using var validation = LabDataset.Encode(ConnectFourGame.Instance, Examples(64, 32));
        var ghost = new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 4 };
        Assert.True(double.IsFinite(SupervisedLab.Run(Options(4, ghost), train, validation).Final.Precise.Loss));
        var renorm = ghost with { Normalization = Normalization.Renorm, Renorm = new RenormSchedule(3, 5, 1, 2) };
        Assert.True(double.IsFinite(SupervisedLab.Run(Options(4, renorm), train, validation).Final.Precise.Loss));
        var e = Assert.Throws<ArgumentException>(() => SupervisedLab.Run(Options(4, ghost with { GhostBatchSize = 5 }), train, validation));
        Assert.Contains("multiple of Ghost BN's group size 5", e.Message);
        using var tiny = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 16));
        Assert.Contains("fewer than one batch", Assert.Throws<ArgumentException>(() =>
            SupervisedLab.Run(Options(4), tiny, validation)).Message);
    }

    [Fact]
    public void The_samples_curve_closes_on_the_whole_set_estimate_and_restores_the_network()
    {
        using var train = LabDataset.Encode(ConnectFourGame.Instance, Examples(0, 256));
        using var validation = LabDataset.Encode(ConnectFourGame.Instance, Examples(256, 64));
        IReadOnlyList<SamplesPoint>? curve = null;
        Tensor[]? before = null, after = null;
        SupervisedLab.Run(Options(8), train, validation, trained: network =>
        {
            before = [.. network.buffers().Select(b => b.clone())];
            curve = SupervisedLab.PreciseSamplesCurve(network, train, validation, [32, 64, 256], 32, 3, 7);
            after = [.. network.buffers().Select(b => b.clone())];
        });
        Assert.NotNull(curve);
        Assert.Equal(9, curve.Count);
        foreach (var (x, y) in before!.Zip(after!)) Assert.True(x.eq(y).all().item<bool>(), "the network's statistics were not restored");
        double Gap(int k) => curve.Where(p => p.Samples == k).Average(p => p.MeanGap);
        Assert.True(Gap(32) > 0);
        // The whole set again, in other batches (a layer's input depends a little on which positions share a batch, as
        // the earlier layers normalise each batch by its own statistics): far closer than 32 positions get.
        Assert.True(Gap(256) < Gap(32) / 4, $"gaps: 32 samples {Gap(32)}, 64 {Gap(64)}, all 256 {Gap(256)}");
        Assert.True(Gap(64) < Gap(32), $"gaps: 32 samples {Gap(32)}, 64 {Gap(64)}");
        Assert.Contains("multiple of the batch 32", Assert.Throws<ArgumentException>(() =>
        {
            using var net = new ResidualNetwork(Shape);
            SupervisedLab.PreciseSamplesCurve(net, train, validation, [48], 32, 1, 1);
        }).Message);
    }

    private sealed class Progress(List<LabPoint> into) : IProgress<LabPoint>
    {
        public void Report(LabPoint value) => into.Add(value);
    }
}
