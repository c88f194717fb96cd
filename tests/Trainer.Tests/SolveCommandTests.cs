namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// <c>solve connect4</c> as a user runs it: the real executable, positions on standard input, answers on
/// standard output, errors on standard error.
/// </summary>
public sealed class SolveCommandTests
{
    private static ProcessRunner.Result Solve(string input, params string[] extra)
    {
        string exe = Path.Combine(RepoPaths.Root, "src", "Trainer", "bin", RepoPaths.Configuration, "net10.0", "selfplaybn.dll");
        Assert.True(File.Exists(exe), $"{exe} is not built");
        return ProcessRunner.Run(ProcessRunner.Dotnet, [exe, "solve", .. extra], input, TimeSpan.FromMinutes(3));
    }

    private static string[] Symbols(string answerLine, string position)
    {
        Assert.StartsWith(position + " ", answerLine);
        var symbols = answerLine[(position.Length + 1)..].Split(' ');
        Assert.Equal(7, symbols.Length);
        Assert.All(symbols, s => Assert.Contains(s, new[] { "W", "D", "L", "-" }));
        return symbols;
    }

    [Fact]
    public void Answers_each_line_in_order_and_names_invalid_lines_without_stopping()
    {
        // 121212: the first player has three in column 1 and is to move: only column 1 wins at once.
        // 111111: column 1 is full.
        // 4453 is the example from the specification.
        var result = Solve("121212\n111111\n12x4\n4453\n44444444\n", "connect4");
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);

        var first = Symbols(lines[0], "121212");
        Assert.Equal("W", first[0]);
        var full = Symbols(lines[1], "111111");
        Assert.Equal("-", full[0]);
        Assert.DoesNotContain("-", full[1..]);
        Symbols(lines[2], "4453");

        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.Contains("line 3", errors[0]);
        Assert.Contains("12x4", errors[0]);
        Assert.Contains("line 5", errors[1]);
        Assert.Contains("44444444", errors[1]);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Not_blocking_an_immediate_threat_loses()
    {
        // 12131: the first player has three stones in column 1 and the second player is to move: any
        // column but 1 lets the first player complete four at once.
        var result = Solve("12131\n", "connect4");
        Assert.Equal(0, result.ExitCode);
        var symbols = Symbols(result.Output.Trim(), "12131");
        Assert.All(symbols[1..], s => Assert.Equal("L", s));
    }

    [Fact]
    public void Unknown_games_are_refused_by_name()
    {
        var result = Solve("", "chess");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("chess", result.Error);
        Assert.Contains("connect4", result.Error);
    }
}
