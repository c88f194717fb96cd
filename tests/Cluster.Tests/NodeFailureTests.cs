using System.Diagnostics;
using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>
/// The training pipeline as a cluster of real <c>selfplaybn node</c> processes on 127.0.0.1, training Tic-tac-toe
/// on a tiny configuration: nodes are killed with SIGKILL and started again, and every claim is checked by counts read
/// from the run folder (replay segments, <c>metrics.jsonl</c>, the self-play nodes' event files). The tests of this
/// assembly run one at a time (<c>xunit.runner.json</c>); timeouts are generous for a loaded 2-core machine and only
/// bound the wait: each step proceeds as soon as the files show what it waits for.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);

    [Fact]
    public void ThreeNodesTrainAKilledSelfPlayNodeLeavesTheOthersTrainingAndALateJoinerGetsTheCurrentModel()
    {
        var clock = Stopwatch.StartNew();
        using var h = new ClusterHarness(4);
        var (t, s1, s2, s3) = (h.Ports[0], h.Ports[1], h.Ports[2], h.Ports[3]);
        h.Start("trainer", t);
        h.Start("selfplay", s1);
        var second = h.Start("selfplay", s2);

        h.WaitUntil("all three nodes Up and generation 2 published with games from both self-play nodes", Step,
            () => h.LastGeneration() >= 2 && h.Acknowledged(s1).Count > 0 && h.Acknowledged(s2).Count > 0 && h.AllUp(t, s1, s2));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: 3 nodes trained to generation {h.LastGeneration()}; acknowledged {h.Acknowledged(s1).Count} + {h.Acknowledged(s2).Count} games");

        // Garbage on the remoting ports (an oversized frame header, then random bytes): logged and dropped, no node stops.
        foreach (int port in new[] { t, s1 }) ClusterHarness.SendGarbage(port);

        h.Kill(second);
        long generationAtKill = h.LastGeneration();
        int firstAtKill = h.Acknowledged(s1).Count;
        var killedNodeGames = h.Acknowledged(s2);
        h.WaitUntil("two more generations and 30 more games from the surviving self-play node", Step,
            () => h.LastGeneration() >= generationAtKill + 2 && h.Acknowledged(s1).Count >= firstAtKill + 30);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: after the kill, generation {generationAtKill} -> {h.LastGeneration()}, surviving node {firstAtKill} -> {h.Acknowledged(s1).Count} games");

        long generationAtJoin = h.LastGeneration();
        h.Start("selfplay", s3);
        h.WaitUntil("the late joiner serves a model and contributes games", Step,
            () => h.ServedModels(s3).Count > 0 && h.Acknowledged(s3).Count >= 10);
        long firstServed = h.ServedModels(s3)[0];
        Assert.True(firstServed >= generationAtJoin, $"the joiner's first model is {firstServed}, generation {generationAtJoin} was current when it started");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: joiner started at generation {generationAtJoin}, served model {firstServed} first, then {h.ServedModels(s3).Count - 1} more; {h.Acknowledged(s3).Count} games acknowledged");

        // Counts: every acknowledged game is on disk exactly once (the killed node's too).
        var acknowledged = h.Acknowledged(s1).Concat(killedNodeGames).Concat(h.Acknowledged(s3)).ToList();
        var onDisk = h.AssertAcknowledgedOnDiskOnce(acknowledged);
        Assert.Equal(killedNodeGames.Count, h.Acknowledged(s2).Count); // nothing acknowledged to a dead node
        // The surviving self-play node followed the publications: it served several models, each newer than the last.
        var served = h.ServedModels(s1);
        Assert.True(served.Count >= 2, $"the self-play node served only models {string.Join(", ", served)}");
        Assert.All(served.Zip(served.Skip(1)), p => Assert.True(p.Second > p.First, $"served {p.Second} after {p.First}"));
        Assert.All(h.ServedModelDetails(s1).Concat(h.ServedModelDetails(s3)), m => Assert.Equal(h.PublishedSha256(m.Version), m.Sha256));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {acknowledged.Count} acknowledged games, all among the {onDisk.Count} distinct games on disk; {h.Publications().Count} publications");
    }

    [Fact]
    public void TheTrainerNodeKilledAndRestartedResumesFromDiskWithEveryAcknowledgedGame()
    {
        var clock = Stopwatch.StartNew();
        using var h = new ClusterHarness(3);
        var (t, s1, s2) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        var trainer = h.Start("trainer", t);
        h.Start("selfplay", s1);
        h.Start("selfplay", s2);
        h.WaitUntil("all three nodes Up and generation 2 published with games from both self-play nodes", Step,
            () => h.LastGeneration() >= 2 && h.Acknowledged(s1).Count > 0 && h.Acknowledged(s2).Count > 0 && h.AllUp(t, s1, s2));

        h.Kill(trainer);
        int firstBeforeKill = h.Acknowledged(s1).Count, secondBeforeKill = h.Acknowledged(s2).Count;
        var acknowledgedBeforeKill = h.Acknowledged(s1).Concat(h.Acknowledged(s2)).ToList();
        long generationBeforeKill = h.LastGeneration();
        int publicationsBeforeKill = h.Publications().Count;
        var onDiskAtKill = h.SegmentGameIds();
        Assert.Empty(acknowledgedBeforeKill.Except(onDiskAtKill)); // acknowledged means on disk
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: killed the trainer node at generation {generationBeforeKill}: {acknowledgedBeforeKill.Count} games acknowledged, {onDiskAtKill.Count} on disk");

        var restarted = h.Start("trainer", t);
        h.WaitUntil("the restarted trainer publishes a newer generation and both self-play nodes get more games acknowledged", Step,
            () => h.LastGeneration() > generationBeforeKill && h.Acknowledged(s1).Count >= firstBeforeKill + 20 && h.Acknowledged(s2).Count >= secondBeforeKill + 20);
        string log = restarted.Output;
        Assert.Contains($"replay buffer: {onDiskAtKill.Distinct().Count()} games", log); // the segments reloaded
        Assert.Matches(@"resuming after generation \d+", log);
        long resumedAt = long.Parse(System.Text.RegularExpressions.Regex.Match(log, @"resuming after generation (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedAt >= generationBeforeKill, $"resumed after generation {resumedAt}, {generationBeforeKill} was published before the kill");
        // The first generation published after the restart continues the run (no restart from generation 1).
        Assert.Equal(resumedAt + 1, h.Publications().Skip(publicationsBeforeKill).First(g => g > resumedAt));

        var acknowledged = h.Acknowledged(s1).Concat(h.Acknowledged(s2)).ToList();
        var onDisk = h.SegmentGameIds();
        Assert.Equal(onDisk.Count, onDisk.Distinct().Count());
        Assert.Empty(acknowledgedBeforeKill.Except(onDisk));
        Assert.Empty(acknowledged.Except(onDisk));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: resumed after generation {resumedAt}, now {h.LastGeneration()}; {acknowledged.Count} acknowledged games, all among the {onDisk.Count} distinct games on disk");
    }

    [Fact]
    public void ASelfPlayNodeFrozenUntilTheClusterDownsItJoinsAgainAsANewIncarnationAndPlaysOn()
    {
        var clock = Stopwatch.StartNew();
        using var h = new ClusterHarness(3);
        var (t, s1, s2) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        // Quicker failure handling than the defaults (10 s + 10 s), so that the test waits seconds for the downing.
        string fast = h.NodeFile("fast.json", """{ "failureDetectionSeconds": 4, "downAfterSeconds": 4, "rejoinAfterDownSeconds": 1 }""");
        h.Start("trainer", t, "--node-config", fast);
        h.Start("selfplay", s1, "--node-config", fast);
        var frozen = h.Start("selfplay", s2, "--node-config", fast);
        h.WaitUntil("all three nodes Up and generation 2 published with games from both self-play nodes", Step,
            () => h.LastGeneration() >= 2 && h.Acknowledged(s1).Count > 0 && h.Acknowledged(s2).Count > 0 && h.AllUp(t, s1, s2));

        // SIGSTOP: the node stops answering heartbeats, as in a long pause or a partition, until the others down and remove it.
        string address = $"akka.tcp://selfplaybn@127.0.0.1:{s2}";
        int Removals() => h.MembershipEvents().Count(e => e.Contains("Leader is removing", StringComparison.Ordinal) && e.Contains(address + "]", StringComparison.Ordinal));
        int removalsBefore = Removals();
        frozen.Signal("STOP");
        long generationAtFreeze = h.LastGeneration();
        int firstAtFreeze = h.Acknowledged(s1).Count;
        h.WaitUntil("the others remove the frozen node and keep training", Step,
            () => Removals() > removalsBefore && h.LastGeneration() > generationAtFreeze && h.Acknowledged(s1).Count > firstAtFreeze);
        int frozenAcknowledged = h.Acknowledged(s2).Count, frozenServed = h.ServedModels(s2).Count;
        long generationAtThaw = h.LastGeneration();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: the frozen node was removed; training went on from generation {generationAtFreeze} to {generationAtThaw}");

        // SIGCONT: the node finds itself downed, and instead of exiting joins again as a new incarnation on its port.
        frozen.Signal("CONT");
        h.WaitUntil("the thawed node joins again, serves a current model and gets 10 more games acknowledged", Step,
            () => frozen.Output.Contains("joining again", StringComparison.Ordinal) && h.ServedModels(s2).Count > frozenServed &&
                  h.Acknowledged(s2).Count >= frozenAcknowledged + 10);
        Assert.False(frozen.HasExited);
        long rejoinedModel = h.ServedModels(s2)[frozenServed];
        Assert.True(rejoinedModel >= generationAtThaw, $"the new incarnation first served model {rejoinedModel}, generation {generationAtThaw} was current when it thawed");

        var acknowledged = h.Acknowledged(s1).Concat(h.Acknowledged(s2)).ToList();
        h.AssertAcknowledgedOnDiskOnce(acknowledged);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: the node joined again, served model {rejoinedModel} and has {h.Acknowledged(s2).Count - frozenAcknowledged} more games acknowledged; {acknowledged.Count} acknowledged games, all on disk once");
    }
}
