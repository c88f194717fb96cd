using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>
/// Two actor systems connected by real remoting (DotNetty TCP on 127.0.0.1): a message of an unknown manifest, a
/// corrupt payload and a message over the 128,000-byte frame limit are each dropped — none is delivered, neither system
/// stops, and the next valid message goes through on the same connection. (Akka logs the first two on the receiving
/// side as "Deserialization failed ... association remains live", the third on the sending side as an oversized
/// payload.)
/// </summary>
public sealed class WireSafetyTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>A message type the receiving side does not know.</summary>
    public sealed record NotAPipelineMessageThere : IPipelineMessage;

    /// <summary>The sender's serializer (same id as <see cref="PipelineSerializer"/>): the real format, except an unknown
    /// manifest for <see cref="NotAPipelineMessageThere"/> and garbage bytes for a submission with an empty id.</summary>
    public sealed class TamperingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        private readonly PipelineSerializer _real = new(system);

        public override int Identifier => PipelineSerializer.Id;

        public override string Manifest(object o) => o is NotAPipelineMessageThere ? "not-a-pipeline-message/1" : _real.Manifest(o);

        public override byte[] ToBinary(object obj) => obj switch
        {
            NotAPipelineMessageThere => [0x90],
            SubmitGames s when s.SubmissionId == Guid.Empty => [0xc1, 0xff, 0x00, 0x13],
            _ => _real.ToBinary(obj),
        };

        public override object FromBinary(byte[] bytes, string manifest) => _real.FromBinary(bytes, manifest);
    }

    /// <summary>On the receiving side: answers status queries and acknowledges submissions.</summary>
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<GetBufferStatus>(_ => Sender.Tell(new BufferStatus(1, 2, 3)));
            Receive<SubmitGames>(m => Sender.Tell(new GamesAccepted(m.SubmissionId, m.Games.Length, 0)));
        }
    }

    private const string Remoting = """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        akka.stdout-loglevel = OFF
        """;

    private readonly ActorSystem _receiver = ActorSystem.Create("receiver",
        ConfigurationFactory.ParseString(Remoting).WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon)));

    private readonly ActorSystem _sender = ActorSystem.Create("sender", ConfigurationFactory.ParseString(Remoting).WithFallback(ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.tampering = "{{typeof(TamperingSerializer).AssemblyQualifiedName}}"
          serialization-bindings."{{typeof(IPipelineMessage).AssemblyQualifiedName}}" = tampering
          serialization-identifiers."{{typeof(TamperingSerializer).AssemblyQualifiedName}}" = {{PipelineSerializer.Id}}
        }
        """)));

    public void Dispose()
    {
        _sender.Terminate().Wait();
        _receiver.Terminate().Wait();
    }

    private static GameRecord Game(int moves) =>
        new(Guid.NewGuid(), "tictactoe", 1, new int[moves], Enumerable.Range(0, moves).Select(_ => new float[9]).ToArray(), [1, -1], 1);

    [Fact]
    public async Task UnknownCorruptAndOversizedMessagesAreDroppedAndTheConnectionCarriesOn()
    {
        _receiver.ActorOf(Props.Create(() => new Echo()), "echo");
        var address = ((ExtendedActorSystem)_receiver).Provider.DefaultAddress;
        var echo = await _sender.ActorSelection($"{address}/user/echo").ResolveOne(Wait);
        var inbox = Inbox.Create(_sender);
        inbox.Send(echo, new GetBufferStatus());
        Assert.Equal(new BufferStatus(1, 2, 3), inbox.Receive(Wait));

        var oversized = new SubmitGames(Guid.NewGuid(), [Game(4_000)]);
        Assert.True(new PipelineSerializer((ExtendedActorSystem)_sender).ToBinary(oversized).Length > 128_000);
        inbox.Send(echo, new NotAPipelineMessageThere());
        inbox.Send(echo, new SubmitGames(Guid.Empty, [Game(3)]));
        inbox.Send(echo, oversized);
        var valid = new SubmitGames(Guid.NewGuid(), [Game(3)]);
        inbox.Send(echo, valid);

        // Messages between two actors arrive in order: had any of the three been delivered, its answer would come first.
        var first = Assert.IsType<GamesAccepted>(inbox.Receive(Wait));
        Assert.Equal(valid.SubmissionId, first.SubmissionId);
        inbox.Send(echo, new GetBufferStatus());
        Assert.Equal(new BufferStatus(1, 2, 3), inbox.Receive(Wait));
        Assert.False(_receiver.WhenTerminated.IsCompleted);
        Assert.False(_sender.WhenTerminated.IsCompleted);
    }
}
