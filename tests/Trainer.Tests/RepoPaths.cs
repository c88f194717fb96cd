using System.Reflection;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>Locations in the repository checkout these tests run from.</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding SelfPlayBN.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of the test assembly (Debug or Release).</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SelfPlayBN.sln"))) return dir.FullName;
        throw new InvalidOperationException($"SelfPlayBN.sln not found above {AppContext.BaseDirectory}");
    }
}
