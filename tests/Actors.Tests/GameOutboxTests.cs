using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The self-play side of game delivery as a plain class: batches, flushes, retries, acknowledgements, counters,
/// and games too large for any message.</summary>
public sealed class GameOutboxTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A record of <paramref name="moves"/> moves (cells 0..8 in turn; only its size matters here).</summary>
    private static GameRecord Game(int moves = 5)
    {
        var policies = Enumerable.Range(0, moves).Select(i => { var p = new float[9]; p[i % 9] = 1; return p; }).ToArray();
        return new GameRecord(Guid.NewGuid(), "tictactoe", 1, Enumerable.Range(0, moves).Select(i => i % 9).ToArray(), policies, [1, -1], 1);
    }

    private static GameOutbox Outbox(int submitEvery, int maxBytes = SubmissionTracker.DefaultMaxMessageBytes) =>
        new(TicTacToeGame.Instance, submitEvery, new SubmissionTracker(TimeSpan.FromSeconds(5), maxBytes));

    [Fact]
    public void A_full_batch_is_submitted_and_the_games_are_counted()
    {
        var outbox = Outbox(submitEvery: 3);
        var games = new[] { Game(5), Game(7), Game(9) };
        Assert.Same(Outgoing.None, outbox.Finished(games[0], T0));
        Assert.Same(Outgoing.None, outbox.Finished(games[1], T0));
        var sent = outbox.Finished(games[2], T0);
        Assert.Equal(games.Select(g => g.Id), sent.Messages.SelectMany(m => m.Games).Select(g => g.Id));
        Assert.Empty(sent.Retries);
        Assert.Empty(sent.Dropped);
        Assert.Equal((3L, 21L, 3, 21L), (outbox.Games, outbox.Positions, outbox.UnacknowledgedGames, outbox.Tally.Moves));
    }

    [Fact]
    public void A_flush_sends_what_waits_and_again_what_was_not_acknowledged_in_time()
    {
        var outbox = Outbox(submitEvery: 8);
        outbox.Finished(Game(), T0);
        var first = outbox.Flush(T0);
        var submission = Assert.Single(first.Messages);
        Assert.Empty(first.Retries);

        Assert.Empty(outbox.Flush(T0.AddSeconds(1)).Retries);              // not yet overdue
        var late = outbox.Flush(T0.AddSeconds(6));
        Assert.Empty(late.Messages);                                        // nothing new waits
        Assert.Equal(submission.SubmissionId, Assert.Single(late.Retries).SubmissionId);

        Assert.Equal(submission.Games, outbox.Acknowledge(submission.SubmissionId));
        Assert.Null(outbox.Acknowledge(submission.SubmissionId));          // a retry's second acknowledgement
        Assert.Equal(0, outbox.UnacknowledgedGames);
        Assert.Empty(outbox.Flush(T0.AddSeconds(20)).Retries);
    }

    [Fact]
    public void A_game_too_large_for_any_message_is_dropped_with_its_reason_and_the_others_are_sent()
    {
        var outbox = Outbox(submitEvery: 3, maxBytes: 2_000);
        var small = Game(5);
        var huge = Game(200); // 200 policies of 9 floats: over 7,000 bytes
        outbox.Finished(small, T0);
        outbox.Finished(huge, T0);
        var sent = outbox.Finished(Game(5), T0);
        Assert.Equal(2, sent.Messages.SelectMany(m => m.Games).Count());
        Assert.DoesNotContain(huge.Id, sent.Messages.SelectMany(m => m.Games).Select(g => g.Id));
        string reason = Assert.Single(sent.Dropped);
        Assert.Contains(huge.Id.ToString(), reason);
        Assert.Contains("2000-byte limit", reason);
        Assert.Equal(2, outbox.UnacknowledgedGames);
        Assert.Equal(3, outbox.Games); // counted as finished, even if it could not be delivered
    }
}
