using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>A run that reaches its limit ends the whole cluster: the trainer announces it and every node stops cleanly.</summary>
public sealed class RunEndTests(ITestOutputHelper output)
{
    [Fact]
    public void WhenTheTrainerReachesItsGenerationLimitEveryNodeStopsWithExitCodeZero()
    {
        using var h = new ClusterHarness(3);
        var (t, s1, s2) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        var trainer = h.Start("trainer", t, "--generations", "3");
        var first = h.Start("selfplay", s1);
        var second = h.Start("selfplay", s2);

        Assert.True(trainer.WaitForExit(TimeSpan.FromMinutes(3)), $"the trainer node did not stop at its limit\n{h.Diagnostics()}");
        foreach (var node in new[] { first, second })
            Assert.True(node.WaitForExit(TimeSpan.FromMinutes(1)), $"{node.Name} did not stop after the run ended\n{h.Diagnostics()}");

        Assert.Equal(0, trainer.ExitCode);
        Assert.Contains("stopping: reached 3 generations", trainer.Output);
        Assert.Matches(@"node stopped after generation [3-9]", trainer.Output); // its checkpoint may hold the generation in flight
        Assert.True(h.LastGeneration() >= 3, $"last publication {h.LastGeneration()}");
        foreach (var node in new[] { first, second })
        {
            Assert.True(node.ExitCode == 0, $"{node.Name} exited with {node.ExitCode}\n{node.Output}");
            Assert.Contains("the trainer ended the run after generation 3 (reached 3 generations): stopping", node.Output);
            Assert.Contains("node stopped", node.Output);
        }
        output.WriteLine($"trainer and both self-play nodes stopped after generation {h.LastGeneration()}");
    }
}
