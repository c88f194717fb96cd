using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Trainer.Studies;

namespace SelfPlayBN.Trainer.Tests;

/// <summary><c>study staleness</c> (Study 1) on a real tiny run that keeps its EMA twins, and the study's statistics.</summary>
public sealed class StalenessStudyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-staleness-" + Guid.NewGuid().ToString("N"));

    public StalenessStudyTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Config(bool keep, string inference = "precise")
    {
        string path = Path.Combine(_dir, $"small-{keep}-{inference}.json");
        File.WriteAllText(path, $$"""
            {
              "game": "tictactoe",
              "network": { "blocks": 1, "filters": 8, "valueHidden": 16 },
              "selfPlay": { "parallelGames": 8, "simulations": 16, "temperatureMoves": 4 },
              "inference": { "maxBatch": 16, "maxWaitMs": 1 },
              "replay": { "windowPositions": 20000, "minPositions": 100 },
              "trainer": { "stepsPerGeneration": 4, "gamesPerGeneration": 20, "batchSize": 32 },
              "bn": { "inference": "{{inference}}", "decay": 0.999, "keepEmaSnapshots": {{(keep ? "true" : "false")}}, "preciseBatches": 2, "preciseBatchSize": 32 },
              "evaluation": { "everyGenerations": 0 }
            }
            """);
        return path;
    }

    private string Train(string config, string name, int generations = 2)
    {
        string run = Path.Combine(_dir, name);
        var train = ProcessRunner.Run(ProcessRunner.Dotnet, [TrainCommandTests.Exe, "train", "--config", config, "--run-dir", run, "--generations", $"{generations}"],
            timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        return run;
    }

    [Fact]
    public void A_run_keeping_its_ema_twins_is_studied_generation_by_generation_and_resumes()
    {
        string run = Train(Config(keep: true), "run", generations: 3);
        Assert.Equal(["model-000001.bin", "model-000002.bin", "model-000003.bin"],
            Directory.GetFiles(Path.Combine(run, "ema-snapshots")).Select(Path.GetFileName).Order());

        var (code, output, error) = CliTests.Run("study", "staleness", run, "--games", "2", "--simulations", "2", "--threads", "1");
        Assert.True(code == 0, error + output);
        Assert.Contains("3 generations with an EMA twin, 0 already in", output);
        string folder = Path.Combine(run, "studies", "staleness");
        var (settings, rows) = StalenessStudy.Read(Path.Combine(folder, StalenessStudy.ResultsFile));
        Assert.Equal(new StalenessSettings(2, 2, 2048, 1), settings);
        Assert.Equal([1L, 2, 3], rows.Select(r => r.Generation));
        Assert.All(rows, r =>
        {
            // λ = 0.999 after 4 and 8 steps: the EMA statistics are still mostly their starting values, far from the precise ones.
            Assert.True(r.MeanGap > 0.05 || r.LogVarianceGap > 0.05, $"generation {r.Generation}: gaps {r.MeanGap}, {r.LogVarianceGap}");
            Assert.Equal(2, r.Wins + r.Draws + r.Losses);
            Assert.True(r.LabelledPositions > 1000);
            Assert.InRange(r.LabelErrorEma!.Value, 0, 1);
        });
        // Generation 2 finished the games that generation 3 was trained on: fresh positions for generation 1. (The run stopped
        // as generation 3 was published, so generation 3 may have finished no game: generation 2 may have none.)
        Assert.True(rows[0].FreshPositions > 0 && rows[0].FreshLossEma is not null && rows[0].FreshLossPrecise is not null, "generation 1: no fresh positions");
        Assert.Contains("| 2 |", File.ReadAllText(Path.Combine(folder, "summary.md")));
        Assert.True(new FileInfo(Path.Combine(folder, "staleness-study.png")).Length > 1000);

        var again = CliTests.Run("study", "staleness", run, "--games", "2", "--simulations", "2");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("3 already in", again.Out);
        Assert.Equal(3, StalenessStudy.Read(Path.Combine(folder, StalenessStudy.ResultsFile)).Rows.Count);

        var other = CliTests.Run("study", "staleness", run, "--games", "4", "--simulations", "2");
        Assert.Equal(2, other.Code);
        Assert.Contains("--games 2 --simulations 2", other.Err);
    }

    [Fact]
    public void Runs_that_cannot_be_studied_get_an_error_naming_the_setting()
    {
        string without = Train(Config(keep: false), "without");
        var missing = CliTests.Run("study", "staleness", without);
        Assert.Equal(2, missing.Code);
        Assert.Contains("keepEmaSnapshots", missing.Err);

        string ema = Train(Config(keep: true, inference: "ema"), "ema");
        var published = CliTests.Run("study", "staleness", ema);
        Assert.Equal(2, published.Code);
        Assert.Contains("bn.inference: ema", published.Err);

        var notRun = CliTests.Run("study", "staleness", _dir);
        Assert.Equal(2, notRun.Code);
        Assert.Contains("is not a run folder", notRun.Err);
    }

    [Fact]
    public void Spearman_ranks_with_ties_averaged()
    {
        Assert.Equal(1.0, StalenessStudy.Spearman([1, 2, 3, 4], [10, 20, 30, 1000]), 12);
        Assert.Equal(-1.0, StalenessStudy.Spearman([1, 2, 3, 4], [4, 3, 2, 1]), 12);
        // Ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 → ρ = 4.5 / √(4.5 · 5).
        Assert.Equal(4.5 / Math.Sqrt(4.5 * 5), StalenessStudy.Spearman([1, 2, 2, 3], [1, 2, 3, 4]), 12);
        Assert.True(double.IsNaN(StalenessStudy.Spearman([1, 2], [1, 2])));
        Assert.True(double.IsNaN(StalenessStudy.Spearman([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void The_tictactoe_labels_are_the_perfect_players()
    {
        var labelled = StalenessStudy.Labelled(TicTacToeGame.Instance);
        Assert.True(labelled.Count > 1000, $"{labelled.Count} positions");
        Assert.Equal(labelled.Count, labelled.Select(e => e.State.Render()).Distinct().Count());
        // After a corner opening, the centre is the only reply that does not lose.
        var corner = Assert.Single(labelled, e => e.State.Render() == TicTacToeGame.Instance.NewInitialState().Apply(0).Render());
        Assert.Equal([4], corner.OptimalActions);
        Assert.Equal(0, corner.Value);
        Assert.All(labelled, e => Assert.True(e.OptimalActions.Count > 0 && !e.State.IsTerminal));
    }
}
