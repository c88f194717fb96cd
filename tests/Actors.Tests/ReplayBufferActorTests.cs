using Akka.Actor;
using Akka.Configuration;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The buffer tells its subscribers (the trainer) its status after each submission that stored new games,
/// instead of being polled.</summary>
public sealed class ReplayBufferActorTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-buffer-actor-" + Guid.NewGuid().ToString("N"));
    private readonly ActorSystem _system = ActorSystem.Create("buffer-test",
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING")
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose()
    {
        _system.Terminate().Wait();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SubscribersHearTheStatusAfterEachSubmissionThatStoredNewGames()
    {
        var buffer = _system.ActorOf(ReplayBufferActor.Props(ReplayBuffer.Open(TicTacToeGame.Instance, _dir, 10_000), 1), "buffer");
        var subscriber = Inbox.Create(_system);
        var submitter = Inbox.Create(_system);
        subscriber.Send(buffer, new SubscribeToBufferStatus());
        Assert.Equal(0, Assert.IsType<BufferStatus>(subscriber.Receive(Wait)).Games);
        subscriber.Send(buffer, new SubscribeToBufferStatus()); // again: answered, but still one subscription
        Assert.Equal(0, Assert.IsType<BufferStatus>(subscriber.Receive(Wait)).Games);

        var rng = new Random(5);
        var first = TestRecords.RandomTicTacToe(rng);
        submitter.Send(buffer, new SubmitGames(Guid.NewGuid(), [first]));
        Assert.Equal(1, Assert.IsType<GamesAccepted>(submitter.Receive(Wait)).NewGames);
        var status = Assert.IsType<BufferStatus>(subscriber.Receive(Wait));
        Assert.Equal((1, 1L, first.Length), (status.Games, status.GamesAccepted, status.Positions));

        // A retried submission stores nothing and tells nobody; the next status the subscriber hears is the next new
        // game's (messages from one sender arrive in order, so a push for the retry or a second subscription would come first).
        submitter.Send(buffer, new SubmitGames(Guid.NewGuid(), [first]));
        Assert.Equal(0, Assert.IsType<GamesAccepted>(submitter.Receive(Wait)).NewGames);
        submitter.Send(buffer, new SubmitGames(Guid.NewGuid(), [TestRecords.RandomTicTacToe(rng)]));
        Assert.Equal(1, Assert.IsType<GamesAccepted>(submitter.Receive(Wait)).NewGames);
        Assert.Equal(2, Assert.IsType<BufferStatus>(subscriber.Receive(Wait)).GamesAccepted);
        submitter.Send(buffer, new SubmitGames(Guid.NewGuid(), [TestRecords.RandomTicTacToe(rng)]));
        Assert.Equal(3, Assert.IsType<BufferStatus>(subscriber.Receive(Wait)).GamesAccepted);
    }
}
