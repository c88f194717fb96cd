using SelfPlayBN.Games;
using static SelfPlayBN.Training.Tests.TorchTestNetworks;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

/// <summary>The run library: the run folder's layout, the trainer's checkpoint, the store of published models and a
/// generation of training, as plain classes (the actors and the commands use them).</summary>
[Collection(TorchCollection.Name)]
public sealed class RunLibraryTests : IDisposable
{
    private static readonly IGame Game = TestGames.TicTacToe;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TrainerOptions Options(int steps = 3, int accumulation = 2) => new()
    {
        BatchSize = 4, Accumulation = accumulation, StepsPerGeneration = steps, Optimizer = OptimizerKind.Sgd, Momentum = 0.9,
        L2 = 1e-4, LearningRate = [new(0, 0.05)], Augment = true,
    };

    [Fact]
    public void AGenerationIsItsStepsOverConsecutiveBatches()
    {
        var options = Options();
        var positions = Positions(Records(31, 8)).Take(3 * 2 * 4).ToList();
        using var network = Create(31);
        using var copy = CopyOf(network);
        using var learner = new Learner(Game, network, options, CPU);
        using var byHand = new Learner(Game, copy, options, CPU);
        Assert.Equal(24, learner.PositionsPerGeneration);

        var losses = learner.TrainGeneration(positions, new Random(7));
        var rng = new Random(7);
        var reports = Enumerable.Range(0, 3)
            .Select(s => byHand.Step([positions.Skip(8 * s).Take(4).ToList(), positions.Skip(8 * s + 4).Take(4).ToList()], rng))
            .ToList();

        Assert.Equal(3, learner.Steps);
        Assert.Equal(3, losses.Steps);
        Assert.Equal(reports.Average(r => r.Policy), losses.Policy, 12);
        Assert.Equal(reports.Average(r => r.Value), losses.Value, 12);
        Assert.Equal(reports.Average(r => r.L2), losses.L2, 12);
        Assert.Equal(0.05, losses.LearningRate);
        Assert.True(MaxDifference(Parameters(network), Parameters(copy)) <= 1e-7);
    }

