using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

// The replay buffer's protocol: game submission with acknowledgement, status (asked or pushed to subscribers), sampling (in one message or in frame-sized parts).

/// <summary>Command to the replay buffer: store these games. Answered by <see cref="GamesAccepted"/> only once they
/// are on disk; a sender retries until then, and the buffer de-duplicates by game id.</summary>
/// <param name="SubmissionId">Identifies the submission in the acknowledgement.</param>
/// <param name="Games">The finished games.</param>
[WireName("submit-games")]
[MessagePackObject]
public sealed record SubmitGames([property: Key(0)] Guid SubmissionId, [property: Key(1)] GameRecord[] Games) : IPipelineMessage;

/// <summary>The games of a submission are on disk (new ones stored, duplicates recognised).</summary>
/// <param name="SubmissionId">The submission.</param>
/// <param name="NewGames">Games that were not stored before.</param>
/// <param name="BufferPositions">Positions in the buffer's window now.</param>
[WireName("games-accepted")]
[MessagePackObject]
public sealed record GamesAccepted([property: Key(0)] Guid SubmissionId, [property: Key(1)] int NewGames, [property: Key(2)] int BufferPositions) : IPipelineMessage;

/// <summary>Query: the buffer's size and how many games it accepted.</summary>
[WireName("get-buffer-status")]
[MessagePackObject]
public sealed record GetBufferStatus : IPipelineMessage;

/// <summary>Command to the buffer: tell me its <see cref="BufferStatus"/> now and after every submission that stores new
/// games, until I stop. Idempotent: a subscriber sends it again (every few seconds) so that a buffer that was
/// re-created elsewhere (a cluster singleton's hand-over) knows it.</summary>
[WireName("subscribe-to-buffer-status")]
[MessagePackObject]
public sealed record SubscribeToBufferStatus : IPipelineMessage;

/// <summary>The buffer's size.</summary>
/// <param name="Positions">Positions in the window.</param>
/// <param name="Games">Games in the window.</param>
/// <param name="GamesAccepted">Games accepted since the buffer started (this process).</param>
[WireName("buffer-status")]
[MessagePackObject]
public sealed record BufferStatus([property: Key(0)] int Positions, [property: Key(1)] int Games, [property: Key(2)] long GamesAccepted) : IPipelineMessage;

/// <summary>Command: draw positions uniformly from the window.</summary>
/// <param name="RequestId">Identifies the reply.</param>
/// <param name="Count">Positions wanted.</param>
[WireName("sample-positions")]
[MessagePackObject]
public sealed record SamplePositions([property: Key(0)] Guid RequestId, [property: Key(1)] int Count) : IPipelineMessage;

/// <summary>Sampled positions: position i is move <c>Plies[i]</c> of <c>Games[GameIndex[i]]</c>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Games">The distinct games the positions come from.</param>
/// <param name="GameIndex">For each position, its game's index in <paramref name="Games"/>.</param>
/// <param name="Plies">For each position, its move index.</param>
[WireName("positions-sampled")]
[MessagePackObject]
public sealed record PositionsSampled(
    [property: Key(0)] Guid RequestId, [property: Key(1)] GameRecord[] Games, [property: Key(2)] int[] GameIndex, [property: Key(3)] int[] Plies) : IPipelineMessage
{
    /// <summary>Wraps sampled positions, sharing each game once.</summary>
    public static PositionsSampled From(Guid requestId, IReadOnlyList<ReplayPosition> positions)
    {
        var index = new Dictionary<Guid, int>();
        var games = new List<GameRecord>();
        var gameIndex = new int[positions.Count];
        var plies = new int[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            var (g, ply) = positions[i];
            if (!index.TryGetValue(g.Id, out int k)) { k = games.Count; index[g.Id] = k; games.Add(g); }
            gameIndex[i] = k;
            plies[i] = ply;
        }
        return new PositionsSampled(requestId, games.ToArray(), gameIndex, plies);
    }

    /// <summary>The positions, in order.</summary>
    public ReplayPosition[] Positions()
    {
        if (GameIndex.Length != Plies.Length) throw new InvalidDataException("sampled positions: index and ply arrays differ in length");
        var result = new ReplayPosition[Plies.Length];
        for (int i = 0; i < result.Length; i++)
        {
            if ((uint)GameIndex[i] >= (uint)Games.Length) throw new InvalidDataException($"sampled position {i} names game {GameIndex[i]} of {Games.Length}");
            var g = Games[GameIndex[i]];
            if ((uint)Plies[i] >= (uint)g.Length) throw new InvalidDataException($"sampled position {i} names move {Plies[i]} of a {g.Length}-move game");
            result[i] = new ReplayPosition(g, Plies[i]);
        }
        return result;
    }
}

/// <summary>Command to the replay buffer: draw <paramref name="Count"/> positions uniformly from the window and send them
/// as <see cref="PositionsSampledPart"/> messages of at most <paramref name="MaxPartBytes"/> bytes each.</summary>
/// <param name="RequestId">Identifies the answer.</param>
/// <param name="Count">Positions wanted.</param>
/// <param name="MaxPartBytes">Upper bound on one part's serialized size (clamped to at most 96,000).</param>
[WireName("sample-positions-in-parts")]
[MessagePackObject]
public sealed record SamplePositionsInParts([property: Key(0)] Guid RequestId, [property: Key(1)] int Count, [property: Key(2)] int MaxPartBytes) : IPipelineMessage;

/// <summary>Part <paramref name="Part"/> of <paramref name="Parts"/> of a sample: consecutive positions, each part with
/// the game records it needs (see <see cref="MessageParts"/>).</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Part">This part, from 0.</param>
/// <param name="Parts">Parts of the sample.</param>
/// <param name="Positions">The part's positions (its <see cref="PositionsSampled.RequestId"/> is the request's).</param>
[WireName("positions-sampled-part")]
[MessagePackObject]
public sealed record PositionsSampledPart([property: Key(0)] Guid RequestId, [property: Key(1)] int Part, [property: Key(2)] int Parts,
    [property: Key(3)] PositionsSampled Positions) : IPipelineMessage;
