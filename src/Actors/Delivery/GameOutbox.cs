using SelfPlayBN.Games;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>What to send to the replay buffer after an <see cref="GameOutbox"/> call.</summary>
/// <param name="Messages">New submissions.</param>
/// <param name="Retries">Submissions whose acknowledgement is overdue, to send again.</param>
/// <param name="Dropped">Why each game that can never be delivered (larger than one message) was dropped.</param>
public sealed record Outgoing(IReadOnlyList<SubmitGames> Messages, IReadOnlyList<SubmitGames> Retries, IReadOnlyList<string> Dropped)
{
    /// <summary>Nothing to send.</summary>
    public static Outgoing None { get; } = new([], [], []);
}

/// <summary>
/// Finished self-play games on their way to the replay buffer: counted, gathered into batches of
/// <c>submitEvery</c> games, and each batch handed to a <see cref="SubmissionTracker"/>, which cuts it into frame-sized
/// submissions and keeps them until the buffer acknowledges them. A game too large for any message is dropped with its
/// reason and the others are sent. A plain class the self-play actor drives; times are passed in.
/// </summary>
/// <param name="game">The game (for the tally of moves, passes and resignations).</param>
/// <param name="submitEvery">Games per batch (at least 1).</param>
/// <param name="tracker">The submissions not yet acknowledged.</param>
public sealed class GameOutbox(IGame game, int submitEvery, SubmissionTracker tracker)
{
    private readonly int _submitEvery = Math.Max(1, submitEvery);
    private readonly List<GameRecord> _pending = [];

    /// <summary>Games finished.</summary>
    public long Games { get; private set; }

    /// <summary>Their positions.</summary>
    public long Positions { get; private set; }

    /// <summary>Their moves, passes and resignations.</summary>
    public GameTally Tally { get; private set; } = GameTally.Empty;

    /// <summary>Games sent and not yet acknowledged.</summary>
    public int UnacknowledgedGames => tracker.UnacknowledgedGames;

    /// <summary>How long a submission waits for its acknowledgement.</summary>
    public TimeSpan RetryAfter => tracker.RetryAfter;

    /// <summary>Counts a finished game and keeps it; a full batch is submitted.</summary>
    public Outgoing Finished(GameRecord record, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(record);
        Games++;
        Positions += record.Length;
        Tally = Tally.Add(record, game);
        _pending.Add(record);
        return _pending.Count >= _submitEvery ? SubmitPending(now) : Outgoing.None;
    }

    /// <summary>Submits the games kept so far (a timer's flush) and returns them with the overdue submissions.</summary>
    public Outgoing Flush(DateTime now) => SubmitPending(now) with { Retries = tracker.Due(now) };

    /// <summary>Records an acknowledgement; returns the games it covers, or <c>null</c> for a retry's second one.</summary>
    public GameRecord[]? Acknowledge(Guid submissionId) => tracker.Acknowledge(submissionId);

    /// <summary>Submits the games kept so far (none: nothing to send).</summary>
    public Outgoing SubmitPending(DateTime now)
    {
        if (_pending.Count == 0) return Outgoing.None;
        var batch = _pending.ToList();
        _pending.Clear();
        try
        {
            return new Outgoing(tracker.Submit(batch, now), [], []);
        }
        catch (InvalidDataException)
        {
            // A game too large for one message can never be delivered: drop it with its reason, send the others.
            var messages = new List<SubmitGames>();
            var dropped = new List<string>();
            foreach (var record in batch)
            {
                try { messages.AddRange(tracker.Submit([record], now)); }
                catch (InvalidDataException e) { dropped.Add(e.Message); }
            }
            return new Outgoing(messages, [], dropped);
        }
    }
}
