namespace SelfPlayBN.NativeFix.Tests;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Weak(string file, params string[] extra) =>
        ["glibcxx-weak", "--needed", "libfixdep.so.1", "--host-lib", Fixtures.HostFixdep, .. extra, file];

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("glibcxx-weak")]
    [InlineData("glibcxx-weak", "--bogus", "x.so")]
    [InlineData("glibcxx-weak", "x.so", "--host-lib")]
    [InlineData("inspect")]
    [InlineData("inspect", "--bogus", "x.so")]
    public void Bad_arguments_exit_2_with_one_error_line(params string[] args)
    {
        (int code, _, string err) = Run(args);
        Assert.Equal(Cli.UsageError, code);
        if (args.Length > 0) Assert.Matches("^error: [^\n]+\n$", err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Help_exits_0()
    {
        (int code, string output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("glibcxx-weak", output);
        Assert.Contains("ldconfig -p", output);
    }

    [Fact]
    public void Patches_then_reports_already_patched()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);

        (int code, string output, string err) = Run(Weak(file, "--allow", "fix_never_called"));
        Assert.Equal((0, ""), (code, err));
        Assert.Equal($"{file}: patched: marked weak FIXDEP_3.4.32 (needed only by fix_never_called) of libfixdep.so.1, which host {Fixtures.HostFixdep} lacks",
                     output.Trim());

        (code, output, _) = Run(Weak(file, "--allow", "fix_never_called"));
        Assert.Equal(0, code);
        Assert.StartsWith($"{file}: already patched: FIXDEP_3.4.32", output);
    }

    [Fact]
    public void Host_with_all_versions_says_nothing_to_do()
    {
        if (!OperatingSystem.IsLinux()) return;
        (int code, string output, _) = Run("glibcxx-weak", "--needed", "libfixdep.so.1", "--host-lib", Fixtures.FullFixdep, Fixtures.LibUser);
        Assert.Equal(0, code);
        Assert.Contains("nothing to do: host", output);
    }

    [Fact]
    public void Refusal_missing_file_and_corrupt_file_exit_1_with_one_error_line_each()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDir();
        string refused = dir.Copy(Fixtures.LibUser);
        string corrupt = Path.Combine(dir.Path, "corrupt.so");
        File.WriteAllText(corrupt, "nope");
        string missing = Path.Combine(dir.Path, "missing.so");

        (int code, string output, string err) = Run([.. Weak(refused), missing, corrupt]);

        Assert.Equal(Cli.Failed, code);
        Assert.Equal("", output);
        string[] lines = err.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("error: ", l));
        Assert.Contains("refused", lines[0]);
        Assert.Contains($"{missing}: no such file", lines[1]);
        Assert.Contains($"{corrupt}: not an ELF file", lines[2]);
    }

    [Fact]
    public void Inspect_lists_versions_flags_and_symbols()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);

        (int code, string output, _) = Run("inspect", file);
        Assert.Equal(0, code);
        Assert.Contains("needs libfixdep.so.1", output);
        Assert.Contains("FIXDEP_3.4.32 (index 3, flags none", output);
        Assert.Contains("<- 1 symbol: fix_never_called", output);
        Assert.Contains("FIXDEP_1.0 (index 2, flags none", output);

        WeakVersionFix.Run(file, Fixtures.Options());
        (_, output, _) = Run("inspect", file, Fixtures.FullFixdep);
        Assert.Contains("FIXDEP_3.4.32 (index 3, flags weak", output);
        Assert.Contains("defines 2 versions: FIXDEP_1.0, FIXDEP_3.4.32", output);
    }

    [Fact]
    public void Inspect_of_a_corrupt_file_exits_1()
    {
        using var dir = new TempDir();
        string script = Path.Combine(dir.Path, "script.sh");
        File.WriteAllText(script, "#!/bin/sh\n");

        (int code, _, string err) = Run("inspect", script);

        Assert.Equal(Cli.Failed, code);
        Assert.StartsWith($"error: {script}: not an ELF file", err);
    }
}
