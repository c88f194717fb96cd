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
              "selfPlay": { "parallelGames": 8, "search": { "simulations": 16, "temperatureMoves": 4 } },
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

/// <summary><c>study endtoend</c> (Study 2): the runs it makes and the comparison it draws from their metrics.</summary>
public sealed class EndToEndStudyTests
{
    [Fact]
    public void Each_run_is_the_base_config_with_its_seed_its_arm_and_the_wall_clock_limit()
    {
        var plan = EndToEndStudy.Plan(2);
        Assert.Equal(["precise-seed1", "ema-seed1", "precise-seed2", "ema-seed2"], plan.Select(r => r.Name));
        var baseOptions = new SelfPlayBN.Training.RunOptions { Game = "tictactoe" } with
        {
            Bn = new SelfPlayBN.Training.BnOptions { Decay = 0.999, KeepEmaSnapshots = true },
            Limits = new SelfPlayBN.Training.LimitOptions { Generations = 40 },
        };
        var ema = plan[3].Options(baseOptions, 2.5);
        Assert.Equal(2, ema.Seed);
        Assert.Equal(SelfPlayBN.Training.BnInference.Ema, ema.Bn.Inference);
        Assert.Equal(0.999, ema.Bn.Decay);
        Assert.False(ema.Bn.KeepEmaSnapshots);
        Assert.Equal(2.5, ema.Limits.Minutes);
        Assert.Null(ema.Limits.Generations);
        Assert.Equal(SelfPlayBN.Training.BnInference.Precise, plan[0].Options(baseOptions, 1).Bn.Inference);
    }

    [Fact]
    public void The_summary_pools_each_arms_last_evaluations_and_states_the_difference_with_its_interval()
    {
        static Reports.RunMetrics Metrics(int wins, int draws, int losses) => Reports.RunMetrics.Parse(string.Join("\n",
            """{"kind":"publication","generation":5,"elapsedSeconds":60}""",
            """{"kind":"evaluation","generation":5,"opponent":"perfect","wins":0,"draws":0,"losses":20,"score":0,"elo":-800}""",
            """{"kind":"evaluation","generation":5,"opponent":"model-0","wins":20,"draws":0,"losses":0,"score":1,"elo":800}""",
            $$"""{"kind":"evaluation","generation":10,"opponent":"perfect","wins":{{wins}},"draws":{{draws}},"losses":{{losses}},"score":{{(wins + draws / 2.0) / (wins + draws + losses)}},"elo":0}""",
            """{"kind":"publication","generation":10,"elapsedSeconds":120}"""));
        var runs = new Dictionary<EndToEndRun, Reports.RunMetrics>
        {
            [new("precise", 1)] = Metrics(0, 18, 2), [new("ema", 1)] = Metrics(0, 6, 14),
            [new("precise", 2)] = Metrics(0, 20, 0), [new("ema", 2)] = Metrics(0, 8, 12),
        };
        Assert.Equal(["perfect"], EndToEndStudy.Opponents(runs));
        string summary = EndToEndStudy.Summary("c.json", new SelfPlayBN.Training.RunOptions { Game = "tictactoe" }, 2, runs, "machine");
        Assert.Contains("| precise | 2 | 10, 10 | 0.450, 0.500 | +0 =38 −2 | 0.475", summary);
        Assert.Contains("| ema | 2 | 10, 10 | 0.150, 0.200 | +0 =14 −26 | 0.175", summary);
        var (d, lo, hi) = EndToEndStudy.ScoreDifference(new(0, 2, 38), new(0, 26, 14));
        Assert.Equal(0.3, d, 12);
        double se = Math.Sqrt(0.475 * 0.525 / 40 + 0.175 * 0.825 / 40);
        Assert.Equal(0.3 - 1.959963984540054 * se, lo, 12);
        Assert.Equal(0.3 + 1.959963984540054 * se, hi, 12);
        Assert.Contains("Precise − EMA, last evaluations: +0.300", summary);
        Assert.Contains("precise is stronger; the interval excludes zero", summary);
        // The second half of each run (generations above 5 of 10): only the generation-10 evaluations.
        Assert.Contains("Every evaluation in the second half of each run's generations: precise +0 =38 −2 (0.475), EMA +0 =14 −26 (0.175); precise − EMA: +0.300", summary);
    }

    [Fact]
    public void A_config_that_evaluates_nothing_is_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"selfplaybn-e2e-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "game": "tictactoe", "evaluation": { "everyGenerations": 0 } }""");
        try
        {
            var (code, _, error) = CliTests.Run("study", "endtoend", "--config", path);
            Assert.Equal(2, code);
            Assert.Contains("evaluation.everyGenerations 0", error);
        }
        finally { File.Delete(path); }
    }
}
