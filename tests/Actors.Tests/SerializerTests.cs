using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Every pipeline message goes through the MessagePack serializer and comes back equal; bad input is
/// refused with an error that names it.</summary>
public sealed class SerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-test", ConfigurationFactory.ParseString(PipelineSerializer.Hocon));

    public void Dispose() => _system.Terminate().Wait();

    private static GameRecord Game() => new(Guid.NewGuid(), "tictactoe", 3, [4, 0, 8], [[0, 0, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 1]], [1, -1], 2);

    public static IEnumerable<object[]> Messages()
    {
        var loss = new LossSummary(1.5, 0.25, 0.01, 0.02, 400);
        var staleness = new StalenessSummary(0.3, 0.1, "tower.0.bn1", 2.0, 1.5, 0.7, 512);
        yield return [new SubmitGames(Guid.NewGuid(), [Game(), Game()])];
        yield return [new GamesAccepted(Guid.NewGuid(), 2, 1_000)];
        yield return [new GetBufferStatus()];
        yield return [new BufferStatus(10, 2, 7)];
        yield return [new SubscribeToBufferStatus()];
        yield return [new SamplePositions(Guid.NewGuid(), 64)];
        yield return [PositionsSampled.From(Guid.NewGuid(), [new ReplayPosition(Game(), 1)])];
        yield return [new SnapshotTaken(4, [1, 2, 3], loss, 12.5)];
        yield return [new PublishModel(4, [9, 8], "precise", loss, staleness, 3.0)];
        yield return [new ModelPublished(4, [9, 8], "precise", "ab12")];
        yield return [new SubscribeToModels()];
        yield return [new EvaluationFinished(4, "mcts", 3, 1, 0, 190.8)];
        yield return [new EvaluationFinished(4, "model-3", 1, 1, 2, -88.7, 1, 1, 412.5)];
        yield return [new AccuracyMeasured(4, "search-50", 412, 500)];
        yield return [new UseGating()];
        yield return [new SubscribeToBest()];
        yield return [new PromoteModel(4)];
        yield return [new BestModelChanged(new ModelPublished(4, [9, 8], "precise", "ab12"))];
        yield return [new GatingDecided(4, 2, 0.6, 0.55, true)];
        yield return [new ModelAnnounced(4, "ab12", 70_000, 65_536, "precise", "tictactoe", "{\"blocks\":1}")];
        yield return [new GetCurrentModel()];
        yield return [new FetchModelChunk(4, "ab12", 1)];
        yield return [new ModelChunk(4, "ab12", 1, [1, 2, 3])];
        yield return [new ModelNotServed(4, "superseded")];
        yield return [new PublishModel(4, [9, 8], "precise", loss, staleness, 3.0, "akka.tcp://selfplaybn@127.0.0.1:2552")];
        var layer = new BnLayerStatistics("tower.0.bn1", "default", [0.5, -1.25], [1.0, 0.125]);
        yield return [new MeasurePreciseBn(Guid.NewGuid(), new ModelAnnounced(4, "ab12", 70_000, 65_536, "snapshot", "tictactoe", "{\"blocks\":1}"), 96)];
        yield return [new SamplePositionsInParts(Guid.NewGuid(), 96, 96_000)];
        yield return [new PositionsSampledPart(Guid.NewGuid(), 1, 3, PositionsSampled.From(Guid.NewGuid(), [new ReplayPosition(Game(), 2)]))];
        yield return [new PreciseBnComputedPart(Guid.NewGuid(), 4, "ab12", 0, 2, [layer], staleness)];
        yield return [new PreciseBnFailed(Guid.NewGuid(), "no positions")];
        yield return [new RunFinished(20, "reached 20 generations")];
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void RoundTripsThroughTheConfiguredSerializer(object message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<PipelineSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = _system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.Equal(Canonical(message), Canonical(back));
    }

    [Fact]
    public void EveryPipelineMessageTypeHasItsOwnWireName()
    {
        var types = typeof(IPipelineMessage).Assembly.GetTypes()
            .Where(t => typeof(IPipelineMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .ToList();
        Assert.True(types.Count >= 25, $"found only {types.Count} pipeline message types");
        Assert.All(types, t => Assert.Contains(t, PipelineSerializer.KnownTypes));
        var names = types.Select(t => ((WireNameAttribute)Attribute.GetCustomAttribute(t, typeof(WireNameAttribute))!).Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void EveryKnownTypeIsAPipelineMessageAndHasATest()
    {
        var tested = Messages().Select(m => m[0].GetType()).ToHashSet();
        Assert.All(PipelineSerializer.KnownTypes, t => Assert.Contains(t, tested));
        Assert.All(PipelineSerializer.KnownTypes, t => Assert.True(typeof(IPipelineMessage).IsAssignableFrom(t)));
    }

    [Fact]
    public void AnEvaluationWrittenBeforeTheNewKeysReadsWithTheirDefaults()
    {
        // Format 1 as first written: an array of the six keys 0..5 only.
        var bytes = MessagePack.MessagePackSerializer.Serialize(new object[] { 4L, "mcts", 3, 1, 0, 190.8 });
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerForType(typeof(EvaluationFinished));
        var back = Assert.IsType<EvaluationFinished>(serializer.FromBinary(bytes, "evaluation-finished/1"));
        Assert.Equal(new EvaluationFinished(4, "mcts", 3, 1, 0, 190.8), back);
        Assert.Null(back.Rating);
    }

    [Fact]
    public void UnknownManifestsAndCorruptPayloadsAreRefusedByName()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerForType(typeof(SubmitGames));
        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary([0x90], "no-such-message/1"));
        Assert.Contains("no-such-message/1", unknown.Message);
        var corrupt = Assert.Throws<SerializationException>(() => serializer.FromBinary([0xc1, 0xff, 0x00], "submit-games/1"));
        Assert.Contains("submit-games/1", corrupt.Message);
    }

    /// <summary>Records with arrays compare by reference; compare their MessagePack-independent JSON instead.</summary>
    private static string Canonical(object o) => System.Text.Json.JsonSerializer.Serialize(o, o.GetType());
}
