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
}
