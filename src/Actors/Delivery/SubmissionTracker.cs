using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// The sending side of game submission (at-least-once over an at-most-once transport): cuts finished games into
/// <see cref="SubmitGames"/> messages that each stay under a byte limit, keeps every message until the replay buffer
/// acknowledges it (<see cref="GamesAccepted"/>, sent only once the games are on disk), and hands back the messages
/// to send again when an acknowledgement is overdue. Combined with the buffer's de-duplication by game id, a lost
/// message, a lost acknowledgement or a retry neither loses nor doubles a game.
/// </summary>
/// <remarks>Not thread-safe: one owner (the self-play actor) calls it.</remarks>
public sealed class SubmissionTracker
{
    private static readonly MessagePackSerializerOptions Wire = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    private readonly Dictionary<Guid, (SubmitGames Message, DateTime SentAt)> _unacked = [];
    private int _games;

    /// <summary>Creates a tracker.</summary>
    /// <param name="retryAfter">How long a submission waits for its acknowledgement before it is due again.</param>
    /// <param name="maxMessageBytes">Upper bound on a submission's serialized games (keep it well below the remoting
    /// frame size: 128,000 bytes by default).</param>
    public SubmissionTracker(TimeSpan retryAfter, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retryAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1024);
        RetryAfter = retryAfter;
        MaxMessageBytes = maxMessageBytes;
    }

    /// <summary>The default limit on a submission's size: 96,000 bytes, under the 128,000-byte default frame.</summary>
    public const int DefaultMaxMessageBytes = 96_000;

    /// <summary>How long a submission waits for its acknowledgement.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>Upper bound on a submission's serialized games.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>Games sent and not yet acknowledged.</summary>
    public int UnacknowledgedGames => _games;

    /// <summary>Submissions sent and not yet acknowledged.</summary>
    public int UnacknowledgedSubmissions => _unacked.Count;

    /// <summary>Cuts <paramref name="games"/> into submissions (in order), records them as sent at
    /// <paramref name="now"/>, and returns them to send.</summary>
    /// <exception cref="InvalidDataException">One game alone is larger than <see cref="MaxMessageBytes"/> (nothing is
    /// recorded).</exception>
    public IReadOnlyList<SubmitGames> Submit(IReadOnlyList<GameRecord> games, DateTime now)
    {
        var messages = Split(games, MaxMessageBytes).Select(part => new SubmitGames(Guid.NewGuid(), part)).ToList();
        foreach (var m in messages)
        {
            _unacked[m.SubmissionId] = (m, now);
            _games += m.Games.Length;
        }
        return messages;
    }

    /// <summary>Records an acknowledgement. Returns the games it covers, or <c>null</c> when the submission is not
    /// outstanding (an acknowledgement of a retry that arrived after the first one).</summary>
    public GameRecord[]? Acknowledge(Guid submissionId)
    {
        if (!_unacked.Remove(submissionId, out var entry)) return null;
        _games -= entry.Message.Games.Length;
        return entry.Message.Games;
    }

    /// <summary>The submissions whose acknowledgement is overdue at <paramref name="now"/>, oldest first; they count as
    /// sent again at <paramref name="now"/>.</summary>
    public IReadOnlyList<SubmitGames> Due(DateTime now)
    {
        var due = _unacked.Values.Where(u => now - u.SentAt >= RetryAfter).OrderBy(u => u.SentAt).Select(u => u.Message).ToList();
        foreach (var m in due) _unacked[m.SubmissionId] = (m, now);
        return due;
    }

    /// <summary>Cuts <paramref name="games"/> into consecutive groups whose MessagePack form stays within
    /// <paramref name="maxBytes"/> (the array header included).</summary>
    /// <exception cref="InvalidDataException">One game alone exceeds <paramref name="maxBytes"/>.</exception>
    public static List<GameRecord[]> Split(IReadOnlyList<GameRecord> games, int maxBytes)
    {
        const int arrayHeader = 5; // the largest MessagePack array header
        return ByteBudget.Group(games, g => MessagePackSerializer.Serialize(g, Wire).Length, arrayHeader, maxBytes,
                (g, size) => $"game {g.Id} takes {size} bytes, more than the {maxBytes}-byte limit of one submission")
            .Select(g => g.ToArray()).ToList();
    }
}
