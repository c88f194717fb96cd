using System.Diagnostics;
using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>The precisebn role on a node of its own: once it is in the cluster the trainer's publications carry
/// statistics measured there; killed with SIGKILL, the trainer measures them itself and training goes on.</summary>
public sealed class PreciseBnNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);

    [Fact]
    public void PublicationsUseTheStatisticsOfThePreciseBnNodeAndFallBackToTheTrainerWhenItIsKilled()
    {
        var clock = Stopwatch.StartNew();
        using var h = new ClusterHarness(3);
        var (t, s, p) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        string remote = $"@127.0.0.1:{p}";
        h.Start("trainer", t, "--node-config", h.NodeFile("trainer-node.json", """{ "preciseBnTimeoutSeconds": 10 }"""));
        h.Start("selfplay", s);
        var precise = h.Start("precisebn", p);

        h.WaitUntil("two generations published with statistics measured on the precisebn node", Step,
            () => h.PublicationNodes().Count(x => x.Node?.EndsWith(remote, StringComparison.Ordinal) == true) >= 2);
        var before = h.PublicationNodes();
        int firstRemote = before.FindIndex(x => x.Node?.EndsWith(remote, StringComparison.Ordinal) == true);
        // From the first delegated publication on, every publication was measured there.
        Assert.All(before.Skip(firstRemote), x => Assert.EndsWith(remote, x.Node));
        // Before it, the trainer measured (no precisebn node yet); the initial model has no Precise BN.
        Assert.All(before.Take(firstRemote).Where(x => x.Generation > 0), x => Assert.Equal("local", x.Node));
        Assert.Contains("statistics of {Layers} layers sent to {Trainer}", h.Log("precisebn", p));
        Assert.Contains("Precise BN delegated to {Worker}", h.Log("trainer", t));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: publications {string.Join(", ", before.Select(x => $"{x.Generation}:{x.Node ?? "-"}"))}");

        h.Kill(precise);
        long atKill = h.LastGeneration();
        var killedAt = clock.Elapsed;
        h.WaitUntil("two generations after the kill measured on the trainer node", Step,
            () => h.PublicationNodes().Count(x => x.Generation > atKill && x.Node == "local") >= 2);
        var after = h.PublicationNodes().Where(x => x.Generation > atKill).ToList();
        // At most the generation in flight at the kill can still have been answered by the killed node.
        Assert.All(after.Where(x => x.Generation > atKill + 1), x => Assert.Equal("local", x.Node));
        string trainerLog = h.Log("trainer", t);
        Assert.True(trainerLog.Contains("Precise BN falls back to the trainer node", StringComparison.Ordinal)
                    || trainerLog.Contains("no precisebn node is reachable", StringComparison.Ordinal),
            "the trainer's log says nothing about running Precise BN itself");
        Assert.Equal(after.Select(x => x.Generation).OrderBy(g => g), after.Select(x => x.Generation)); // training went on, in order
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: killed the precisebn node at generation {atKill} ({killedAt.TotalSeconds:0} s); " +
                         $"then {string.Join(", ", after.Select(x => $"{x.Generation}:{x.Node}"))}");
    }
}
