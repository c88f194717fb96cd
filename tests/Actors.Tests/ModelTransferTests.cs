using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Model snapshots travel in chunks that each fit a remoting frame, and a model is handed out only when every
/// chunk is in and the whole matches the announced size and SHA-256; the publisher and follower actors move a real
/// model through the serializer, also over a link that loses and corrupts chunks.</summary>
public sealed class ModelTransferTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const string Network = "{\"blocks\":1}";
    private readonly ActorSystem _system = ActorSystem.Create("transfer-test",
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.loglevel = WARNING\nakka.stdout-loglevel = OFF")
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    public void Dispose() => _system.Terminate().Wait();

    private static byte[] RandomModel(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Asserts that <paramref name="inbox"/> receives nothing for <paramref name="time"/>.</summary>
    private static void NothingWithin(Inbox inbox, TimeSpan time)
    {
        object? unexpected = null;
        try { unexpected = inbox.Receive(time); }
        catch (TimeoutException) { }
        catch (AggregateException e) when (e.InnerException is TimeoutException) { }
        Assert.Null(unexpected);
    }

    private static ModelAnnounced Announce(byte[] model, long version = 3, int chunkSize = 1000) =>
        new(version, Models.Sha256(model), model.Length, chunkSize, "precise", "tictactoe", Network);

    private static ModelChunk ChunkOf(byte[] model, ModelAnnounced a, int index) =>
        new(a.Version, a.Sha256, index, ModelChunking.Chunk(model, index, a.ChunkSize));

    [Theory]
    [InlineData(0, 1000, 0)]
    [InlineData(1, 1000, 1)]
    [InlineData(1000, 1000, 1)]
    [InlineData(1001, 1000, 2)]
    [InlineData(25_000_000, ModelChunking.DefaultChunkSize, 382)]
    public void ChunkCountCoversTheModel(int size, int chunkSize, int expected) =>
        Assert.Equal(expected, ModelChunking.ChunkCount(size, chunkSize));

    [Fact]
    public void ChunksInAnyOrderAndRepeatedRebuildTheModel()
    {
        var model = RandomModel(10_500, 1);
        var a = Announce(model);
        var r = new ModelReassembler(a);
        var order = Enumerable.Range(0, a.Chunks).OrderBy(_ => Guid.NewGuid()).ToList();
        foreach (int i in order)
        {
            Assert.False(r.HasAllChunks);
            Assert.True(r.Accept(ChunkOf(model, a, i)));
            Assert.False(r.Accept(ChunkOf(model, a, i))); // a repeat changes nothing
        }
        Assert.Equal(11, r.Received);
        Assert.Equal(model, r.Complete());
    }

    [Fact]
    public void AnIncompleteModelIsNeverHandedOut()
    {
        var model = RandomModel(5_000, 2);
        var a = Announce(model);
        var r = new ModelReassembler(a);
        for (int i = 0; i < a.Chunks; i++) if (i != 2) r.Accept(ChunkOf(model, a, i));
        Assert.Equal([2], r.Missing());
        var e = Assert.Throws<InvalidOperationException>(() => r.Complete());
        Assert.Contains("1 of 5 chunks missing", e.Message);
    }

    [Fact]
    public void ACorruptedChunkFailsTheChecksumAndAMisshapenOneIsRefused()
    {
        var model = RandomModel(5_000, 3);
        var a = Announce(model);
        var r = new ModelReassembler(a);
        for (int i = 0; i < a.Chunks; i++)
        {
            var c = ChunkOf(model, a, i);
            if (i == 4) c.Bytes[17] ^= 0x40;
            r.Accept(c);
        }
        var e = Assert.Throws<InvalidDataException>(() => r.Complete());
        Assert.Contains(a.Sha256, e.Message);

        var fresh = new ModelReassembler(a);
        Assert.Throws<InvalidDataException>(() => fresh.Accept(new ModelChunk(a.Version, a.Sha256, 0, new byte[999])));
        Assert.Throws<InvalidDataException>(() => fresh.Accept(new ModelChunk(a.Version, a.Sha256, 5, new byte[1])));
        Assert.False(fresh.Accept(new ModelChunk(a.Version + 1, a.Sha256, 0, new byte[1000]))); // another model: ignored
        Assert.Equal(0, fresh.Received);
    }

    [Fact]
    public void EveryChunkOfADefaultSizedTransferFitsTheDefaultFrame()
    {
        var model = RandomModel(3 * ModelChunking.DefaultChunkSize + 5, 4);
        var a = Announce(model, chunkSize: ModelChunking.DefaultChunkSize);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerForType(typeof(ModelChunk));
        int largest = Enumerable.Range(0, a.Chunks).Max(i => serializer.ToBinary(ChunkOf(model, a, i)).Length);
        Assert.InRange(largest, ModelChunking.DefaultChunkSize, 128_000 - 8_000); // room for Akka's envelope
    }

    /// <summary>Stands in for the registry: announces one model as the best on subscription.</summary>
    private sealed class FakeRegistry : ReceiveActor
    {
        public FakeRegistry(ModelPublished model) => Receive<SubscribeToBest>(_ => Sender.Tell(new BestModelChanged(model)));
    }

    /// <summary>Between follower and publisher: drops every third chunk request, and corrupts one chunk of the first
    /// transfer; counts what it did.</summary>
    private sealed class BadLink : ReceiveActor
    {
        public static int Dropped, Corrupted;

        public BadLink(IActorRef publisher)
        {
            int requests = 0;
            IActorRef? follower = null;
            Receive<FetchModelChunk>(f =>
            {
                follower = Sender;
                if (++requests % 3 == 0) { Interlocked.Increment(ref Dropped); return; }
                publisher.Tell(f, Self);
            });
            Receive<GetCurrentModel>(m => publisher.Forward(m));
            Receive<ModelChunk>(c =>
            {
                if (c.Index == 1 && Corrupted == 0)
                {
                    Interlocked.Increment(ref Corrupted);
                    var bytes = (byte[])c.Bytes.Clone();
                    bytes[0] ^= 0xff;
                    c = c with { Bytes = bytes };
                }
                follower?.Tell(c);
            });
            Receive<ModelNotServed>(n => follower?.Tell(n));
        }
    }

    private (IActorRef Publisher, Inbox Announcements, byte[] Model) StartPublisher(string name, int size)
    {
        var model = RandomModel(size, 5);
        var registry = _system.ActorOf(Akka.Actor.Props.Create(() => new FakeRegistry(new ModelPublished(7, model, "precise", Models.Sha256(model)))), name + "-registry");
        var mediator = Inbox.Create(_system);
        var publisher = _system.ActorOf(ModelPublisherActor.Props(registry, mediator.Receiver, "tictactoe", Network, chunkSize: 4096), name);
        return (publisher, mediator, model);
    }

    [Fact]
    public void AFollowerFetchesTheAnnouncedModelChunkByChunkAndDeliversItOnce()
    {
        var (publisher, mediator, model) = StartPublisher("publisher", 50_000);
        var announced = Assert.IsType<Akka.Cluster.Tools.PublishSubscribe.Publish>(mediator.Receive(Wait));
        Assert.Equal(ModelTopic.Name, announced.Topic);
        var a = Assert.IsType<ModelAnnounced>(announced.Message);
        Assert.Equal((7L, 50_000, 13), (a.Version, a.Size, a.Chunks));

        var target = Inbox.Create(_system);
        _system.ActorOf(ModelFollowerActor.Props(publisher, null, target.Receiver, "tictactoe", Network, TimeSpan.FromMilliseconds(200)), "follower");
        var fetched = Assert.IsType<ModelFetched>(target.Receive(Wait));
        Assert.Equal(model, fetched.Weights);
        Assert.Equal(7, fetched.Announced.Version);
        // Polls keep answering with the same model: it is not delivered again.
        NothingWithin(target, TimeSpan.FromSeconds(1));

        var asker = Inbox.Create(_system);
        asker.Send(publisher, new FetchModelChunk(6, a.Sha256, 0));
        Assert.IsType<ModelNotServed>(asker.Receive(Wait));
        asker.Send(publisher, new FetchModelChunk(7, a.Sha256, 13));
        Assert.IsType<ModelNotServed>(asker.Receive(Wait));
    }

    [Fact]
    public void OverALossyCorruptingLinkOnlyTheVerifiedModelIsDelivered()
    {
        BadLink.Dropped = BadLink.Corrupted = 0;
        var (publisher, _, model) = StartPublisher("lossy-publisher", 40_000);
        var link = _system.ActorOf(Akka.Actor.Props.Create(() => new BadLink(publisher)), "bad-link");
        var target = Inbox.Create(_system);
        _system.ActorOf(ModelFollowerActor.Props(link, null, target.Receiver, "tictactoe", Network, TimeSpan.FromMilliseconds(300),
            chunkTimeout: TimeSpan.FromMilliseconds(400)), "lossy-follower");
        var fetched = Assert.IsType<ModelFetched>(target.Receive(Wait));
        Assert.Equal(Models.Sha256(model), Models.Sha256(fetched.Weights)); // the corrupted transfer was discarded, the retry verified
        Assert.Equal(1, BadLink.Corrupted);
        Assert.True(BadLink.Dropped > 0, "the link dropped no request");
    }

    [Fact]
    public void AFollowerRefusesAModelOfOtherNetworkOptions()
    {
        var (publisher, mediator, _) = StartPublisher("other-publisher", 10_000);
        mediator.Receive(Wait); // the publisher has its model
        var target = Inbox.Create(_system);
        _system.ActorOf(ModelFollowerActor.Props(publisher, null, target.Receiver, "tictactoe", "{\"blocks\":2}", TimeSpan.FromMilliseconds(100)), "other-follower");
        var probe = Inbox.Create(_system);
        probe.Send(publisher, new GetCurrentModel()); // the publisher is answering...
        Assert.IsType<ModelAnnounced>(probe.Receive(Wait));
        NothingWithin(target, TimeSpan.FromSeconds(1)); // ...but the follower takes nothing
    }
}
