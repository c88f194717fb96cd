using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;
using Serilog;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Actors.Tests;

/// <summary>
/// A tiny run through every actor (self-play, inference, replay buffer, trainer, Precise BN, registry, evaluator)
/// on Tic-tac-toe, with Akka serializing every message, then a second run in the same folder that resumes.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class EndToEndTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-e2e-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir) && Environment.GetEnvironmentVariable("SELFPLAYBN_KEEP_TEST_RUNS") is null) Directory.Delete(_dir, recursive: true);
    }

    internal static RunOptions Tiny(int generations) => new()
    {
        Game = "tictactoe",
        Seed = 7,
        Network = new NetworkOptions { Blocks = 1, Filters = 8, ValueHidden = 16 },
        SelfPlay = new SelfPlayOptions { ParallelGames = 4, Search = SelfPlayOptions.DefaultSearch with { Simulations = 16, TemperatureMoves = 4 } },
        Inference = new InferenceOptions { MaxBatch = 16, MaxWaitMs = 1 },
        Replay = new ReplayOptions { WindowPositions = 5_000, MinPositions = 100 },
        Trainer = new TrainerOptions { StepsPerGeneration = 4, GamesPerGeneration = 16, BatchSize = 32 },
        Bn = new BnOptions { PreciseBatches = 2, PreciseBatchSize = 32 },
        Evaluation = new EvaluationOptions { EveryGenerations = 1, Games = 2, Simulations = 8 },
        Limits = new LimitOptions { Generations = generations },
    };

    private async Task<RunOutcome> Run(int generations, List<string> lines)
    {
        Log.Logger = new LoggerConfiguration().MinimumLevel.Information().WriteTo.File(Path.Combine(_dir, "test.log")).CreateLogger();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var outcome = await TrainingRun.RunAsync(TicTacToeGame.Instance, GameCatalog.EvaluationExtrasOf(TicTacToeGame.Instance), Tiny(generations).Validate(), new RunFolder(_dir), CPU,
            l => { lock (lines) lines.Add(l); }, timeout.Token, "akka.actor.serialize-messages = on");
        Assert.False(timeout.IsCancellationRequested, "the run did not reach its generation limit within 3 minutes:\n" + string.Join("\n", lines));
        return outcome;
    }

    [Fact]
    public async Task TrainsThroughEveryActorAndResumes()
    {
        var lines = new List<string>();
        var first = await Run(2, lines);
        Assert.Null(first.Error);
        Assert.Equal(2, first.Generations);
        var folder = new RunFolder(_dir);
        Assert.True(File.Exists(Path.Combine(folder.Models, "model-000002.bin")));
        Assert.True(File.Exists(folder.Config));
        var metrics = File.ReadAllLines(folder.Metrics);
        Assert.Contains(metrics, l => l.Contains("\"kind\":\"publication\"") && l.Contains("\"generation\":2") && l.Contains("stalenessMeanGap"));
        Assert.Contains(lines, l => l.StartsWith("generation 2:"));
        // The same metrics as TensorBoard event files, per generation.
        var events = TensorBoardEvents(folder.TensorBoard);
        Assert.Equal([1L, 2], events.Where(e => e.Tag == "loss/policy").Select(e => e.Step));
        Assert.Equal([1L, 2], events.Where(e => e.Tag == "batchnorm/staleness_mean_gap").Select(e => e.Step));
        var policy = metrics.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(m => m.GetProperty("kind").GetString() == "publication" && m.GetProperty("generation").GetInt64() == 2)
            .Select(m => m.GetProperty("policyLoss").GetDouble()).Single();
        Assert.Equal((float)policy, events.Single(e => e.Tag == "loss/policy" && e.Step == 2).Value);
        var replayed = ReplayBuffer.Open(TicTacToeGame.Instance, folder.Replay, 5_000);
        Assert.True(replayed.Games >= 32, $"expected at least 32 games on disk, found {replayed.Games}");
        var ids = replayed.RecentGames(replayed.Games).Select(g => g.Id).ToHashSet();

        var resumed = await Run(3, lines);
        Assert.Null(resumed.Error);
        Assert.Equal(3, resumed.Generations);
        Assert.Contains(lines, l => l.StartsWith("resuming after generation 2"));
        Assert.Equal([1L, 2, 3], TensorBoardEvents(folder.TensorBoard).Where(e => e.Tag == "loss/policy").Select(e => e.Step).Order());
        var after = ReplayBuffer.Open(TicTacToeGame.Instance, folder.Replay, 5_000);
        Assert.Superset(ids, after.RecentGames(after.Games).Select(g => g.Id).ToHashSet());
    }

    /// <summary>Every scalar in the folder's event files (TFRecord framing: length, its CRC, the Event protobuf, its CRC).</summary>
    private static List<(string Tag, long Step, float Value)> TensorBoardEvents(string folder)
    {
        var result = new List<(string, long, float)>();
        foreach (string file in Directory.GetFiles(folder, "events.out.tfevents.*").Order())
        {
            using var reader = new BinaryReader(File.OpenRead(file));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                long length = reader.ReadInt64();
                reader.ReadUInt32();
                var e = Tensorboard.Event.Parser.ParseFrom(reader.ReadBytes((int)length));
                reader.ReadUInt32();
                if (e.Summary is null) continue;
                foreach (var v in e.Summary.Value) result.Add((v.Tag, e.Step, v.SimpleValue));
            }
        }
        return result;
    }
}
