using SelfPlayBN.Games;
using TorchSharp;
using static TorchSharp.torch;
using static SelfPlayBN.Training.Tests.TorchTestNetworks;

namespace SelfPlayBN.Training.Tests;

[Collection(TorchCollection.Name)]
public sealed class LearnerTests
{
    private static readonly IGame Game = TestGames.TicTacToe;

    private static TrainerOptions Sgd(double rate, double momentum = 0, double l2 = 0, int accumulation = 1, bool augment = false) => new()
    {
        BatchSize = 8, Accumulation = accumulation, Optimizer = OptimizerKind.Sgd, Momentum = momentum, L2 = l2,
        LearningRate = [new(0, rate)], Augment = augment,
    };

    [Fact]
    public void LossDecreasesOnAFixedReplaySet()
    {
        using var network = Create(11);
        var options = Sgd(0.05, momentum: 0.9, l2: 1e-4);
        using var learner = new Learner(Game, network, options, CPU);
        var batch = Positions(Records(21, 4)).Take(24).ToList();
        var rng = new Random(1);
        var reports = Enumerable.Range(0, 30).Select(_ => learner.Step([batch], rng)).ToList();
        Assert.Equal(30, learner.Steps);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(0.05, r.LearningRate));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Total) && r.L2 > 0));
        var first = reports[0];
        var last = reports[^1];
        Assert.True(last.Value < 0.5 * first.Value, $"value loss {first.Value} → {last.Value}");
        Assert.True(last.Policy < first.Policy - 0.1, $"policy loss {first.Policy} → {last.Policy}");
        Assert.True(last.Total < first.Total);
    }

    [Fact]
    public void ReportedLossesAreTheMeansOfTheTerms()
    {
        using var network = Create(12);
        var options = Sgd(0.01, l2: 1e-3);
        var copy = CopyOf(network);
        using var learner = new Learner(Game, network, options, CPU);
        var batch = Positions(Records(22, 3)).Take(10).ToList();
        var (input, pt, vt) = learner.Encoder.Encode(batch, null);
        double policy, value, l2;
        copy.train();
        using (no_grad())
        {
            var (logits, v) = copy.call(input);
            policy = (-(pt * nn.functional.log_softmax(logits, 1)).sum(1)).mean().item<float>();
            value = (v - vt).square().mean().item<float>();
            l2 = 1e-3 * copy.parameters().Where(p => p.dim() >= 2).Sum(p => (double)p.square().sum().item<float>());
        }
        var report = learner.Step([batch], new Random(1));
        Assert.Equal(policy, report.Policy, 5);
        Assert.Equal(value, report.Value, 5);
        Assert.Equal(l2, report.L2, 5);
    }

    [Fact]
    public void A_step_whose_loss_is_not_finite_fails_with_the_cause_and_leaves_the_weights_alone()
    {
        using var network = Create(14);
        using var learner = new Learner(Game, network, Sgd(0.05, momentum: 0.9), CPU);
        var batch = Positions(Records(24, 2)).Take(12).ToList();
        learner.Step([batch], new Random(1));
        // A NaN in one weight of the network (as a miscomputing kernel or a diverged run leaves it) makes the loss NaN.
        var weight = network.parameters().First();
        using (no_grad()) weight.view(-1)[0] = float.NaN;
        var before = network.parameters().Select(p => p.detach().clone()).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => learner.Step([batch], new Random(2)));
        Assert.Contains("training step 2: the loss is not finite", e.Message);
        Assert.Contains("ONEDNN_MAX_CPU_ISA", e.Message);
        Assert.Equal(1, learner.Steps);
        var after = network.parameters().ToList();
        for (int i = 0; i < before.Count; i++)
            Assert.True(before[i].isnan().logical_or(before[i].eq(after[i])).all().item<bool>(), $"parameter {i} changed");
    }

    [Fact]
    public void StepNeedsExactlyAccumulationBatches()
    {
        using var network = Create(13);
        using var learner = new Learner(Game, network, Sgd(0.01, accumulation: 2), CPU);
        var batch = Positions(Records(23, 1));
        Assert.Throws<ArgumentException>(() => learner.Step([batch], new Random(1)));
        Assert.Equal(0, learner.Steps);
    }

    [Fact]
    public void AccumulationAveragesGradientsOfSeparatelyNormalisedBatches()
    {
        const double rate = 0.1;
        using var network = Create(14);
        using var reference = CopyOf(network);
        using var concatenated = CopyOf(network);
        var positions = Positions(Records(24, 4));
        var b1 = positions.Take(6).ToList();
        var b2 = positions.Skip(6).Take(10).ToList();
        var before = Parameters(network);

        using var learner = new Learner(Game, network, Sgd(rate, accumulation: 2), CPU);
        var report = learner.Step([b1, b2], new Random(1));
        var after = Parameters(network);

        // By hand: the gradient of the summed loss of each batch, each from the same starting parameters and with
        // BatchNorm in train mode on that batch alone; the step is −rate · (G1 + G2) / (n1 + n2).
        var encoder = new PositionEncoder(Game);
        var sums = new List<float[][]>();
        double policySum = 0, valueSum = 0;
        reference.train();
        foreach (var b in new[] { b1, b2 })
        {
            reference.zero_grad();
            var (input, pt, vt) = encoder.Encode(b, null);
            var (logits, v) = reference.call(input);
            var policyLoss = -(pt * nn.functional.log_softmax(logits, 1)).sum();
            var valueLoss = (v - vt).square().sum();
            (policyLoss + valueLoss).backward();
            policySum += policyLoss.item<float>();
            valueSum += valueLoss.item<float>();
            sums.Add(reference.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray());
        }
        int n = b1.Count + b2.Count;
        var expected = before.Select((w, i) => w.Select((x, j) => (float)(x - rate * (sums[0][i][j] + sums[1][i][j]) / n)).ToArray()).ToArray();
        Assert.True(MaxDifference(expected, after) < 1e-6, $"max difference {MaxDifference(expected, after)}");
        Assert.Equal(policySum / n, report.Policy, 5);
        Assert.Equal(valueSum / n, report.Value, 5);
        // The running statistics saw both batches, one after the other.
        Assert.True(MaxDifference(Buffers(reference), Buffers(network)) < 1e-6);

        // One batch of all 16 positions (one normalisation batch) is a different step: the test can tell them apart.
        using var single = new Learner(Game, concatenated, Sgd(rate, accumulation: 1), CPU);
        single.Step([b1.Concat(b2).ToList()], new Random(1));
        Assert.True(MaxDifference(Parameters(concatenated), after) > 1e-5);
    }

    [Fact]
    public void L2DecaysConvolutionAndLinearWeightsOnly()
    {
        // With plain SGD the L2 term adds −rate·2c·w to each decayed weight and nothing elsewhere.
        const double rate = 0.1, c = 0.05;
        using var network = Create(17);
        using var plainNetwork = CopyOf(network);
        var before = Parameters(network);
        var decayed = network.parameters().Select(p => p.dim() >= 2).ToArray();
        Assert.Equal(8, decayed.Count(d => d)); // input conv, two block convs, two head convs, three linear weights
        var batch = Positions(Records(28, 2)).Take(8).ToList();
        using (var withL2 = new Learner(Game, network, Sgd(rate, l2: c), CPU)) withL2.Step([batch], new Random(1));
        using (var plain = new Learner(Game, plainNetwork, Sgd(rate), CPU)) plain.Step([batch], new Random(1));
        var a = Parameters(network);
        var b = Parameters(plainNetwork);
        for (int i = 0; i < a.Length; i++)
        for (int j = 0; j < a[i].Length; j++)
        {
            double expected = decayed[i] ? -rate * 2 * c * before[i][j] : 0;
            Assert.True(Math.Abs(a[i][j] - b[i][j] - expected) < 1e-6, $"parameter {i}[{j}]: {a[i][j] - b[i][j]} vs {expected}");
        }
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void OptimizerStateRoundTrips(OptimizerKind kind)
    {
        var options = new TrainerOptions
        {
            BatchSize = 8, Optimizer = kind, Momentum = 0.9, L2 = 1e-4, Augment = true,
            LearningRate = [new(0, 0.02), new(3, 0.01)],
        };
        var positions = Positions(Records(25, 6));
        var batches = Enumerable.Range(0, 4).Select(k => positions.Skip(8 * k).Take(8).ToList()).ToArray();
        using var network = Create(15);
        using var learner = new Learner(Game, network, options, CPU);
        for (int k = 0; k < 3; k++) learner.Step([batches[k]], new Random(k));

        using var saved = new MemoryStream();
        learner.SaveOptimizer(saved);
        using var restoredNetwork = CopyOf(network);
        using var restored = new Learner(Game, restoredNetwork, options, CPU);
        saved.Position = 0;
        restored.LoadOptimizer(saved);
        Assert.Equal(3, restored.Steps);
        using var freshNetwork = CopyOf(network);
        using var fresh = new Learner(Game, freshNetwork, options, CPU) { Steps = 3 };

        var a = learner.Step([batches[3]], new Random(9));
        var b = restored.Step([batches[3]], new Random(9));
        fresh.Step([batches[3]], new Random(9));
        Assert.Equal(0.01, a.LearningRate);
        Assert.Equal(a, b);
        Assert.True(MaxDifference(Parameters(network), Parameters(restoredNetwork)) <= 1e-6);
        // Without the optimiser state (momentum, Adam's moments) the step is different.
        Assert.True(MaxDifference(Parameters(network), Parameters(freshNetwork)) > 1e-5);
    }

    [Fact]
    public void LearningRateFollowsTheSchedule()
    {
        using var network = Create(16);
        var options = Sgd(0.1) with { LearningRate = [new(0, 0.1), new(2, 0.01)] };
        using var learner = new Learner(Game, network, options, CPU);
        var batch = Positions(Records(26, 2)).Take(8).ToList();
        var rates = Enumerable.Range(0, 4).Select(_ => learner.Step([batch], new Random(1)).LearningRate).ToArray();
        Assert.Equal([0.1, 0.1, 0.01, 0.01], rates);
    }

    [Theory]
    [InlineData("tictactoe")]
    [InlineData("connect4")]
    public void AugmentedEncodingIsTheEncodingOfTheTransformedGame(string name)
    {
        var game = TestGames.ByName(name);
        var encoder = new PositionEncoder(game);
        var rng = new Random(27);
        var records = Enumerable.Range(0, 3).Select(_ => TestGames.RandomRecord(rng, game: game)).ToList();
        if (game == Game) records.Add(TestGames.XWinsTopRow());
        var seedFor = new int[game.Symmetries.Count];
        for (int k = 0; k < seedFor.Length; k++)
        {
            int s = 0;
            while (new Random(s).Next(game.Symmetries.Count) != k) s++;
            seedFor[k] = s;
        }
        int changed = 0;
        foreach (var record in records)
        for (int ply = 0; ply < record.Length; ply++)
        for (int k = 0; k < seedFor.Length; k++)
        {
            var g = game.Symmetries[k];
            var (input, policy, value) = encoder.Encode([new ReplayPosition(record, ply)], new Random(seedFor[k]));
            // The game played with transformed actions, its policies permuted, encoded without augmentation.
            var transformed = record with
            {
                Actions = record.Actions.Select(g.MapAction).ToArray(),
                Policies = record.Policies.Select(p => { var q = new float[p.Length]; g.TransformPolicy<float>(p, q); return q; }).ToArray(),
            };
            var (input2, policy2, value2) = encoder.Encode([new ReplayPosition(transformed, ply)], null);
            Assert.Equal(input2.data<float>().ToArray(), input.data<float>().ToArray());
            Assert.Equal(policy2.data<float>().ToArray(), policy.data<float>().ToArray());
            Assert.Equal(value2.item<float>(), value.item<float>());
            // The observation is the game's own for the transformed state.
            var state = encoder.StateAt(transformed, ply);
            var obs = new float[game.ObservationShape.Size];
            state.WriteObservation(obs);
            Assert.Equal(obs, input.data<float>().ToArray());
            var plain = encoder.Encode([new ReplayPosition(record, ply)], null).Input.data<float>().ToArray();
            if (!plain.SequenceEqual(obs)) changed++;
        }
        Assert.True(changed > 0, "no symmetry changed any observation: the test would not see a wrong transform");
    }

    [Fact]
    public void ValueTargetIsTheReturnOfThePlayerToMove()
    {
        var encoder = new PositionEncoder(Game);
        var xWins = TestGames.XWinsTopRow();
        var oWins = xWins with { Id = Guid.NewGuid(), Returns = [-1.0, 1.0] };
        var draw = xWins with { Id = Guid.NewGuid(), Returns = [0.0, 0.0] };
        var plies = Enumerable.Range(0, xWins.Length);
        Assert.Equal([1f, -1f, 1f, -1f, 1f], encoder.Encode(plies.Select(p => new ReplayPosition(xWins, p)).ToList(), null).Value.data<float>().ToArray());
        Assert.Equal([-1f, 1f, -1f, 1f, -1f], encoder.Encode(plies.Select(p => new ReplayPosition(oWins, p)).ToList(), new Random(3)).Value.data<float>().ToArray());
        Assert.All(encoder.Encode(plies.Select(p => new ReplayPosition(draw, p)).ToList(), null).Value.data<float>().ToArray(), v => Assert.Equal(0f, v));
        // Policy targets without augmentation are the record's.
        var (_, policy, _) = encoder.Encode(plies.Select(p => new ReplayPosition(xWins, p)).ToList(), null);
        Assert.Equal(xWins.Policies.SelectMany(p => p), policy.data<float>().ToArray());
    }
}
