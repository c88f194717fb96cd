using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>How a cluster run ends: a trainer stopped by hand leaves the self-play nodes waiting for it; a trainer that
/// reaches its limit announces the end, and every node stops cleanly.</summary>
public sealed class RunEndTests(ITestOutputHelper output)
{
    [Fact]
    public void WhenTheTrainerReachesItsGenerationLimitEveryNodeStopsWithExitCodeZero()
    {
        using var h = new ClusterHarness(3);
        var (t, s1, s2) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        var trainer = h.Start("trainer", t);
        var first = h.Start("selfplay", s1);
        var second = h.Start("selfplay", s2);
        h.WaitUntil("all three nodes Up and a generation published with games from both self-play nodes", TimeSpan.FromSeconds(120),
            () => h.LastGeneration() >= 1 && h.Acknowledged(s1).Count > 0 && h.Acknowledged(s2).Count > 0 && h.AllUp(t, s1, s2));

        // Stopped by hand (SIGTERM): no announcement, the self-play nodes stay and wait for a trainer.
        h.Stop(trainer);
        Assert.Equal(0, trainer.ExitCode);
        long stoppedAt = h.LastGeneration();
        Assert.False(first.HasExited || second.HasExited, "a self-play node stopped with the trainer stopped by hand");
        Assert.DoesNotContain("ended the run", first.Output + second.Output);

        // Started again with a limit two generations on: it rejoins the waiting nodes, trains, and ends the run.
        long limit = stoppedAt + 2;
        var limited = h.Start("trainer", t, "--generations", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(limited.WaitForExit(TimeSpan.FromMinutes(3)), $"the trainer node did not stop at its limit\n{h.Diagnostics()}");
        foreach (var node in new[] { first, second })
            Assert.True(node.WaitForExit(TimeSpan.FromMinutes(1)), $"{node.Name} did not stop after the run ended\n{h.Diagnostics()}");

        Assert.Equal(0, limited.ExitCode);
        Assert.Contains($"stopping: reached {limit} generations", limited.Output);
        Assert.True(h.LastGeneration() >= limit, $"last publication {h.LastGeneration()}, limit {limit}");
        foreach (var node in new[] { first, second })
        {
            Assert.True(node.ExitCode == 0, $"{node.Name} exited with {node.ExitCode}\n{node.Output}");
            Assert.Contains($"the trainer ended the run after generation {limit} (reached {limit} generations): stopping", node.Output);
            Assert.Contains("node stopped", node.Output);
        }
        output.WriteLine($"stopped by hand at generation {stoppedAt}; restarted with --generations {limit}: trainer and both self-play nodes stopped");
    }
}
