using SelfPlayBN.Actors.Cluster;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>What a Precise BN worker gathers for a job, as a plain class: only the job's snapshot and its own sample
/// count, and the inputs are handed out checked.</summary>
public sealed class PreciseBnJobInputsTests
{
    private static readonly byte[] Weights = [1, 2, 3, 4, 5];
    private static readonly ModelAnnounced Snapshot = new(7, Models.Sha256(Weights), Weights.Length, 1024, "snapshot", "tictactoe", "{}");

    private static List<ReplayPosition> Sample(int count)
    {
        var rng = new Random(3);
        var games = Enumerable.Range(0, 10).Select(_ => TestRecords.RandomTicTacToe(rng)).ToList();
        return Enumerable.Range(0, count).Select(i => new ReplayPosition(games[i % games.Count], 0)).ToList();
    }

    [Fact]
    public void The_inputs_are_the_jobs_snapshot_and_its_sample_handed_out_when_both_are_in()
    {
        var inputs = new PreciseBnJobInputs(new MeasurePreciseBn(Guid.NewGuid(), Snapshot, 40), TicTacToeGame.Instance);
        Assert.False(inputs.Snapshot(Snapshot with { Version = 6 }, Weights));
        Assert.False(inputs.Snapshot(Snapshot with { Sha256 = "00" }, Weights));
        Assert.True(inputs.Snapshot(Snapshot, Weights));
        Assert.False(inputs.Complete);
        Assert.Throws<InvalidOperationException>(() => inputs.Take());

        var sample = Sample(40);
        var parts = MessageParts.SplitSample(inputs.SampleRequest, sample, maxBytes: 2_000);
        Assert.True(parts.Length > 1);
        Assert.False(inputs.Part(MessageParts.SplitSample(Guid.NewGuid(), sample)[0])); // another request's answer
        foreach (var part in parts.Reverse()) Assert.True(inputs.Part(part));
        Assert.True(inputs.Complete);
        var (snapshot, positions) = inputs.Take();
        Assert.Equal(Weights, snapshot);
        Assert.Equal(sample.Select(p => (p.Game.Id, p.Ply)), positions.Select(p => (p.Game.Id, p.Ply)));
    }

    [Fact]
    public void Too_few_positions_or_a_game_of_another_shape_are_refused_by_name()
    {
        var job = new MeasurePreciseBn(Guid.NewGuid(), Snapshot, 40);
        var few = new PreciseBnJobInputs(job, TicTacToeGame.Instance);
        few.Snapshot(Snapshot, Weights);
        foreach (var part in MessageParts.SplitSample(few.SampleRequest, Sample(30))) few.Part(part);
        Assert.Contains("30 positions, 40 are needed", Assert.Throws<InvalidDataException>(() => few.Take()).Message);

        var foreign = new PreciseBnJobInputs(job, SelfPlayBN.Games.ConnectFour.ConnectFourGame.Instance);
        foreign.Snapshot(Snapshot, Weights);
        foreach (var part in MessageParts.SplitSample(foreign.SampleRequest, Sample(40))) foreign.Part(part);
        Assert.StartsWith("sampled positions:", Assert.Throws<InvalidDataException>(() => foreign.Take()).Message);
    }
}
