using Akka.Actor;
using SelfPlayBN.Actors.Cluster;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The trainer node's side of delegated Precise BN as a plain class: which node gets a job, one job at a time,
/// answers assembled and checked, and when a job falls back to the trainer node.</summary>
public sealed class PreciseBnDelegationStateTests
{
    private static readonly Address Self = new("akka.tcp", "selfplaybn", "10.0.0.1", 4053);
    private static readonly Address A = new("akka.tcp", "selfplaybn", "10.0.0.2", 4053);
    private static readonly Address B = new("akka.tcp", "selfplaybn", "10.0.0.3", 4053);
    private static readonly string[] PreciseBn = [ClusterNodeOptions.PreciseBnRole];

    private static SnapshotTaken Snapshot(long generation) =>
        new(generation, [(byte)generation, 2, 3], new LossSummary(1, 0.5, 0.1, 0.05, 10 * generation), 1.5);

    private static PreciseBnDelegation Delegation() =>
        new(Self, positions: 256, s => new ModelAnnounced(s.Generation, Models.Sha256(s.Weights), s.Weights.Length, 1024, "snapshot", "tictactoe", "{}"));

    private static PreciseBnComputedPart[] Answer(Guid job, SnapshotTaken s, string? sha = null) =>
        PreciseBnParts.SplitMeasurement(job, s.Generation, sha ?? Models.Sha256(s.Weights),
            Enumerable.Range(0, 40).Select(i => new BnLayerStatistics($"bn{i}", "default", new double[16], new double[16])).ToArray(),
            new StalenessSummary(0.2, 0.1, "bn3", 1.1, 1.0, 0.4, 256), maxBytes: 2_000);

    /// <summary>A delegation whose one precisebn node is <see cref="A"/>, with <paramref name="s"/>'s job given to it.</summary>
    private static (PreciseBnDelegation D, MeasurePreciseBn Job) DelegatedToA(SnapshotTaken s)
    {
        var d = Delegation();
        d.MembersKnown();
        d.Up(A, PreciseBn);
        d.Enqueue(s);
        var step = Assert.IsType<DelegateJob>(d.Next());
        Assert.Equal(A, step.Worker);
        return (d, step.Job);
    }

    [Fact]
    public void Jobs_wait_for_the_members_go_to_the_first_reachable_precisebn_node_and_run_here_without_one()
    {
        var d = Delegation();
        Assert.False(d.Up(Self, PreciseBn));         // never this node
        Assert.False(d.Up(B, ["selfplay"]));          // not the role
        d.Enqueue(Snapshot(1));
        Assert.Null(d.Next());                        // the members are not known yet
        d.MembersKnown();
        var here = Assert.IsType<MeasureHere>(d.Next());
        Assert.Null(here.Warning);                    // no precisebn node at all: nothing to warn about
        Assert.Null(d.Next());                        // one job at a time
        d.Published();

        Assert.True(d.Up(B, PreciseBn));
        Assert.True(d.Up(A, PreciseBn));
        Assert.False(d.Up(A, PreciseBn));
        d.Enqueue(Snapshot(2));
        var job = Assert.IsType<DelegateJob>(d.Next());
        Assert.Equal(A, job.Worker);                  // the first in address order
        Assert.Equal((2L, 256, d.JobId), (job.Job.Snapshot.Version, job.Job.Positions, job.Job.JobId));
        d.Published();

        d.Unreachable(A);
        d.Unreachable(B);
        d.Enqueue(Snapshot(3));
        Assert.Contains("no precisebn node is reachable", Assert.IsType<MeasureHere>(d.Next()).Warning);
        d.Published();
        d.Reachable(B);
        d.Enqueue(Snapshot(4));
        Assert.Equal(B, Assert.IsType<DelegateJob>(d.Next()).Worker);
    }

    [Fact]
    public void An_answer_is_assembled_from_its_parts_and_one_for_another_job_or_snapshot_is_not_used()
    {
        var s = Snapshot(5);
        var (d, job) = DelegatedToA(s);

        var forged = Answer(Guid.NewGuid(), s);
        Assert.Null(d.Answer(forged[0], out bool ignored));
        Assert.True(ignored);

        var parts = Answer(job.JobId, s);
        Assert.True(parts.Length > 1);
        DelegatedAnswer? whole = null;
        foreach (var part in parts.Reverse())
        {
            Assert.Null(whole);
            whole = d.Answer(part, out ignored);
            Assert.False(ignored);
        }
        Assert.NotNull(whole);
        Assert.Equal((s, job.JobId, A.ToString(), 40), (whole.Snapshot, whole.JobId, whole.Node, whole.Layers.Length));
        Assert.True(d.Applying);
        Assert.Null(d.Unreachable(A));                // the answer is in: the node is no longer needed

        var (other, otherJob) = DelegatedToA(s);
        var wrongSnapshot = Answer(otherJob.JobId, s, sha: "00");
        foreach (var part in wrongSnapshot.SkipLast(1)) other.Answer(part, out _);
        Assert.Throws<InvalidDataException>(() => other.Answer(wrongSnapshot[^1], out _));
    }

    [Fact]
    public void A_lost_worker_gives_the_job_to_the_trainer_node_and_its_late_answer_is_ignored()
    {
        var s = Snapshot(6);
        var (d, job) = DelegatedToA(s);
        Assert.True(d.IsDelegated(job.JobId));

        Assert.True(d.Gone(A, "Removed", out var fallback));
        Assert.Contains("it left the cluster (Removed)", fallback);
        Assert.Same(s, d.Fallback());
        Assert.False(d.IsDelegated(job.JobId));
        Assert.Null(d.Fallback());                    // measured here now: nothing more to give back
        Assert.Null(d.Answer(Answer(job.JobId, s)[0], out bool ignored));
        Assert.True(ignored);
        Assert.Equal(0, d.Workers);
    }
}
