using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Model announcements travel through Akka's distributed pub-sub (here a one-node cluster on 127.0.0.1): a
/// follower that polls only once learns of the next model from the announcement alone.</summary>
public sealed class ModelAnnouncementTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const string Network = "{\"blocks\":1}";
    private readonly ActorSystem _system = ActorSystem.Create("announcement-test",
        ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.actor.serialize-messages = on
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            """).WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose() => _system.Terminate().Wait();

    /// <summary>Stands in for the registry: the current best on subscription, then each model it is told.</summary>
    private sealed class Registry : ReceiveActor
    {
        public Registry(ModelPublished first)
        {
            var current = first;
            IActorRef? subscriber = null;
            Receive<SubscribeToBest>(_ => { subscriber = Sender; Sender.Tell(new BestModelChanged(current)); });
            Receive<ModelPublished>(m => { current = m; subscriber?.Tell(new BestModelChanged(m)); });
        }
    }

    private static ModelPublished Model(long version, int size)
    {
        var bytes = new byte[size];
        new Random((int)version).NextBytes(bytes);
        return new ModelPublished(version, bytes, "precise", Models.Sha256(bytes));
    }

    [Fact]
    public async Task AFollowerThatNoLongerPollsFetchesTheNextModelFromItsAnnouncement()
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(Wait);

        var mediator = DistributedPubSub.Get(_system).Mediator;
        var first = Model(1, 30_000);
        var registry = _system.ActorOf(Akka.Actor.Props.Create(() => new Registry(first)), "registry");
        var publisher = _system.ActorOf(ModelPublisherActor.Props(registry, mediator, "tictactoe", Network, chunkSize: 4096), "publisher");
        var target = Inbox.Create(_system);
        // It polls once at start (version 1), then only every hour: version 2 can reach it only through the topic.
        _system.ActorOf(ModelFollowerActor.Props(publisher, mediator, target.Receiver, "tictactoe", Network, TimeSpan.FromHours(1)), "follower");
        Assert.Equal(1, Assert.IsType<ModelFetched>(target.Receive(Wait)).Announced.Version);

        // The follower's Subscribe reached the mediator before anything that led to version 1's delivery, so it is in the
        // mediator's mailbox ahead of the announcement of version 2 (one mailbox, causal order): no wait is needed.
        var second = Model(2, 50_000);
        registry.Tell(second);
        var fetched = Assert.IsType<ModelFetched>(target.Receive(Wait));
        Assert.Equal(2, fetched.Announced.Version);
        Assert.Equal(second.Weights, fetched.Weights);
    }
}
