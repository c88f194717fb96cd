namespace SelfPlayBN.Trainer.Tests;

/// <summary>The command line, run in-process: exit codes and messages.</summary>
public sealed class CliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("train", "--help")]
    [InlineData("info", "--help")]
    [InlineData("solve", "--help")]
    [InlineData("bench", "--help")]
    [InlineData("report", "--help")]
    [InlineData("gtp", "--help")]
    public void Help_works_everywhere(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public void Root_help_lists_every_command()
    {
        var (_, output, _) = Run("--help");
        foreach (var name in new[] { "train", "info", "solve", "bench" }) Assert.Contains(name, output);
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("info", "--no-such-option")]
    [InlineData("bench", "--seconds", "abc")]
    [InlineData("--threads", "x")]
    public void Bad_arguments_give_one_error_line_and_exit_code_2(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(Cli.UsageError, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
    }

    [Fact]
    public void Unknown_benchmark_is_named_in_the_error()
    {
        var (code, _, error) = Run("bench", "--only", "nonsense");
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("nonsense", error);
    }

    [Fact]
    public void No_subcommand_means_train()
    {
        Assert.Equal(["train"], Cli.WithDefaultCommand(Cli.Build(TextWriter.Null, TextWriter.Null), []));
        Assert.Equal(["train", "--seed", "3"], Cli.WithDefaultCommand(Cli.Build(TextWriter.Null, TextWriter.Null), ["--seed", "3"]));
        Assert.Equal(["info"], Cli.WithDefaultCommand(Cli.Build(TextWriter.Null, TextWriter.Null), ["info"]));
        Assert.Equal(["--help"], Cli.WithDefaultCommand(Cli.Build(TextWriter.Null, TextWriter.Null), ["--help"]));
    }

    [Fact]
    public void Info_reports_the_cpu_backend_and_libtorch()
    {
        var (code, output, error) = Run("info");
        Assert.True(code == 0, error);
        Assert.Contains("backend       cpu", output);
        Assert.Matches(@"libtorch\s+2\.\d+", output);
        Assert.Contains("threads", output);
    }

    [Fact]
    public void Info_refuses_a_libtorch_directory_on_a_nuget_backend()
    {
        var (code, _, error) = Run("info", "--libtorch", "/nonexistent");
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("TorchBackend=external", error);
    }

    [Fact]
    public void Bench_lists_its_benchmarks()
    {
        var (code, output, _) = Run("bench", "--list");
        Assert.Equal(0, code);
        Assert.Contains("inference", output);
    }
}
