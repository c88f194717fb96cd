using SelfPlayBN.Games;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// What a Precise BN worker gathers for one <see cref="MeasurePreciseBn"/> before it measures, as a plain class: the
/// job's snapshot (fetched whole and verified) and the positions the replay buffer samples for it (in frame-sized parts),
/// checked against the game and the job's count when both are in.
/// </summary>
/// <param name="job">The job.</param>
/// <param name="game">The node's game (each sampled game record is validated against it).</param>
public sealed class PreciseBnJobInputs(MeasurePreciseBn job, IGame game)
{
    private byte[]? _snapshot;
    private PartCollector<PositionsSampledPart>? _parts;

    /// <summary>The job.</summary>
    public MeasurePreciseBn Job => job;

    /// <summary>The id of the sample request the positions answer.</summary>
    public Guid SampleRequest { get; } = Guid.NewGuid();

    /// <summary>Whether the snapshot and every part of the sample are in.</summary>
    public bool Complete => _snapshot is not null && _parts is { IsComplete: true };

    /// <summary>Takes a fetched model; false (and nothing kept) when it is not the job's snapshot.</summary>
    public bool Snapshot(ModelAnnounced announced, byte[] weights)
    {
        if (announced.Version != job.Snapshot.Version || announced.Sha256 != job.Snapshot.Sha256) return false;
        _snapshot = weights;
        return true;
    }

    /// <summary>Takes a part of the sample; false when it answers another request.</summary>
    /// <exception cref="InvalidDataException">The part contradicts the others (count, index, repeat).</exception>
    public bool Part(PositionsSampledPart part)
    {
        if (part.RequestId != SampleRequest) return false;
        _parts ??= new PartCollector<PositionsSampledPart>();
        _parts.Add(part.Part, part.Parts, part);
        return true;
    }

    /// <summary>The snapshot and the sampled positions, once <see cref="Complete"/>.</summary>
    /// <exception cref="InvalidOperationException">Not complete.</exception>
    /// <exception cref="InvalidDataException">A sampled game does not fit the game, or fewer positions came than the job needs.</exception>
    public (byte[] Snapshot, ReplayPosition[] Positions) Take()
    {
        if (!Complete) throw new InvalidOperationException("the job's inputs are not all in");
        ReplayPosition[] positions;
        try
        {
            positions = MessageParts.JoinSample(_parts!.InOrder());
            foreach (var p in positions) p.Game.Validate(game.NumActions, game.NumPlayers);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"sampled positions: {e.Message}", e);
        }
        if (positions.Length < job.Positions)
            throw new InvalidDataException($"the replay buffer sent {positions.Length} positions, {job.Positions} are needed");
        return (_snapshot!, positions);
    }
}
