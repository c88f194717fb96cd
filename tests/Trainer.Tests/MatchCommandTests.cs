using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>The <c>match</c> command, in-process, with the real GNU Go (installed by scripts/test.sh).</summary>
public sealed class MatchCommandTests
{
    private const string GnuGo = "/usr/games/gnugo --mode gtp --level 0 --chinese-rules --capture-all-dead";

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.4, "0")]
    [InlineData(-0.4, "0")]
    [InlineData(-0.6, "-1")]
    [InlineData(12.3, "+12")]
    [InlineData(-393.2, "-393")]
    [InlineData(double.PositiveInfinity, "+∞")]
    [InlineData(double.NegativeInfinity, "-∞")]
    public void Elo_differences_print_with_one_sign(double elo, string expected) =>
        Assert.Equal(expected, SelfPlayBN.Trainer.Commands.MatchCommand.FormatElo(elo));

    [Fact]
    public void An_even_score_is_elo_0_not_minus_0()
    {
        double even = SelfPlayBN.Go.Match.MatchStatistics.EloFromScore(0.5);
        Assert.True(double.IsNegative(even) || even == 0);
        Assert.Equal("0", SelfPlayBN.Trainer.Commands.MatchCommand.FormatElo(even));
        Assert.Equal("0", SelfPlayBN.Trainer.Commands.MatchCommand.FormatElo(-0.0));
    }

    [Fact]
    public void Two_games_of_GnuGo_print_game_lines_a_summary_and_SGF_files()
    {
        string dir = Path.Combine(Path.GetTempPath(), "match-cmd-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, error) = CliTests.Run("match", "--black", GnuGo, "--white", GnuGo, "--games", "2", "--size", "9",
                "--komi", "7.5", "--sgf-dir", dir, "--parallel", "2", "--sprt", "0,400");
            Assert.True(code == 0, error);
            Assert.Equal("", error);
            var lines = output.Split('\n');
            Assert.Single(lines, l => l.StartsWith("game 1/2: Black A, White B: ", StringComparison.Ordinal));
            Assert.Single(lines, l => l.StartsWith("game 2/2: Black B, White A: ", StringComparison.Ordinal));
            Assert.Contains("### Match: 9×9, komi 7.5, 2 of 2 games", output);
            Assert.Contains("| A | GNU Go 3.8 | `" + GnuGo + "` |", output);
            Assert.Contains("| Games | A wins | A losses | Draws | A score (95% Wilson) | Elo A − B (95%) | Black wins |", output);
            Assert.Contains("SPRT elo0 0, elo1 400", output);
            Assert.DoesNotContain("+-", output); // an even score (one win each, as GNU Go against itself gives) is Elo 0
            // Each game line names its SGF file, whose result is the one printed.
            foreach (var line in lines.Where(l => l.StartsWith("game ", StringComparison.Ordinal)))
            {
                string path = line[(line.LastIndexOf(", ", StringComparison.Ordinal) + 2)..];
                var record = Sgf.ReadFile(path);
                Assert.Contains($": {record.Result} by ", line);
                Assert.Contains($"after {record.Moves.Length} moves", line);
            }
            Assert.Equal(2, Directory.GetFiles(dir, "*.sgf").Length);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--white", GnuGo)] // --black missing
    [InlineData("--black", GnuGo, "--white", GnuGo, "--games", "0")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--size", "25")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--max-moves", "0")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--parallel", "0")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--timeout", "-1")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--sprt", "0")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--sprt", "5,5")]
    [InlineData("--black", GnuGo, "--white", GnuGo, "--sprt", "0,50", "--sprt-alpha", "0.7")]
    [InlineData("--black", "/nonexistent/engine", "--white", GnuGo)]
    [InlineData("--black", GnuGo, "--white", "/bin/true")] // starts, but exits without answering
    [InlineData("--black", GnuGo, "--white", "/usr/games/gnugo --mode 'gtp")] // unclosed quote
    public void Bad_arguments_and_engines_that_cannot_start_give_one_error_line_and_exit_code_2(params string[] rest)
    {
        var (code, _, error) = CliTests.Run(["match", .. rest]);
        Assert.Equal(Cli.UsageError, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
    }

    [Fact]
    public void Unwritable_SGF_folder_gives_one_error_line_and_exit_code_2()
    {
        string file = Path.GetTempFileName(); // a file where the folder should be
        try
        {
            var (code, _, error) = CliTests.Run("match", "--black", GnuGo, "--white", GnuGo, "--games", "1", "--sgf-dir", file);
            Assert.Equal(Cli.UsageError, code);
            Assert.StartsWith($"error: cannot write SGF files to {file}: ", error);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Help_describes_the_options()
    {
        var (code, output, _) = CliTests.Run("match", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--black", "--white", "--games", "--size", "--komi", "--sgf-dir", "--max-moves", "--parallel", "--timeout", "--sprt" })
            Assert.Contains(option, output);
    }
}
