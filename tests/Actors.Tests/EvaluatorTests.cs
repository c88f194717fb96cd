using Akka.Actor;
using Akka.Configuration;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The evaluator with a real registry and tiny untrained networks: which results it reports per game, the Elo
/// chain, and the gating flow (the registry's best follows the evaluator's decisions).</summary>
[Collection(TorchCollection.Name)]
public sealed class EvaluatorTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-evaluator-" + Guid.NewGuid().ToString("N"));
    private readonly ActorSystem _system = ActorSystem.Create("evaluator-test",
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING")
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose()
    {
        _system.Terminate().Wait();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Creates the registry and the evaluator as its children and forwards what they tell it to a sink.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent(IGame game, RunOptions options, string directory, byte[] initial, IActorRef sink)
        {
            var registry = Context.ActorOf(ModelRegistryActor.Props(directory, initial), "registry");
            Context.ActorOf(EvaluatorActor.Props(game, options, GameCatalog.EvaluationExtrasOf(game), registry, CPU), "evaluator");
            Receive<Registry>(_ => Sender.Tell(registry));
            ReceiveAny(m => sink.Forward(m));
        }
    }

    private sealed record Registry;

    private static RunOptions Options(IGame game, EvaluationOptions evaluation) => EndToEndTests.Tiny(1) with { Game = game.Name, Evaluation = evaluation };

    private static byte[] Weights(IGame game, RunOptions options, int seed)
    {
        manual_seed(seed);
        return Models.Save(Models.Create(game, options.Network, options.Bn.Decay, CPU));
    }

    private static PublishModel Ready(long generation, byte[] weights) =>
        new(generation, weights, "precise", new LossSummary(1, 1, 0, 0.1, generation), new StalenessSummary(0, 0, "l", 1, 1, 0, 1), 1);

    private (IActorRef Registry, Inbox Sink) Start(IGame game, RunOptions options)
    {
        var sink = Inbox.Create(_system);
        var parent = _system.ActorOf(Akka.Actor.Props.Create(() => new Parent(game, options, _dir, Weights(game, options, 0), sink.Receiver)), "parent");
        var registry = parent.Ask<IActorRef>(new Registry(), Wait).Result;
        // Once the evaluator answers, its constructor has run: its subscriptions are in the registry's mailbox before
        // anything the test sends next (else it could first hear of version 1 and have no previous version).
        Assert.NotNull(_system.ActorSelection(parent.Path / "evaluator").Ask<ActorIdentity>(new Identify(1), Wait).Result.Subject);
        return (registry, sink);
    }

    /// <summary>The results about <paramref name="version"/>, up to and including the <c>model-K</c> match (the last
    /// match, followed only by gating and accuracy results, which are collected while <paramref name="more"/> says so).</summary>
    private static List<object> Results(Inbox sink, long version, Func<List<object>, bool> more)
    {
        var results = new List<object>();
        while (more(results))
        {
            var m = sink.Receive(Wait);
            if (m is EvaluationFinished e && e.Version == version || m is AccuracyMeasured a && a.Version == version || m is GatingDecided g && g.Version == version)
                results.Add(m);
        }
        return results;
    }

    [Fact]
    public void OnConnectFourItPlaysTheBaselinesChainsTheEloAndMeasuresAccuracyRawAndWithSearch()
    {
        var game = ConnectFourGame.Instance;
        var options = Options(game, new EvaluationOptions { EveryGenerations = 1, Games = 2, Simulations = 4, AccuracyPositions = 12 });
        var (registry, sink) = Start(game, options);
        registry.Tell(Ready(1, Weights(game, options, 1)));
        var results = Results(sink, 1, r => r.OfType<AccuracyMeasured>().Count() < 4);
        var matches = results.OfType<EvaluationFinished>().ToDictionary(e => e.Opponent);
        Assert.Equal(["mcts-rollouts-4", "model-0", "random"], matches.Keys.Order());
        Assert.All(matches.Values, e => Assert.Equal(2, e.Wins + e.Draws + e.Losses));
        Assert.All(matches.Values, e => Assert.Equal(e.Losses, e.LossesMovingFirst + e.LossesMovingSecond));
        Assert.Equal(matches["model-0"].EloDifference, matches["model-0"].Rating); // version 0 rates 0
        Assert.Null(matches["random"].Rating);
        var accuracy = results.OfType<AccuracyMeasured>().ToDictionary(a => a.Player);
        Assert.Equal(["mcts-rollouts-4", "network", "random", "search-4"], accuracy.Keys.Order());
        Assert.All(accuracy.Values, a => Assert.Equal(12, a.Positions));
        Assert.Empty(results.OfType<GatingDecided>());
        Assert.Null(new ModelStore(_dir).Best());
    }

    [Fact]
    public void OnTicTacToeWithGatingItPlaysThePerfectPlayerAndTheRegistryFollowsItsDecisions()
    {
        var game = TicTacToeGame.Instance;
        var options = Options(game, new EvaluationOptions { EveryGenerations = 1, Games = 2, Simulations = 4, Gating = true, GatingThreshold = 0.5 });
        var (registry, sink) = Start(game, options);
        registry.Tell(Ready(1, Weights(game, options, 1)));
        var first = Results(sink, 1, r => r.OfType<GatingDecided>().Count() < 1);
        var matches = first.OfType<EvaluationFinished>().ToDictionary(e => e.Opponent);
        Assert.Equal(["mcts-rollouts-4", "model-0", "perfect", "random"], matches.Keys.Order());
        Assert.Equal(0, matches["perfect"].Wins); // nobody beats a perfect player
        var decision = first.OfType<GatingDecided>().Single();
        Assert.Equal(0, decision.Best);
        Assert.Equal(matches["model-0"].Score, decision.Score); // the previous version is the best: its match decides
        Assert.Equal(decision.Score >= 0.5, decision.Promoted);

        registry.Tell(Ready(2, Weights(game, options, 2)));
        var second = Results(sink, 2, r => r.OfType<GatingDecided>().Count() < 1);
        var next = second.OfType<GatingDecided>().Single();
        long best = decision.Promoted ? 1 : 0;
        Assert.Equal(best, next.Best);
        // When the best is not the previous version the candidate plays it too.
        Assert.Equal(!decision.Promoted, second.OfType<EvaluationFinished>().Any(e => e.Opponent == "best-0"));
        Assert.Contains(second.OfType<EvaluationFinished>(), e => e.Opponent == "model-1" && e.Rating is not null);
        Assert.Equal(next.Promoted ? 2 : best, ExpectBest(registry, next.Promoted ? 2 : best));
    }

    /// <summary>The registry's best version, once it equals <paramref name="expected"/> (promotions are asynchronous).</summary>
    private long ExpectBest(IActorRef registry, long expected)
    {
        var inbox = Inbox.Create(_system);
        inbox.Send(registry, new SubscribeToBest());
        long version = Assert.IsType<BestModelChanged>(inbox.Receive(Wait)).Model.Version;
        while (version != expected) version = Assert.IsType<BestModelChanged>(inbox.Receive(Wait)).Model.Version;
        Assert.Equal(expected, new ModelStore(_dir).Best()!.Version);
        return version;
    }
}
