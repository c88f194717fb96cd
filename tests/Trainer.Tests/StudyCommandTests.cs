using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Trainer.Studies;

namespace SelfPlayBN.Trainer.Tests;

/// <summary><c>study lab</c>: the supervised BatchNorm lab from the command line, its files, its resumption and its errors.</summary>
public sealed class StudyCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"selfplaybn-study-{Guid.NewGuid():N}");

    public StudyCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ShippedPositions => Path.Combine(RepoPaths.Root, "games", "ConnectFour", "data", "labelled-positions.txt");

    /// <summary>Runs <c>study lab</c> with tiny settings; <paramref name="extra"/> adds options or replaces the defaults'.</summary>
    private static (int Code, string Out, string Err) Lab(string outDir, params string[] extra)
    {
        var options = new Dictionary<string, List<string>>
        {
            ["--out"] = [outDir], ["--positions"] = [ShippedPositions], ["--train"] = ["128"], ["--validation"] = ["64"], ["--steps"] = ["4"],
            ["--batch"] = ["32"], ["--seeds"] = ["1"], ["--precise-samples"] = ["64"], ["--threads"] = ["1"],
        };
        string? current = null;
        foreach (string a in extra)
            if (a.StartsWith("--", StringComparison.Ordinal)) options[current = a] = [];
            else options[current!].Add(a);
        return CliTests.Run(["study", "lab", .. options.SelectMany(kv => kv.Value.Prepend(kv.Key))]);
    }

    [Fact]
    public void A_tiny_study_writes_results_summary_and_plots_and_a_rerun_resumes_without_running_again()
    {
        string outDir = Path.Combine(_dir, "lab");
        var (code, output, error) = Lab(outDir, "--nbs", "2", "16", "--parts", "nbs", "ema", "samples");
        Assert.True(code == 0, error + output);
        // 2 NBS + 3 decays + 1 samples run.
        Assert.Contains("6 runs planned, 0 already in", output);
        var records = LabStudy.Read(Path.Combine(outDir, LabStudy.ResultsFile));
        Assert.Equal(6, records.Count);
        Assert.Equal(["nbs", "nbs", "ema", "ema", "ema", "samples"], records.Select(r => r.Part));
        Assert.All(records, r => Assert.Equal(4, r.Points[^1].Step));
        var samples = Assert.Single(records, r => r.Part == "samples").Samples!;
        Assert.Equal([32, 64, 128], samples.Select(s => s.Samples).Distinct());
        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.Contains("## Normalization batch size (Ghost BN)", summary);
        Assert.Contains("| batchnorm nbs 16 | 16 | 1 |", summary);
        Assert.Contains("## False overfitting", summary);
        Assert.Contains("| batchnorm decay 0.999 | 1 |", summary);
        Assert.Contains("## Samples Precise BN needs", summary);
        Assert.DoesNotContain("alternatives", summary);
        Assert.Equal(7, File.ReadAllLines(Path.Combine(outDir, "results.csv")).Length);
        foreach (string png in new[] { "nbs.png", "false-overfitting.png", "precise-samples.png" })
            Assert.True(new FileInfo(Path.Combine(outDir, png)).Length > 1000, png);
        Assert.False(File.Exists(Path.Combine(outDir, "alternatives.png")));

        // The same command again: everything is done, nothing runs, the results stay as they were.
        string before = File.ReadAllText(Path.Combine(outDir, LabStudy.ResultsFile));
        var again = Lab(outDir, "--nbs", "2", "16", "--parts", "nbs", "ema", "samples");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("6 runs planned, 6 already in", again.Out);
        Assert.DoesNotContain("step 4/4", again.Out);
        Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, LabStudy.ResultsFile)));

        // Another part on the same folder runs only its own runs.
        var more = Lab(outDir, "--nbs", "2", "16", "--parts", "alternatives", "--small-nbs", "2");
        Assert.True(more.Code == 0, more.Err);
        Assert.Contains("5 runs planned, 0 already in", more.Out);
        Assert.Equal(11, LabStudy.Read(Path.Combine(outDir, LabStudy.ResultsFile)).Count);
        Assert.True(File.Exists(Path.Combine(outDir, "alternatives.png")));

        // Other settings on the same folder would mix incomparable runs: refused.
        var mixed = Lab(outDir, "--nbs", "2", "--parts", "nbs", "--steps", "5");
        Assert.Equal(2, mixed.Code);
        Assert.Contains("other settings", mixed.Err);
        Assert.Contains("--steps 4", mixed.Err);
    }

    [Theory]
    [InlineData("--nbs", "3", "normalization batch must be at least 2 and divide --batch 32")]
    [InlineData("--parts", "everything", "unknown part 'everything'")]
    [InlineData("--train", "4000", "has 600 positions")]
    [InlineData("--filters", "12", "multiple of 8")]
    public void Bad_settings_get_one_error_naming_them(string option, string value, string expected)
    {
        var (code, _, error) = Lab(Path.Combine(_dir, "bad"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_missing_positions_file_and_a_corrupt_results_file_are_named()
    {
        var missing = CliTests.Run("study", "lab", "--out", Path.Combine(_dir, "x"), "--positions", Path.Combine(_dir, "none.txt"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("none.txt' does not exist", missing.Err);

        string outDir = Path.Combine(_dir, "corrupt");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, LabStudy.ResultsFile), "{\"part\":\"nbs\"\nnot json\n{}\n");
        var corrupt = Lab(outDir);
        Assert.Equal(2, corrupt.Code);
        Assert.Contains("line 1 is not a lab result", corrupt.Err);
    }

    [Fact]
    public void A_results_line_cut_off_by_a_crash_is_ignored_and_the_next_run_starts_on_a_fresh_line()
    {
        string outDir = Path.Combine(_dir, "cut");
        Assert.Equal(0, Lab(outDir, "--nbs", "16", "--parts", "nbs").Code);
        string file = Path.Combine(outDir, LabStudy.ResultsFile);
        string complete = File.ReadAllText(file);
        File.AppendAllText(file, complete[..40]); // a second line, cut off mid-way (no newline)
        Assert.Single(LabStudy.Read(file));
        var (code, output, error) = Lab(outDir, "--nbs", "2", "16", "--parts", "nbs");
        Assert.True(code == 0, error);
        Assert.Contains("dropped a last line left unfinished", output);
        Assert.Contains("2 runs planned, 1 already in", output);
        Assert.Equal(["batchnorm nbs 16", "batchnorm nbs 2"], LabStudy.Read(file).Select(r => r.Name));
    }

    [Fact]
    public void Generated_positions_are_solver_labels_deterministic_in_the_seed_and_resumable()
    {
        string file = Path.Combine(_dir, "positions.txt");
        var first = LabPositions.Ensure(file, 3, 11, null, CancellationToken.None);
        Assert.Equal(3, first.Count);
        // An interrupted append: a cut-off last line is dropped, and generation goes on where it stopped.
        File.AppendAllText(file, "4455 W");
        var resumed = LabPositions.Ensure(file, 6, 11, null, CancellationToken.None);
        var fresh = LabPositions.Ensure(Path.Combine(_dir, "fresh.txt"), 6, 11, null, CancellationToken.None);
        Assert.Equal(fresh.Select(p => p.ToString()), resumed.Select(p => p.ToString()));
        Assert.Equal(first.Select(p => p.ToString()), resumed.Take(3).Select(p => p.ToString()));
        Assert.Equal(6, LabPositions.Read(file).Count);
        var solver = new ConnectFourSolver(tableBits: 20);
        foreach (var p in resumed)
        {
            Assert.InRange(p.Moves.Length, LabPositions.MinStones, LabPositions.MaxStones);
            Assert.Equal(p.ToString(), solver.AnswerLine(p.Moves));
        }
        // Another seed on the same file would mix two sets: refused, naming both.
        var e = Assert.Throws<FormatException>(() => LabPositions.Ensure(file, 8, 12, null, CancellationToken.None));
        Assert.Contains("data seed 12", e.Message);
        Assert.Contains("data seed 11", e.Message);
    }
}
