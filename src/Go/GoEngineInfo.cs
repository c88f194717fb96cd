namespace SelfPlayBN.Go;

/// <summary>Name and version this project's Go engine reports (GTP <c>name</c>, <c>version</c>; SGF <c>AP</c>).</summary>
public static class GoEngineInfo
{
    /// <summary>The engine's name.</summary>
    public const string Name = "SelfPlayBN";

    /// <summary>The engine's version (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } =
        (typeof(GoEngineInfo).Assembly.GetName().Version ?? new Version(0, 1)).ToString(3);
}