    [Fact]
    public void AGenerationTakesExactlyItsPositionsAndStopsWhenCancelled()
    {
        using var network = Create(32);
        using var learner = new Learner(Game, network, Options(), CPU);
        var positions = Positions(Records(32, 8)).Take(25).ToList();
        var e = Assert.Throws<ArgumentException>(() => learner.TrainGeneration(positions, new Random(1)));
        Assert.Contains("24 positions", e.Message);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => learner.TrainGeneration(positions.Take(24).ToList(), new Random(1), cancelled.Token));
        Assert.Equal(0, learner.Steps);
    }

    [Fact]
    public void The_generation_trainer_waits_for_positions_and_new_games_and_keeps_the_ema_twin_before_the_checkpoint()
    {
        var options = Options() with { GamesPerGeneration = 10 };
        using var network = Create(34);
        using var learner = new Learner(Game, network, options, CPU);
        string checkpoints = Path.Combine(_dir.Path, "trainer"), twins = Path.Combine(_dir.Path, "ema");
        var trainer = new GenerationTrainer(learner, options, minPositions: 50, checkpoints, generation: 4, seed: 1, emaSnapshots: twins);

        Assert.False(trainer.TryStart(positions: 49, gamesAccepted: 100)); // too few positions
        Assert.True(trainer.TryStart(positions: 50, gamesAccepted: 100));
        Assert.False(trainer.TryStart(positions: 500, gamesAccepted: 109)); // 9 new games of 10
        Assert.True(trainer.TryStart(positions: 500, gamesAccepted: 110));

        var trained = trainer.Train(Positions(Records(34, 8)).Take(trainer.PositionsPerGeneration).ToArray(), CancellationToken.None);
        Assert.Equal(5, trained.Generation);
        Assert.Equal(4, trainer.Generation); // not kept yet
        Assert.Null(TrainerCheckpoint.Load(checkpoints));
        trainer.Keep(trained);
        Assert.Equal(5, trainer.Generation);
        Assert.Equal(5, TrainerCheckpoint.Load(checkpoints)!.Generation);
        Assert.Equal(trained.Checkpoint.Weights, File.ReadAllBytes(ModelStore.WeightsPath(twins, 5)));
    }

    [Fact]
    public void The_generation_trainer_anneals_the_rate_by_the_share_of_the_time_limit_passed()
    {
        var options = Options(steps: 1, accumulation: 1) with { Anneal = new LearningRateAnneal { From = 0.5, Factor = 0.2 } };
        using var network = Create(35);
        using var learner = new Learner(Game, network, options, CPU);
        double share = 0.25;
        var trainer = new GenerationTrainer(learner, options, minPositions: 1, Path.Combine(_dir.Path, "trainer"), generation: 0, seed: 1,
            elapsedShare: () => share);
        var positions = Positions(Records(35, 8)).Take(trainer.PositionsPerGeneration).ToArray();

        Assert.Equal(0.05, trainer.Train(positions, CancellationToken.None).Losses.LearningRate, 12); // before From
        share = 0.75;
        Assert.Equal(0.05 * 0.6, trainer.Train(positions, CancellationToken.None).Losses.LearningRate, 12);
        share = 1.5;
        Assert.Equal(0.05 * 0.2, trainer.Train(positions, CancellationToken.None).Losses.LearningRate, 12);

        // Without a time limit the schedule alone applies.
        using var otherNetwork = Create(36);
        using var other = new Learner(Game, otherNetwork, options, CPU);
        var unlimited = new GenerationTrainer(other, options, minPositions: 1, Path.Combine(_dir.Path, "other"), generation: 0, seed: 1);
        Assert.Equal(0.05, unlimited.Train(positions, CancellationToken.None).Losses.LearningRate, 12);
    }

    [Fact]
    public void The_time_limit_clock_starts_near_zero_and_refuses_a_limit_that_is_not_positive()
    {
        double share = new TimeLimitClock(60).ElapsedShare();
        Assert.InRange(share, 0, 0.01); // well under 36 s of a 60-minute limit have passed
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeLimitClock(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeLimitClock(double.NaN));
    }

    [Fact]
    public void ACheckpointOnDiskRestoresTheNetworkAndTheOptimiser()
    {
        var options = Options();
        var positions = Positions(Records(33, 8)).Take(24).ToList();
        using var network = Create(33);
        using var learner = new Learner(Game, network, options, CPU);
        learner.TrainGeneration(positions, new Random(1));
        learner.Checkpoint(5).Save(_dir.Path);

        var loaded = TrainerCheckpoint.Load(_dir.Path)!;
        Assert.Equal(5, loaded.Generation);
        using var other = Create(99); // different weights, fresh optimiser
        using var restored = new Learner(Game, other, options, CPU);
        restored.Restore(loaded);
        Assert.Equal(3, restored.Steps);
        Assert.True(MaxDifference(Parameters(network), Parameters(other)) <= 0);
        Assert.True(MaxDifference(Buffers(network), Buffers(other)) <= 0);
        // The momentum came back too: the next generation is the same on both.
        var a = learner.TrainGeneration(positions, new Random(2));
        var b = restored.TrainGeneration(positions, new Random(2));
        Assert.Equal(a, b);
        Assert.True(MaxDifference(Parameters(network), Parameters(other)) <= 1e-7);
    }

    [Fact]
    public void ATrainerCheckpointThatIsMissingForeignOrTruncatedIsReportedByName()
    {
        Assert.Null(TrainerCheckpoint.Load(_dir.Path));
        string path = Path.Combine(_dir.Path, TrainerCheckpoint.FileName);
        File.WriteAllText(path, "\u0005hello and more");
        var foreign = Assert.Throws<InvalidDataException>(() => TrainerCheckpoint.Load(_dir.Path));
        Assert.Contains("is not a trainer checkpoint", foreign.Message);
        Assert.Contains(path, foreign.Message);

        new TrainerCheckpoint(2, [1, 2, 3, 4], [5, 6, 7]).Save(_dir.Path);
        Assert.Equal([5, 6, 7], TrainerCheckpoint.Load(_dir.Path)!.Optimizer);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^2]);
        var truncated = Assert.Throws<InvalidDataException>(() => TrainerCheckpoint.Load(_dir.Path));
        Assert.Contains("is truncated", truncated.Message);
    }

    private static LossSummary Losses(long steps) => new(1.5, 0.5, 0.01, 0.02, steps);

    [Fact]
    public void TheModelStoreRecordsEachPublicationAndTheLatest()
    {
        var store = new ModelStore(Path.Combine(_dir.Path, "models"));
        Assert.Null(store.Latest());
        Assert.Null(store.Info(1));
        var first = store.Publish(0, [1, 2, 3], "initial", null, null);
        var second = store.Publish(1, [4, 5], "precise", Losses(200), new StalenessSummary(0.1, 0.2, "tower.0.bn1", 2, 1.5, 0.3, 512));

        Assert.Equal("model-000001.bin", Path.GetFileName(store.WeightsPath(1)));
        Assert.Equal(second, store.Latest());
        Assert.Equal(first, store.Info(0));
        Assert.Equal(Losses(200), store.Info(1)!.Losses);
        Assert.Equal("tower.0.bn1", store.Info(1)!.Staleness!.WorstLayer);
        Assert.Equal([4, 5], store.ReadWeights(second));
        Assert.Equal(Models.Sha256([4, 5]), second.Sha256);
        // No temporary file is left behind.
        Assert.DoesNotContain(Directory.EnumerateFiles(store.Directory), f => f.EndsWith(DurableFile.TemporarySuffix, StringComparison.Ordinal));
    }

    [Fact]
    public void TheBestIsRecordedOnlyForAPublishedVersion()
    {
        var store = new ModelStore(_dir.Path);
        store.Publish(0, [1], "initial", null, null);
        store.Publish(1, [2], "precise", Losses(1), null);
        Assert.Null(store.Best());
        Assert.Equal(0, store.MarkBest(0).Version);
        Assert.Equal(0, store.Best()!.Version);
        var e = Assert.Throws<InvalidOperationException>(() => store.MarkBest(7));
        Assert.Contains("model 7 was never published", e.Message);
        Assert.Equal(0, store.Best()!.Version);
    }

    [Fact]
    public void TamperedWeightsAndCorruptRecordsAreRefusedByName()
    {
        var store = new ModelStore(_dir.Path);
        var info = store.Publish(3, [1, 2, 3], "ema", Losses(3), null);
        File.WriteAllBytes(store.WeightsPath(3), [1, 2, 4]);
        var tampered = Assert.Throws<InvalidDataException>(() => store.ReadWeights(info));
        Assert.Contains("model-000003.bin does not match its recorded checksum", tampered.Message);
        File.Delete(store.WeightsPath(3));
        Assert.Contains("is missing", Assert.Throws<InvalidDataException>(() => store.ReadWeights(info)).Message);

        File.WriteAllText(Path.Combine(_dir.Path, "latest.json"), "{ \"version\": ");
        var corrupt = Assert.Throws<InvalidDataException>(() => store.Latest());
        Assert.Contains("latest.json", corrupt.Message);
    }

    [Fact]
    public void PreparingARunFolderLaysItOutCleansLeftoversAndWritesTheConfig()
    {
        var folder = new RunFolder(Path.Combine(_dir.Path, "run"));
        Directory.CreateDirectory(folder.Trainer);
        File.WriteAllText(Path.Combine(folder.Trainer, ".trainer.ckpt" + DurableFile.TemporarySuffix), "half");
        var options = new RunOptions { Game = "tictactoe", Seed = 4 }.Validate();
        folder.Prepare(options);
        Assert.True(Directory.Exists(folder.Trainer));
        Assert.Empty(Directory.EnumerateFiles(folder.Trainer));
        Assert.Equal(options.ToJson(), RunOptions.Load(folder.Config).ToJson());
        Assert.Equal(folder.Models, folder.ModelStore.Directory);
    }
}
