using SelfPlayBN.Go;

namespace SelfPlayBN.Go.Tests;

public sealed class GoEngineInfoTests
{
    [Fact]
    public void Version_has_three_numeric_parts()
    {
        var parts = GoEngineInfo.Version.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.True(int.TryParse(p, out _), p));
    }

    [Fact]
    public void The_gtp_version_passes_lizzie_s_leela_zero_check()
    {
        using var s = new GtpSession(Engines.Uniform(size: 9));
        string answer = s.Send("1 version");
        Assert.StartsWith("=1 ", answer);
        // Lizzie: split the answer's first word at '.', parse the second part as Leela Zero's minor version, warn below 15.
        var parts = answer[3..].Split(' ')[0].Split('.');
        Assert.True(parts.Length >= 2, answer);
        Assert.True(int.TryParse(parts[1], out int minor) && minor >= 15, $"Lizzie would warn about or fail on '{answer}'");
        Assert.Equal("= " + GoEngineInfo.Name, s.Send("name"));
    }
}
