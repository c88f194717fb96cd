using Akka.Actor;
using Akka.Configuration;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Back-pressure in self-play: with the buffer silent, a self-play actor finishes exactly as many games as it
/// has credits, keeps re-sending them, and plays on once they are acknowledged.</summary>
public sealed class SelfPlayBackPressureTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly ActorSystem _system = ActorSystem.Create("backpressure-test",
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.loglevel = ERROR\nakka.stdout-loglevel = OFF")
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    private readonly InferenceService _inference = new(TicTacToeGame.Instance.ObservationShape.Size, TicTacToeGame.Instance.NumActions, 0,
        [new UniformBatchModel()], new InferenceServiceOptions(4));

    public void Dispose()
    {
        _system.Terminate().Wait(); // stops the self-play actor, which joins its workers, before the service stops
        _inference.Dispose();
    }

    /// <summary>A replay buffer that shows every submission to an observer and acknowledges only when told.</summary>
    private sealed class SilentBuffer : ReceiveActor
    {
        public SilentBuffer(IActorRef observer)
        {
            var seen = new List<(IActorRef Sender, SubmitGames Message)>();
            Receive<SubmitGames>(m => { seen.Add((Sender, m)); observer.Tell(m); });
            Receive<string>(s => s == "acknowledge", _ =>
            {
                foreach (var (sender, m) in seen) sender.Tell(new GamesAccepted(m.SubmissionId, m.Games.Length, 0));
                seen.Clear();
            });
        }
    }

    private static SelfPlayStats Stats(Inbox inbox, IActorRef selfPlay)
    {
        inbox.Send(selfPlay, GetSelfPlayStats.Instance);
        return Assert.IsType<SelfPlayStats>(inbox.Receive(Wait));
    }

    [Fact]
    public void WithoutAcknowledgementsSelfPlayStopsAtItsCreditsAndResumesWhenAcknowledged()
    {
        var game = TicTacToeGame.Instance;
        var observer = Inbox.Create(_system);
        var buffer = _system.ActorOf(Akka.Actor.Props.Create(() => new SilentBuffer(observer.Receiver)), "buffer");
        var options = new SelfPlayOptions { ParallelGames = 2, Search = SelfPlayOptions.DefaultSearch with { Simulations = 4, TemperatureMoves = 4 } };
        var setup = SelfPlaySetup.Resolve(new RunOptions { Game = game.Name, SelfPlay = options, Inference = new InferenceOptions { MaxBatch = 4 } }, cuda: false, cores: 2);
        var selfPlay = _system.ActorOf(SelfPlayActor.Props(game, _inference, options, setup, buffer, seed: 1, submitEvery: 1, maxUnacknowledged: 6), "self-play");

        // Read submissions until one comes again (the retry after SelfPlayActor.RetryAfter without an answer).
        var ids = new HashSet<Guid>();
        var games = new HashSet<Guid>();
        while (true)
        {
            var m = Assert.IsType<SubmitGames>(observer.Receive(Wait));
            foreach (var g in m.Games) games.Add(g.Id);
            if (!ids.Add(m.SubmissionId)) break;
        }
        var stats = Stats(Inbox.Create(_system), selfPlay);
        Assert.Equal(6, stats.Games);          // five seconds of tic-tac-toe would be hundreds of games without the credits
        Assert.Equal(6, stats.Unacknowledged);
        Assert.Equal(6, games.Count);

        buffer.Tell("acknowledge");
        var probe = Inbox.Create(_system);
        var deadline = DateTime.UtcNow + Wait;
        while (Stats(probe, selfPlay).Games <= 6)
            Assert.True(DateTime.UtcNow < deadline, "self-play did not resume after the acknowledgements");
    }
}
