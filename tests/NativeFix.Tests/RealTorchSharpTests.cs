using SelfPlayBN.NativeFix.Elf;
using Xunit.Abstractions;

namespace SelfPlayBN.NativeFix.Tests;

/// <summary>The case the tool exists for: TorchSharp 0.107.0's libLibTorchSharp.so, from the NuGet cache when it is there.</summary>
public class RealTorchSharpTests(ITestOutputHelper output)
{
    private static string NuGetPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string LibTorchSharp =>
        Path.Combine(NuGetPackages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void Only_GLIBCXX_3_4_32_of_libLibTorchSharp_becomes_weak()
    {
        if (!File.Exists(LibTorchSharp))
        {
            output.WriteLine($"skipped: {LibTorchSharp} is not in the NuGet cache");
            return;
        }
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine("skipped: not Linux");
            return;
        }
        string? hostStdcxx = HostLibraryLocator.Find("libstdc++.so.6", 62);
        Assert.NotNull(hostStdcxx);

        using var dir = new TempDir();
        string file = dir.Copy(LibTorchSharp);
        byte[] before = File.ReadAllBytes(file);
        ElfFile original = ElfFile.Load(file);
        VersionNeedAux target = original.FindNeed("libstdc++.so.6")!.Versions.Single(v => v.Name == "GLIBCXX_3.4.32");
        Assert.Equal(["_ZSt21ios_base_library_initv"], original.SymbolsRequiring(target).Select(s => s.Name));

        WeakVersionFixResult result = WeakVersionFix.Run(file, new WeakVersionFixOptions { HostLibraryPath = hostStdcxx });
        output.WriteLine(result.Message);

        if (ElfFile.Load(hostStdcxx).DefinedVersionNames.Contains("GLIBCXX_3.4.32"))
        {
            Assert.Equal(WeakVersionFixOutcome.HostHasAllVersions, result.Outcome);
            Assert.Equal(before, File.ReadAllBytes(file));
            return;
        }
        Assert.Equal(WeakVersionFixOutcome.Patched, result.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], result.PatchedVersions);
        Assert.Equal([(int)target.FlagsFileOffset], FileSystem.Differences(before, File.ReadAllBytes(file)));
        var weak = ElfFile.Load(file).VersionNeeds.SelectMany(n => n.Versions).Where(v => v.IsWeak).ToList();
        Assert.Equal(("libstdc++.so.6", "GLIBCXX_3.4.32"), (Assert.Single(weak).File, weak[0].Name));

        Assert.Equal(WeakVersionFixOutcome.AlreadyPatched, WeakVersionFix.Run(file, new WeakVersionFixOptions()).Outcome);
    }
}
