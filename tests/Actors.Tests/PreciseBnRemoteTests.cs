using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;
using static TorchSharp.torch;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The plain pieces of Precise BN on another node: sampled positions and measurements cut into frame-sized
/// parts and joined back (through the pipeline's serializer), and the trainer's application of received statistics,
/// which publishes exactly the bytes the local stage publishes on the same data.</summary>
[Collection(TorchCollection.Name)]
public sealed class PreciseBnRemoteTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("precisebn-test", ConfigurationFactory.ParseString(PipelineSerializer.Hocon));

    public void Dispose() => _system.Terminate().Wait();

    /// <summary><paramref name="count"/> positions drawn with repeats from 40 random games (a game gives several positions).</summary>
    private static List<ReplayPosition> Sample(int count, int seed)
    {
        var rng = new Random(seed);
        var games = Enumerable.Range(0, 40).Select(_ => TestRecords.RandomTicTacToe(rng, randomResult: true)).ToList();
        return Enumerable.Range(0, count).Select(_ => { var g = games[rng.Next(games.Count)]; return new ReplayPosition(g, rng.Next(g.Length)); }).ToList();
    }

    /// <summary>A message sent through the configured serializer and read back: its size on the wire, and the copy.</summary>
    private (int Bytes, T Copy) Wire<T>(T message) where T : notnull
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<PipelineSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var copy = (T)_system.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        return (bytes.Length, copy);
    }

    [Fact]
    public void ASampleCutIntoPartsUnderTheLimitJoinsBackToTheSamePositionsInAnyOrder()
    {
        var positions = Sample(300, seed: 1);
        var id = Guid.NewGuid();
        var parts = MessageParts.SplitSample(id, positions, maxBytes: 2_000);
        Assert.True(parts.Length > 3, $"300 positions should not fit 2,000 bytes in {parts.Length} parts");
        var received = new List<PositionsSampledPart>();
        foreach (var part in parts)
        {
            var (bytes, copy) = Wire(part);
            Assert.InRange(bytes, 1, 2_000);
            Assert.Equal(parts.Length, copy.Parts);
            received.Add(copy);
        }
        received.Reverse(); // arrival order does not matter
        var joined = MessageParts.JoinSample(received);
        Assert.Equal(positions.Select(p => (p.Game.Id, p.Ply)), joined.Select(p => (p.Game.Id, p.Ply)));
        Assert.Equal(positions.Select(p => p.Game.Actions), joined.Select(p => p.Game.Actions));

        // The default limit keeps a real-sized sample in messages far below the 128,000-byte frame.
        var big = MessageParts.SplitSample(id, Sample(5_000, seed: 2));
        Assert.All(big, p => Assert.InRange(Wire(p).Bytes, 1, MessageParts.DefaultMaxBytes));
    }

    [Fact]
    public void AnIncompleteRepeatedOrMixedSetOfPartsIsRefused()
    {
        var parts = MessageParts.SplitSample(Guid.NewGuid(), Sample(300, seed: 3), maxBytes: 2_000);
        var missing = Assert.Throws<InvalidDataException>(() => MessageParts.JoinSample(parts.Skip(1).ToList()));
        Assert.Contains("1 of", missing.Message);
        Assert.Throws<InvalidDataException>(() => MessageParts.JoinSample([.. parts, parts[0]]));
        var other = MessageParts.SplitSample(Guid.NewGuid(), Sample(300, seed: 3), maxBytes: 2_000);
        Assert.Throws<InvalidDataException>(() => MessageParts.JoinSample([other[0], .. parts.Skip(1)]));
        // One game that cannot fit a part is refused by name.
        var huge = new GameRecord(Guid.NewGuid(), "tictactoe", 1, new int[60], Enumerable.Range(0, 60).Select(_ => new float[9]).ToArray(), [1, -1], 1);
        var e = Assert.Throws<InvalidDataException>(() => MessageParts.SplitSample(Guid.NewGuid(), [new ReplayPosition(huge, 0)], maxBytes: 1_024));
        Assert.Contains(huge.Id.ToString(), e.Message);
        // An empty sample is one empty part.
        var empty = MessageParts.SplitSample(Guid.NewGuid(), []);
        Assert.Empty(MessageParts.JoinSample(empty));
    }

    [Fact]
    public void AMeasurementCutIntoPartsJoinsBackLayerForLayer()
    {
        var rng = new Random(4);
        var layers = Enumerable.Range(0, 30).Select(i => new BnLayerStatistics($"tower.{i}.bn", "default",
            Enumerable.Range(0, 64).Select(_ => rng.NextDouble()).ToArray(), Enumerable.Range(0, 64).Select(_ => rng.NextDouble() + 0.5).ToArray())).ToArray();
        var staleness = new StalenessSummary(0.25, 0.125, "tower.3.bn", 2.5, 2.25, 0.5, 64);
        var parts = PreciseBnParts.SplitMeasurement(Guid.NewGuid(), 7, "ab12", layers, staleness, maxBytes: 4_000);
        Assert.True(parts.Length > 5, $"30 layers of 64 channels should not fit 4,000 bytes in {parts.Length} parts");
        var copies = parts.Select(p => { var (bytes, copy) = Wire(p); Assert.InRange(bytes, 1, 4_000); return copy; }).Reverse().ToList();
        var (joined, summary) = PreciseBnParts.JoinMeasurement(copies);
        Assert.Equal(staleness, summary);
        Assert.Equal(layers.Select(l => l.Name), joined.Select(l => l.Name));
        Assert.All(layers.Zip(joined), p => { Assert.Equal(p.First.Mean, p.Second.Mean); Assert.Equal(p.First.Variance, p.Second.Variance); });
        var otherJob = PreciseBnParts.SplitMeasurement(Guid.NewGuid(), 7, "ab12", layers, staleness, maxBytes: 4_000);
        Assert.Throws<InvalidDataException>(() => PreciseBnParts.JoinMeasurement([otherJob[0], .. copies.Where(c => c.Part != 0)]));
    }

    private static RunOptions Options() => EndToEndTests.Tiny(1) with { Network = new NetworkOptions { Blocks = 2, Filters = 8, ValueHidden = 16 } };

    /// <summary>A snapshot whose EMA statistics moved away from the initial ones: a few training-mode forwards.</summary>
    private static byte[] Snapshot(RunOptions options, IReadOnlyList<ReplayPosition> positions)
    {
        manual_seed(11);
        using var net = Models.Create(TicTacToeGame.Instance, options.Network, options.Bn.Decay, CPU);
        net.train();
        var encoder = new PositionEncoder(TicTacToeGame.Instance);
        using (no_grad())
            for (int i = 0; i < 3; i++)
            {
                using var input = encoder.Encode(positions.Skip(i * 32).Take(32).ToList(), null).Input;
                net.call(input);
            }
        net.eval();
        return Models.Save(net);
    }

    [Fact]
    public void StatisticsMeasuredElsewhereAndSentInPartsPublishTheBytesOfTheLocalStage()
    {
        var options = Options();
        var game = TicTacToeGame.Instance;
        var positions = Sample(PreciseBnPass.Positions(options.Bn), seed: 5);
        var snapshot = Snapshot(options, Sample(96, seed: 6));

        // The reference: the library's Precise BN written into the snapshot directly, as the local stage always did.
        byte[] reference;
        double referenceGap;
        using (var net = Models.Create(game, options.Network, options.Bn.Decay, CPU))
        {
            Models.Load(net, snapshot);
            var encoder = new PositionEncoder(game);
            int size = options.Bn.PreciseBatchSize;
            var batches = Enumerable.Range(0, options.Bn.PreciseBatches).Select(i => encoder.Encode(positions.Skip(i * size).Take(size).ToList(), null).Input).ToList();
            var precise = PreciseBatchNorm.Compute(net, batches, x => net.call(x), new PreciseBatchNormOptions { Estimator = options.Bn.Estimator });
            referenceGap = Staleness.Measure(precise).MeanGap;
            precise.WriteTo();
            reference = Models.Save(net);
        }

        // The remote path: measured "on the precisebn node", sent in parts through the serializer, applied "on the trainer".
        var measured = PreciseBnPass.Measure(game, options, CPU, snapshot, positions);
        var parts = PreciseBnParts.SplitMeasurement(Guid.NewGuid(), 3, Models.Sha256(snapshot), measured.Layers, measured.Staleness, maxBytes: 1_024);
        Assert.True(parts.Length > 1, "the test should cross several parts");
        var (layers, staleness) = PreciseBnParts.JoinMeasurement(parts.Select(p => Wire(p).Copy).ToList());
        var published = PreciseBnPass.Apply(game, options, CPU, snapshot, layers);

        Assert.Equal(Models.Sha256(reference), Models.Sha256(published));
        Assert.NotEqual(Models.Sha256(snapshot), Models.Sha256(published)); // the statistics did change
        Assert.Equal(referenceGap, staleness.MeanGap, 1e-12);
        Assert.True(staleness.MeanGap > 0, "the snapshot's EMA statistics differ from the precise ones");
        Assert.Equal(options.Bn.PreciseBatches * options.Bn.PreciseBatchSize, staleness.Samples);

        // Under bn.inference = ema the snapshot's statistics are published as they are.
        var ema = options with { Bn = options.Bn with { Inference = BnInference.Ema } };
        using (var net = Models.Create(game, options.Network, options.Bn.Decay, CPU))
        {
            Models.Load(net, snapshot);
            Assert.Equal(Models.Sha256(Models.Save(net)), Models.Sha256(PreciseBnPass.Apply(game, ema, CPU, snapshot, layers)));
        }
    }

    [Fact]
    public void StatisticsThatDoNotFitTheNetworkAreRefused()
    {
        var options = Options();
        var snapshot = Snapshot(options, Sample(96, seed: 7));
        var measured = PreciseBnPass.Measure(TicTacToeGame.Instance, options, CPU, snapshot, Sample(PreciseBnPass.Positions(options.Bn), seed: 8));
        var first = measured.Layers[0];
        BnLayerStatistics[] With(BnLayerStatistics changed) => [changed, .. measured.Layers.Skip(1)];
        void Refused(BnLayerStatistics changed, string expected)
        {
            var e = Assert.Throws<InvalidDataException>(() => PreciseBnPass.Apply(TicTacToeGame.Instance, options, CPU, snapshot, With(changed)));
            Assert.Contains(expected, e.Message);
        }
        Refused(first with { Name = "no.such.layer" }, "no.such.layer");
        Refused(first with { Domain = "other" }, "domain 'other'");
        Refused(first with { Mean = first.Mean[1..] }, "channels");
        Refused(first with { Variance = [.. first.Variance.Select((v, i) => i == 0 ? double.NaN : v)] }, "not finite");
        Refused(first with { Variance = [.. first.Variance.Select((v, i) => i == 0 ? -1.0 : v)] }, "negative variance");
    }
}
