namespace SelfPlayBN.Go;

/// <summary>Name and version this project's Go engine reports (GTP <c>name</c>, <c>version</c>; SGF <c>AP</c>).</summary>
public static class GoEngineInfo
{
    /// <summary>The engine's name.</summary>
    public const string Name = "SelfPlayBN";

    /// <summary>The engine's version (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } =
        (typeof(GoEngineInfo).Assembly.GetName().Version ?? new Version(0, 1)).ToString(3);

    /// <summary>
    /// What GTP <c>version</c> answers: <c>0.17</c>, the Leela Zero release whose analysis protocol
    /// (<c>lz-analyze</c>, <c>lz-genmove_analyze</c>) the engine speaks.
    /// </summary>
    /// <remarks>
    /// Not <see cref="Version"/>, because Lizzie takes any engine whose <c>name</c> does not start with
    /// <c>KataGo</c> for Leela Zero, splits the <c>version</c> answer at its dots and parses the second part as
    /// Leela Zero's minor version: below 15 it warns on every start that analysis needs Leela Zero 0.15 or later
    /// ("1.0.0" gives 0), and a version without a second numeric part (no dot, or "17-x") throws inside its reader
    /// and stops its analysis altogether. Sabaki only shows the answer. The engine's own version is
    /// <see cref="Version"/>: the <c>gtp</c> command prints it on standard error at start, and SGF files carry it.
    /// </remarks>
    public const string GtpVersion = "0.17";
}
