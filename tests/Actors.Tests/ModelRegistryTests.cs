using Akka.Actor;
using Akka.Configuration;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The registry's best model: without gating it follows every publication; with gating only promotions,
/// recorded in <c>best.json</c> across a restart.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-registry-" + Guid.NewGuid().ToString("N"));
    private readonly ActorSystem _system = ActorSystem.Create("registry-test",
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING")
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose()
    {
        _system.Terminate().Wait();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static PublishModel Ready(long generation) =>
        new(generation, [(byte)generation, 1, 2], "precise", new LossSummary(1, 1, 0, 0.1, generation), new StalenessSummary(0, 0, "l", 1, 1, 0, 1), 1);

    private (IActorRef Registry, Inbox Best, Inbox All) Start(string name)
    {
        var registry = _system.ActorOf(ModelRegistryActor.Props(_dir, [0, 0, 0]), name);
        var best = Inbox.Create(_system);
        var all = Inbox.Create(_system);
        all.Send(registry, new SubscribeToModels());
        Assert.IsType<ModelPublished>(all.Receive(Wait));
        return (registry, best, all);
    }

    private static long NextBest(Inbox inbox) => Assert.IsType<BestModelChanged>(inbox.Receive(Wait)).Model.Version;

    private static long NextPublished(Inbox inbox) => Assert.IsType<ModelPublished>(inbox.Receive(Wait)).Version;

    [Fact]
    public void WithoutGatingTheBestIsEveryPublication()
    {
        var (registry, best, all) = Start("plain");
        best.Send(registry, new SubscribeToBest());
        Assert.Equal(0, NextBest(best));
        registry.Tell(Ready(1));
        registry.Tell(Ready(2));
        Assert.Equal(1, NextBest(best));
        Assert.Equal(2, NextBest(best));
        Assert.Equal(1, NextPublished(all));
        Assert.Equal(2, NextPublished(all));
        registry.Tell(new PromoteModel(1)); // ignored without gating
        registry.Tell(Ready(3));
        Assert.Equal(3, NextBest(best));
        Assert.Null(new ModelStore(_dir).Best());
    }

    [Fact]
    public void WithGatingTheBestChangesOnlyOnPromotionAndSurvivesARestart()
    {
        var (registry, best, all) = Start("gated");
        registry.Tell(new UseGating());
        best.Send(registry, new SubscribeToBest());
        Assert.Equal(0, NextBest(best));
        registry.Tell(Ready(1));
        registry.Tell(Ready(2));
        Assert.Equal(1, NextPublished(all));
        Assert.Equal(2, NextPublished(all));
        registry.Tell(new PromoteModel(2));
        Assert.Equal(2, NextBest(best)); // nothing for versions 1 and 2 before the promotion
        registry.Tell(new PromoteModel(1)); // older than the best: ignored
        registry.Tell(Ready(3));
        registry.Tell(new PromoteModel(3));
        Assert.Equal(3, NextBest(best));
        Assert.Equal(3, new ModelStore(_dir).Best()!.Version);
        registry.Tell(Ready(4));
        Assert.Equal(3, NextPublished(all));
        Assert.Equal(4, NextPublished(all)); // published, not promoted

        var watcher = Inbox.Create(_system);
        watcher.Watch(registry);
        _system.Stop(registry);
        Assert.IsType<Terminated>(watcher.Receive(Wait));

        // Restarted: without gating the best is the latest (4); once gating is on it is the recorded best (3).
        var (again, best2, _) = Start("gated-again");
        best2.Send(again, new SubscribeToBest());
        Assert.Equal(4, NextBest(best2));
        again.Tell(new UseGating());
        var changed = Assert.IsType<BestModelChanged>(best2.Receive(Wait)).Model;
        Assert.Equal(3, changed.Version);
        Assert.Equal(new byte[] { 3, 1, 2 }, changed.Weights);
    }
}
