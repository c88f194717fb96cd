using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Game submission over an at-most-once transport: submissions fit a frame, stay until acknowledged, come
/// due again when an acknowledgement is late, and — with the real replay buffer's de-duplication — a lost message or a
/// lost acknowledgement neither loses nor doubles a game.</summary>
public sealed class SubmissionTrackerTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-submissions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A legal Tic-tac-toe game of <paramref name="moves"/> moves (cells 0, 1, 2, ... in order).</summary>
    private static GameRecord Game(int moves = 5)
    {
        var policies = Enumerable.Range(0, moves).Select(i => { var p = new float[9]; p[i] = 1; return p; }).ToArray();
        return new GameRecord(Guid.NewGuid(), "tictactoe", 1, Enumerable.Range(0, moves).ToArray(), policies, [1, -1], 1);
    }

    [Fact]
    public void SubmissionsStayUnderTheByteLimitAndKeepEveryGameInOrder()
    {
        var games = Enumerable.Range(0, 100).Select(_ => Game()).ToList();
        var tracker = new SubmissionTracker(TimeSpan.FromSeconds(5), maxMessageBytes: 2_000);
        var messages = tracker.Submit(games, T0);
        Assert.True(messages.Count > 1, "100 games should not fit 2,000 bytes");
        var options = MessagePack.MessagePackSerializerOptions.Standard;
        Assert.All(messages, m => Assert.InRange(MessagePack.MessagePackSerializer.Serialize(m.Games, options).Length, 1, 2_000));
        Assert.Equal(games.Select(g => g.Id), messages.SelectMany(m => m.Games).Select(g => g.Id));
        Assert.Equal(100, tracker.UnacknowledgedGames);
        Assert.Equal(messages.Count, tracker.UnacknowledgedSubmissions);
    }

    [Fact]
    public void AGameLargerThanTheLimitIsRefusedAndNothingIsRecorded()
    {
        var tracker = new SubmissionTracker(TimeSpan.FromSeconds(5), maxMessageBytes: 1_024);
        // 50 moves of 9 four-byte floats: over 1,800 bytes, more than one submission may hold.
        var huge = new GameRecord(Guid.NewGuid(), "tictactoe", 1, new int[50], Enumerable.Range(0, 50).Select(_ => new float[9]).ToArray(), [1, -1], 1);
        var e = Assert.Throws<InvalidDataException>(() => tracker.Submit([Game(), huge, Game()], T0));
        Assert.Contains(huge.Id.ToString(), e.Message);
        Assert.Contains("1024-byte limit", e.Message);
        Assert.Equal(0, tracker.UnacknowledgedGames);
    }

    [Fact]
    public void WithoutAFrameToFitAGameOfAnyLengthGoesInOneSubmission()
    {
        // A long 19x19 game: 400 moves of 362-float policies, several times the default limit.
        var policies = Enumerable.Range(0, 400).Select(_ => Enumerable.Range(0, 362).Select(i => (float)Math.Sqrt(i + 1)).ToArray()).ToArray();
        var long19 = new GameRecord(Guid.NewGuid(), "go19", 1, new int[400], policies, [1, -1], 1);
        Assert.True(MessagePack.MessagePackSerializer.Serialize(long19).Length > SubmissionTracker.DefaultMaxMessageBytes);
        Assert.Throws<InvalidDataException>(() => new SubmissionTracker(TimeSpan.FromSeconds(5)).Submit([long19], T0));
        var local = new SubmissionTracker(TimeSpan.FromSeconds(5), maxMessageBytes: int.MaxValue); // what a single-process run uses
        var message = Assert.Single(local.Submit([Game(), long19, Game()], T0));
        Assert.Equal(3, message.Games.Length);
        Assert.Equal(3, local.UnacknowledgedGames);
    }

    [Fact]
    public void AnOverdueSubmissionComesDueAgainUntilAcknowledgedOnce()
    {
        var tracker = new SubmissionTracker(TimeSpan.FromSeconds(5));
        var sent = Assert.Single(tracker.Submit([Game(), Game()], T0));
        Assert.Empty(tracker.Due(T0.AddSeconds(4.9)));
        var again = Assert.Single(tracker.Due(T0.AddSeconds(5)));
        Assert.Equal(sent.SubmissionId, again.SubmissionId); // the same id and games: the buffer recognises them
        Assert.Empty(tracker.Due(T0.AddSeconds(9))); // sent again at 5 s: due at 10 s
        Assert.Single(tracker.Due(T0.AddSeconds(10)));
        Assert.Equal(sent.Games, tracker.Acknowledge(sent.SubmissionId));
        Assert.Null(tracker.Acknowledge(sent.SubmissionId)); // the retry's acknowledgement
        Assert.Empty(tracker.Due(T0.AddHours(1)));
        Assert.Equal(0, tracker.UnacknowledgedGames);
    }

    [Fact]
    public void LostMessagesAndLostAcknowledgementsNeitherLoseNorDoubleAGame()
    {
        var buffer = ReplayBuffer.Open(TicTacToeGame.Instance, _dir, 1_000_000);
        var tracker = new SubmissionTracker(TimeSpan.FromSeconds(1), maxMessageBytes: 1_500);
        var games = Enumerable.Range(0, 60).Select(_ => Game()).ToList();
        var now = T0;
        var inFlight = new Queue<SubmitGames>(tracker.Submit(games, now));
        int delivered = 0, acknowledged = 0, attempts = 0;
        while (tracker.UnacknowledgedSubmissions > 0)
        {
            Assert.True(++attempts < 1_000, "submissions never all acknowledged");
            while (inFlight.TryDequeue(out var m))
            {
                // A deterministic unreliable link: every third message is lost on the way, every fourth acknowledgement on the way back.
                if (++delivered % 3 == 0) continue;
                buffer.Append(m.Games);
                if (delivered % 4 == 0) continue;
                if (tracker.Acknowledge(m.SubmissionId) is { } acked) acknowledged += acked.Length;
            }
            now = now.AddSeconds(1);
            foreach (var m in tracker.Due(now)) inFlight.Enqueue(m);
        }
        Assert.Equal(60, acknowledged);
        Assert.Equal(60, buffer.Games);
        Assert.Equal(60, buffer.GamesAccepted);
        // After a restart the segments on disk hold each game exactly once.
        var segments = Directory.GetFiles(_dir, "segment-*.msgpack")
            .SelectMany(f => MessagePack.MessagePackSerializer.Deserialize<GameRecord[]>(File.ReadAllBytes(f))).Select(g => g.Id).ToList();
        Assert.Equal(60, segments.Count);
        Assert.Equal(games.Select(g => g.Id).OrderBy(x => x), segments.OrderBy(x => x));
    }
}
