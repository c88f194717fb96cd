using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;
using static TorchSharp.torch;

namespace SelfPlayBN.Actors.Tests;

/// <summary>
/// The trainer's side of Precise BN on another node, in a two-node cluster in this process (two actor systems on
/// 127.0.0.1, every message serialized): a snapshot is measured by the real worker on the precisebn node from the real
/// replay buffer; a forged answer for another job is ignored; a precisebn node that never answers, and one that left,
/// make the trainer measure itself.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PreciseBnDelegationTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-delegation-" + Guid.NewGuid().ToString("N"));
    private readonly ActorSystem _trainer = Node("trainer");
    private ActorSystem? _precise;

    private static ActorSystem Node(string role) => ActorSystem.Create("precisebn-test", ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.cluster.roles = ["{{role}}"]
            akka.actor.serialize-messages = on
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            """).WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose()
    {
        _precise?.Terminate().Wait();
        _trainer.Terminate().Wait();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static RunOptions Options() => EndToEndTests.Tiny(5);

    /// <summary>Starts the precisebn node and waits until the trainer node sees it up.</summary>
    private async Task<Address> JoinPreciseBnNode(Func<ActorSystem, IActorRef, IActorRef> worker, IActorRef buffer)
    {
        var cluster = Akka.Cluster.Cluster.Get(_trainer);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(Wait);
        _precise = Node(ClusterNodeOptions.PreciseBnRole);
        var members = Inbox.Create(_trainer);
        cluster.Subscribe(members.Receiver, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        var remoteBuffer = await _precise.ActorSelection(buffer.Path.ToStringWithAddress(cluster.SelfAddress)).ResolveOne(Wait);
        worker(_precise, remoteBuffer);
        var other = Akka.Cluster.Cluster.Get(_precise);
        other.Join(cluster.SelfAddress);
        while (true)
        {
            var e = Assert.IsType<ClusterEvent.MemberUp>(members.Receive(Wait));
            if (e.Member.HasRole(ClusterNodeOptions.PreciseBnRole)) return e.Member.Address;
        }
    }

    /// <summary>The replay buffer with 60 random legal games.</summary>
    private IActorRef Buffer()
    {
        var buffer = ReplayBuffer.Open(TicTacToeGame.Instance, Path.Combine(_dir, "replay"), 10_000);
        var rng = new Random(3);
        buffer.Append(Enumerable.Range(0, 60).Select(_ => TestRecords.RandomTicTacToe(rng)).ToList());
        return _trainer.ActorOf(ReplayBufferActor.Props(buffer, 5), "replay-buffer");
    }

    private static SnapshotTaken Snapshot(long generation)
    {
        manual_seed(generation);
        using var net = Models.Create(TicTacToeGame.Instance, Options().Network, Options().Bn.Decay, CPU);
        return new SnapshotTaken(generation, Models.Save(net), new LossSummary(1, 0.5, 0.01, 0.02, generation * 4), 0.25);
    }

    private IActorRef Delegate(IActorRef buffer, IActorRef registry, TimeSpan timeout) =>
        _trainer.ActorOf(PreciseBnDelegateActor.Props(TicTacToeGame.Instance, Options(), buffer, registry, CPU, timeout), "precise-bn");

    [Fact]
    public async Task TheWorkersStatisticsArePublishedAForgedAnswerIsIgnoredAndADepartedNodeMeansLocalPreciseBn()
    {
        var buffer = Buffer();
        var address = await JoinPreciseBnNode((system, b) => system.ActorOf(PreciseBnWorkerActor.Props(TicTacToeGame.Instance, Options(), CPU, b),
            PreciseBnWorkerActor.Name), buffer);
        var registry = Inbox.Create(_trainer);
        var delegator = Delegate(buffer, registry.Receiver, Wait);

        var first = Snapshot(1);
        delegator.Tell(first);
        var ready = Assert.IsType<PublishModel>(registry.Receive(Wait));
        Assert.Equal(1, ready.Generation);
        Assert.Equal(address.ToString(), ready.PreciseBnNode);
        Assert.Equal("precise", ready.Statistics);
        Assert.Equal(first.Losses, ready.Losses);
        Assert.Equal(Options().Bn.PreciseBatches * Options().Bn.PreciseBatchSize, ready.Staleness.Samples);
        Assert.NotEqual(Models.Sha256(first.Weights), Models.Sha256(ready.Weights)); // the statistics were written in

        // A forged answer for the next snapshot under another job id, with absurd statistics, is not published.
        var second = Snapshot(2);
        delegator.Tell(second);
        var forged = new BnLayerStatistics("tower.0.bn1", "default", Enumerable.Repeat(100.0, 8).ToArray(), Enumerable.Repeat(1.0, 8).ToArray());
        delegator.Tell(new PreciseBnComputedPart(Guid.NewGuid(), 2, Models.Sha256(second.Weights), 0, 1, [forged],
            new StalenessSummary(9, 9, "x", 9, 9, 9, 1)));
        var readySecond = Assert.IsType<PublishModel>(registry.Receive(Wait));
        Assert.Equal(2, readySecond.Generation);
        Assert.Equal(address.ToString(), readySecond.PreciseBnNode);
        Assert.NotEqual(9, readySecond.Staleness.MeanGap);
        using (var net = Models.Create(TicTacToeGame.Instance, Options().Network, Options().Bn.Decay, CPU))
        {
            Models.Load(net, readySecond.Weights);
            var mean = SelfPlayBN.BatchNorm.FrozenBatchNorm.NamedLayers(net).Single(l => l.Name == forged.Name).Layer.RunningMean();
            Assert.True(mean.abs().max().item<float>() < 50, "the forged statistics were published");
        }

        // The precisebn node leaves: the next generation is measured here.
        await Akka.Cluster.Cluster.Get(_precise!).LeaveAsync().WaitAsync(Wait);
        await _precise!.Terminate().WaitAsync(Wait);
        delegator.Tell(Snapshot(3));
        var local = Assert.IsType<PublishModel>(registry.Receive(Wait));
        Assert.Equal(3, local.Generation);
        Assert.Equal(PreciseBnDelegateActor.Local, local.PreciseBnNode);
    }

    /// <summary>Takes jobs and never answers.</summary>
    private sealed class Silent : ReceiveActor
    {
        public Silent() => Receive<MeasurePreciseBn>(_ => { });
    }

    [Fact]
    public async Task APreciseBnNodeThatDoesNotAnswerInTimeLeavesTheGenerationToTheTrainer()
    {
        var buffer = Buffer();
        await JoinPreciseBnNode((system, _) => system.ActorOf(Props.Create(() => new Silent()), PreciseBnWorkerActor.Name), buffer);
        var registry = Inbox.Create(_trainer);
        var timeout = TimeSpan.FromSeconds(2);
        var delegator = Delegate(buffer, registry.Receiver, timeout);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        delegator.Tell(Snapshot(1));
        var ready = Assert.IsType<PublishModel>(registry.Receive(Wait));
        Assert.Equal(1, ready.Generation);
        Assert.Equal(PreciseBnDelegateActor.Local, ready.PreciseBnNode);
        Assert.True(clock.Elapsed >= timeout, $"published after {clock.Elapsed.TotalSeconds:0.0} s, before the {timeout.TotalSeconds} s timeout");
    }
}
