using SelfPlayBN.Trainer.Commands;
using SelfPlayBN.Trainer.Reports;
using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>The <c>report</c> command and the reading of <c>metrics.jsonl</c> under it.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), $"selfplaybn-report-{Guid.NewGuid():N}");

    public ReportCommandTests() => Directory.CreateDirectory(_runDir);

    public void Dispose() => Directory.Delete(_runDir, recursive: true);

    /// <summary>
    /// Three publications and three evaluations as RunActor writes them, with generation 0's nulls, an unknown
    /// field and an unknown kind of line. Self-play: 100 games / 800 positions after 10 s, 160 / 1400 after 13 s.
    /// </summary>
    private static readonly string[] SampleLines =
    [
        """{"kind":"publication","time":"2026-11-27T05:06:03Z","generation":0,"statistics":"initial","policyLoss":null,"valueLoss":null,"l2":null,"learningRate":null,"steps":null,"trainSeconds":0,"preciseSeconds":null,"stalenessMeanGap":null,"stalenessLogVarGap":null,"lossWithEma":null,"lossWithPrecise":null,"games":null,"positions":null,"averageInferenceBatch":null,"bufferPositions":null,"elapsedSeconds":0.35}""",
        """{"kind":"publication","time":"2026-11-27T05:06:24Z","generation":1,"statistics":"precise","policyLoss":1.99,"valueLoss":0.50,"l2":0.0044,"learningRate":0.02,"steps":50,"trainSeconds":1.5,"preciseSeconds":0.06,"stalenessMeanGap":0.051,"stalenessLogVarGap":0.094,"lossWithEma":2.169,"lossWithPrecise":2.204,"games":100,"positions":800,"averageInferenceBatch":14.7,"bufferPositions":780,"elapsedSeconds":10.0,"someFutureField":[1,2]}""",
        """{"kind":"evaluation","time":"2026-11-27T05:06:25Z","generation":1,"opponent":"mcts-rollouts-200","wins":3,"draws":1,"losses":6,"score":0.35,"elo":-107.5}""",
        """{"kind":"evaluation","time":"2026-11-27T05:06:25Z","generation":1,"opponent":"model-0","wins":7,"draws":0,"losses":3,"score":0.7,"elo":147.2}""",
        "",
        """{"kind":"somethingNew","generation":1}""",
        """{"kind":"publication","time":"2026-11-27T05:06:27Z","generation":2,"statistics":"precise","policyLoss":1.675,"valueLoss":0.463,"l2":0.0052,"learningRate":0.02,"steps":100,"trainSeconds":1.6,"preciseSeconds":0.04,"stalenessMeanGap":0.040,"stalenessLogVarGap":0.041,"lossWithEma":2.008,"lossWithPrecise":1.991,"games":160,"positions":1400,"averageInferenceBatch":14.5,"bufferPositions":1380,"elapsedSeconds":13.0}""",
        """{"kind":"evaluation","time":"2026-11-27T05:06:28Z","generation":2,"opponent":"mcts-rollouts-200","wins":5,"draws":2,"losses":3,"score":0.6,"elo":70.4}""",
        """{"kind":"evaluation","time":"2026-11-27T05:06:28Z","generation":2,"opponent":"model-1","wins":6,"draws":0,"losses":4,"score":0.6,"elo":70.4}""",
    ];

    private void WriteMetrics(params string[] lines) =>
        File.WriteAllText(Path.Combine(_runDir, "metrics.jsonl"), string.Join("\n", lines) + "\n");

    [Fact]
    public void Writes_four_pngs_and_a_summary_naming_the_last_generation()
    {
        WriteMetrics(SampleLines);
        var (code, output, error) = CliTests.Run("report", _runDir);
        Assert.True(code == 0, error);
        string reportDir = Path.Combine(_runDir, "report");
        foreach (string name in RunPlots.FileNames)
        {
            string path = Path.Combine(reportDir, name);
            Assert.Contains($"wrote {path}", output);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 5000, $"{name} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        }
        Assert.Equal(RunPlots.FileNames.Order(), Directory.GetFiles(reportDir).Select(Path.GetFileName).Order()); // no temporary files left
        Assert.Contains("last generation 2", output);
        Assert.Contains("losses at generation 2: policy 1.675", output);
        Assert.Contains("best vs mcts-rollouts-200: generation 2, score 0.600", output);
        Assert.Contains("20.0 games/s, 200.0 positions/s", output);
    }

    [Fact]
    public void Out_names_the_folder_of_the_plots()
    {
        WriteMetrics(SampleLines);
        string outDir = Path.Combine(_runDir, "elsewhere", "plots");
        var (code, _, error) = CliTests.Run("report", _runDir, "--out", outDir);
        Assert.True(code == 0, error);
        foreach (string name in RunPlots.FileNames) Assert.True(File.Exists(Path.Combine(outDir, name)), name);
        Assert.False(Directory.Exists(Path.Combine(_runDir, "report")));
    }

    [Fact]
    public void A_malformed_line_is_named_by_its_number()
    {
        WriteMetrics(SampleLines[0], SampleLines[1], """{"kind":"publication","generation":2,"policyLoss":"abc"}""", SampleLines[2]);
        var (code, _, error) = CliTests.Run("report", _runDir);
        Assert.Equal(Cli.UsageError, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains("line 3:", line);
    }

    [Fact]
    public void A_line_that_is_not_json_is_named_by_its_number()
    {
        WriteMetrics(SampleLines[0], "{not json", SampleLines[1]);
        var (code, _, error) = CliTests.Run("report", _runDir);
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("line 2:", error);
    }

    [Fact]
    public void The_summary_gives_game_length_passes_and_resignation_false_positives()
    {
        WriteMetrics(
            """{"kind":"publication","generation":1,"games":100,"positions":8000,"moves":8000,"passes":400,"resigned":30,"resignChecks":8,"resignFalsePositives":1}""",
            """{"kind":"publication","generation":2,"games":160,"positions":14000,"moves":14000,"passes":640,"resigned":48,"resignChecks":12,"resignFalsePositives":1}""");
        var (code, output, error) = CliTests.Run("report", _runDir);
        Assert.True(code == 0, error);
        Assert.Contains("self-play games: 160 of 87.5 moves on average (100.0 in the last generation's games), passes 4.6 % of moves, 30.0 % resigned, " +
                        "resignation false positives 1 of 12 played-out games (8.3 %)", output);
        // Metrics written before these fields: no such line.
        WriteMetrics(SampleLines);
        (code, output, error) = CliTests.Run("report", _runDir);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("self-play games:", output);
    }

    [Fact]
    public void A_missing_folder_is_a_usage_error()
    {
        string missing = Path.Combine(_runDir, "no-such-run");
        var (code, _, error) = CliTests.Run("report", missing);
        Assert.Equal(Cli.UsageError, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(missing, error);
    }

    [Fact]
    public void A_folder_without_metrics_is_a_usage_error()
    {
        var (code, _, error) = CliTests.Run("report", _runDir);
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("metrics.jsonl", error);
    }

    [Fact]
    public void Metrics_without_publications_are_a_usage_error()
    {
        WriteMetrics(SampleLines[2], SampleLines[3]);
        var (code, _, error) = CliTests.Run("report", _runDir);
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("no publication lines", error);
    }

    [Fact]
    public void Reading_keeps_nulls_and_ignores_unknown_fields_and_kinds()
    {
        var metrics = RunMetrics.Parse(string.Join("\n", SampleLines) + "\n");
        Assert.Equal([0L, 1, 2], metrics.Publications.Select(p => p.Generation));
        Assert.Equal(4, metrics.Evaluations.Count);
        var first = metrics.Publications[0];
        Assert.Null(first.PolicyLoss);
        Assert.Null(first.TotalLoss);
        Assert.Null(first.Games);
        Assert.Equal(1.99 + 0.50 + 0.0044, metrics.Publications[1].TotalLoss!.Value, 12);
        Assert.Equal(2.169 - 2.204, metrics.Publications[1].EmaLossGap!.Value, 12);
        Assert.False(metrics.SkippedUnfinishedLastLine);
    }

    [Fact]
    public void Throughput_is_the_difference_of_counters_over_the_difference_of_elapsed_seconds()
    {
        var throughput = RunMetrics.Parse(string.Join("\n", SampleLines) + "\n").Throughput();
        var only = Assert.Single(throughput); // generation 0 has no counters, so 0 → 1 gives no point
        Assert.Equal(2, only.Generation);
        Assert.Equal((160 - 100) / 3.0, only.GamesPerSecond, 12);
        Assert.Equal((1400 - 800) / 3.0, only.PositionsPerSecond, 12);
    }

    [Fact]
    public void Throughput_skips_the_interval_across_a_restart()
    {
        static string Publication(int generation, int games, int positions, double seconds) =>
            $$"""{"kind":"publication","generation":{{generation}},"games":{{games}},"positions":{{positions}},"elapsedSeconds":{{seconds}}}""";
        var metrics = RunMetrics.Parse(string.Join("\n",
            Publication(1, 10, 80, 5), Publication(2, 30, 240, 15), // 2 games/s, 16 positions/s
            Publication(3, 4, 30, 2),                               // resumed: counters and clock from zero
            Publication(4, 24, 190, 6)));                           // 5 games/s, 40 positions/s
        Assert.Equal([new Throughput(2, 2, 16), new Throughput(4, 5, 40)], metrics.Throughput());
    }

    [Fact]
    public void Chained_elo_adds_the_differences_against_the_previous_version_from_the_anchor()
    {
        static string Match(int generation, string opponent, double elo) =>
            $$"""{"kind":"evaluation","generation":{{generation}},"opponent":"{{opponent}}","wins":1,"draws":0,"losses":1,"score":0.5,"elo":{{elo}}}""";
        var metrics = RunMetrics.Parse(string.Join("\n",
            Match(2, "model-0", 100), Match(2, "mcts-rollouts-50", -300), Match(4, "model-2", 50), Match(6, "model-4", -20),
            Match(9, "model-7", 10))); // the chain broke at 7 (e.g. a resume): 9 gets no value
        var chained = metrics.ChainedElo();
        Assert.Equal(0, chained.Anchor);
        Assert.Equal(new Dictionary<long, double> { [0] = 0, [2] = 100, [4] = 150, [6] = 130 }, chained.ByVersion);
    }

    [Fact]
    public void An_unfinished_last_line_is_left_out_but_an_unfinished_middle_line_is_an_error()
    {
        string text = SampleLines[0] + "\n" + SampleLines[1] + "\n" + """{"kind":"publication","generat""";
        var metrics = RunMetrics.Parse(text);
        Assert.Equal(2, metrics.Publications.Count);
        Assert.True(metrics.SkippedUnfinishedLastLine);
        var e = Assert.Throws<MetricsFormatException>(() => RunMetrics.Parse(text + "\n"));
        Assert.Equal(3, e.LineNumber);
    }
}
