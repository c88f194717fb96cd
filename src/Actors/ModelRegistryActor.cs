using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>What the registry records about a published version (<c>models/model-NNNNNN.json</c>).</summary>
/// <param name="Version">The version.</param>
/// <param name="Statistics"><c>initial</c>, <c>ema</c> or <c>precise</c>.</param>
/// <param name="Sha256">Hex SHA-256 of the weights file.</param>
/// <param name="PublishedUtc">When it was published.</param>
/// <param name="Losses">The trainer's losses of the generation (none for the initial model).</param>
/// <param name="Staleness">What Precise BN measured (none for the initial model).</param>
public sealed record PublishedModelInfo(long Version, string Statistics, string Sha256, DateTime PublishedUtc, LossSummary? Losses, StalenessSummary? Staleness);

/// <summary>Told to the registry's parent after each publication (in-process event).</summary>
/// <param name="Info">What was published.</param>
/// <param name="TrainSeconds">The generation's training time.</param>
/// <param name="PreciseBnNode">Where Precise BN measured the statistics (see <see cref="ModelReady.PreciseBnNode"/>).</param>
public sealed record VersionPublished(PublishedModelInfo Info, double TrainSeconds, string? PreciseBnNode = null) : INoSerializationVerificationNeeded;

/// <summary>
/// The model registry: writes each ready model as a checkpoint (<c>models/model-NNNNNN.bin</c> and its <c>.json</c>,
/// atomically, then <c>models/latest.json</c>), keeps the current version, and tells every subscriber — first the
/// current model on subscription, then each new one. A late or repeated <see cref="ModelReady"/> for an older version is
/// ignored.
/// </summary>
/// <remarks>
/// <para>It also keeps the <em>best</em> model, the one self-play uses (the inference service subscribes with
/// <see cref="SubscribeToBest"/> and gets <see cref="BestModelChanged"/>). Without gating the best is simply the
/// current model: each publication is a change of best, so self-play follows every version as before.</para>
/// <para>Gating (<c>evaluation.gating</c>): the evaluator sends <see cref="UseGating"/> when it starts; from then on the
/// best changes only on <see cref="PromoteModel"/> (a version that passed the gate), and is recorded in
/// <c>models/best.json</c> so a resumed run keeps it (without that file the best starts as the current model).</para>
/// </remarks>
public sealed class ModelRegistryActor : ReceiveActor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly HashSet<IActorRef> _bestSubscribers = [];
    private readonly string _directory;
    private ModelPublished? _current;
    private ModelPublished? _best;
    private bool _gating;

    /// <summary>Props of the registry over <paramref name="directory"/>; <paramref name="initial"/> is published
    /// (as version 0) when the folder holds no model yet.</summary>
    public static Props Props(string directory, byte[] initial) => Akka.Actor.Props.Create(() => new ModelRegistryActor(directory, initial));

    /// <summary>The weights file of <paramref name="version"/>.</summary>
    public static string WeightsPath(string directory, long version) =>
        Path.Combine(directory, $"model-{version.ToString("D6", CultureInfo.InvariantCulture)}.bin");

    /// <summary>The latest published version recorded in <paramref name="directory"/>, or <c>null</c>.</summary>
    public static PublishedModelInfo? Latest(string directory)
    {
        string path = Path.Combine(directory, "latest.json");
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<PublishedModelInfo>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>The best version recorded in <paramref name="directory"/> under gating (<c>best.json</c>), or <c>null</c>.</summary>
    public static PublishedModelInfo? Best(string directory) => ReadInfo(Path.Combine(directory, "best.json"));

    private static PublishedModelInfo? ReadInfo(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<PublishedModelInfo>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>The model of a recorded version, its weights checked against the recorded checksum.</summary>
    private static ModelPublished LoadModel(string directory, PublishedModelInfo info)
    {
        var weights = File.ReadAllBytes(WeightsPath(directory, info.Version));
        if (Models.Sha256(weights) != info.Sha256)
            throw new InvalidDataException($"{WeightsPath(directory, info.Version)} does not match its recorded checksum");
        return new ModelPublished(info.Version, weights, info.Statistics, info.Sha256);
    }

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public ModelRegistryActor(string directory, byte[] initial)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        DurableFile.CleanTemporaryFiles(directory);
        if (Latest(directory) is { } latest)
        {
            var weights = File.ReadAllBytes(WeightsPath(directory, latest.Version));
            if (Models.Sha256(weights) != latest.Sha256)
                throw new InvalidDataException($"{WeightsPath(directory, latest.Version)} does not match the checksum in latest.json");
            _current = new ModelPublished(latest.Version, weights, latest.Statistics, latest.Sha256);
            _log.Info("registry: resuming at model {Version}", latest.Version);
        }
        else
        {
            Publish(directory, 0, initial, "initial", null, null, 0);
        }
        _best = _current; // no subscriber yet: nobody to tell

        Receive<SubscribeToModels>(_ =>
        {
            _subscribers.Add(Sender);
            Context.Watch(Sender);
            if (_current is not null) Sender.Tell(_current);
        });
        Receive<SubscribeToBest>(_ =>
        {
            _bestSubscribers.Add(Sender);
            Context.Watch(Sender);
            if (_best is not null) Sender.Tell(new BestModelChanged(_best));
        });
        Receive<Terminated>(t =>
        {
            _subscribers.Remove(t.ActorRef);
            _bestSubscribers.Remove(t.ActorRef);
        });
        Receive<UseGating>(_ => StartGating());
        Receive<PromoteModel>(Promote);
        Receive<ModelReady>(m =>
        {
            if (_current is not null && m.Generation <= _current.Version)
            {
                _log.Warning("registry: ignoring model for generation {Generation}, version {Current} is already published", m.Generation, _current.Version);
                return;
            }
            Publish(directory, m.Generation, m.Weights, m.Statistics, m.Losses, m.Staleness, m.TrainSeconds, m.PreciseBnNode);
        });
    }

    private void Publish(string directory, long version, byte[] weights, string statistics, LossSummary? losses, StalenessSummary? staleness, double trainSeconds,
        string? preciseBnNode = null)
    {
        string sha = Models.Sha256(weights);
        var info = new PublishedModelInfo(version, statistics, sha, DateTime.UtcNow, losses, staleness);
        DurableFile.WriteAllBytes(WeightsPath(directory, version), weights);
        string json = JsonSerializer.Serialize(info, Json);
        DurableFile.WriteAllText(Path.ChangeExtension(WeightsPath(directory, version), ".json"), json);
        DurableFile.WriteAllText(Path.Combine(directory, "latest.json"), json);
        _current = new ModelPublished(version, weights, statistics, sha);
        foreach (var s in _subscribers) s.Tell(_current);
        if (!_gating) ChangeBest(_current);
        Context.Parent.Tell(new VersionPublished(info, trainSeconds, preciseBnNode));
        _log.Info("registry: published model {Version} ({Statistics} statistics, sha256 {Sha})", version, statistics, sha[..12]);
    }

    private void StartGating()
    {
        if (_gating) return;
        _gating = true;
        var best = Best(_directory) is { } info ? LoadModel(_directory, info) : _current!;
        _log.Info("registry: gating on, the best model is {Version}", best.Version);
        WriteBest(best.Version); // on disk before it is announced
        ChangeBest(best);
    }

    private void Promote(PromoteModel m)
    {
        if (!_gating) { _log.Warning("registry: ignoring promotion of model {Version}: gating is off", m.Version); return; }
        if (_best is not null && m.Version <= _best.Version)
        {
            _log.Warning("registry: ignoring promotion of model {Version}: the best is already {Best}", m.Version, _best.Version);
            return;
        }
        var info = ReadInfo(Path.ChangeExtension(WeightsPath(_directory, m.Version), ".json"))
            ?? throw new InvalidOperationException($"promotion of model {m.Version}, which was never published");
        var best = LoadModel(_directory, info);
        WriteBest(m.Version); // on disk before it is announced
        ChangeBest(best);
        _log.Info("registry: model {Version} is the best model", m.Version);
    }

    private void WriteBest(long version) =>
        DurableFile.WriteAllText(Path.Combine(_directory, "best.json"),
            File.ReadAllText(Path.ChangeExtension(WeightsPath(_directory, version), ".json")));

    private void ChangeBest(ModelPublished best)
    {
        if (_best is not null && _best.Version == best.Version && _best.Sha256 == best.Sha256) return;
        _best = best;
        var message = new BestModelChanged(best);
        foreach (var s in _bestSubscribers) s.Tell(message);
    }
}
