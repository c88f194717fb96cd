using System.Runtime.InteropServices;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// The external backend end to end: build the executable with <c>-p:TorchBackend=external</c> (no libtorch
/// from NuGet), then load libtorch from a directory named on the command line. The directory used is the
/// libtorch that the CPU backend's NuGet package unpacked, which stands in for a PyTorch install's torch/lib.
/// </summary>
public sealed class ExternalBackendTests
{
    private static string? NuGetLibTorchDirectory()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var root = Path.Combine(packages, "libtorch-cpu-linux-x64");
        if (!Directory.Exists(root)) return null;
        return Directory.EnumerateDirectories(root)
            .Select(d => Path.Combine(d, "runtimes", "linux-x64", "native"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
    }

    [Fact]
    public void An_external_build_loads_libtorch_from_the_named_directory_and_demands_one()
    {
        // The stand-in libtorch directory exists only where the CPU backend restored linux-x64 natives.
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        string? libtorch = NuGetLibTorchDirectory();
        Assert.True(libtorch != null, "the CPU backend's libtorch-cpu-linux-x64 package is not in the NuGet cache");

        var build = ProcessRunner.Run(ProcessRunner.Dotnet,
            ["build", "src/Trainer/SelfPlayBN.Trainer.csproj", "-c", RepoPaths.Configuration, "-p:TorchBackend=external", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
            timeout: TimeSpan.FromMinutes(8));
        Assert.True(build.ExitCode == 0, build.Output + build.Error);

        string dir = Path.Combine(RepoPaths.Root, "artifacts", "external", "bin", "SelfPlayBN.Trainer", RepoPaths.Configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(dir, "selfplaybn.dll")), $"no external build in {dir}");
        Assert.False(File.Exists(Path.Combine(dir, "runtimes", "linux-x64", "native", "libtorch_cpu.so")), "the external build must not carry libtorch");

        var withDir = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(dir, "selfplaybn.dll"), "info", "--libtorch", libtorch]);
        Assert.True(withDir.ExitCode == 0, withDir.Output + withDir.Error);
        Assert.Contains("backend       external", withDir.Output);
        Assert.Contains($"loaded from   {libtorch}", withDir.Output);

        var fromEnvironment = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(dir, "selfplaybn.dll"), "info"],
            environment: new Dictionary<string, string?> { ["SELFPLAYBN_LIBTORCH"] = libtorch });
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.Output + fromEnvironment.Error);
        Assert.Contains($"loaded from   {libtorch}", fromEnvironment.Output);

        var without = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(dir, "selfplaybn.dll"), "info"],
            environment: new Dictionary<string, string?> { ["SELFPLAYBN_LIBTORCH"] = null });
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("external libtorch backend", without.Error);

        var wrongDir = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(dir, "selfplaybn.dll"), "info", "--libtorch", RepoPaths.Root]);
        Assert.Equal(2, wrongDir.ExitCode);
        Assert.Contains("libc10", wrongDir.Error);
    }
}
