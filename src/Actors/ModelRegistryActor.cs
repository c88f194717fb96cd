using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>Told to the registry's parent after each publication (in-process event).</summary>
/// <param name="Info">What was published.</param>
/// <param name="TrainSeconds">The generation's training time.</param>
/// <param name="PreciseBnNode">Where Precise BN measured the statistics (see <see cref="PublishModel.PreciseBnNode"/>).</param>
public sealed record VersionPublished(PublishedModelInfo Info, double TrainSeconds, string? PreciseBnNode = null) : INoSerializationVerificationNeeded;

/// <summary>
/// The model registry: publishes each ready model in the run's <see cref="ModelStore"/> (weights, record,
/// <c>latest.json</c>), keeps the current version, and tells every subscriber — first the current model on subscription,
/// then each new one. A late or repeated <see cref="PublishModel"/> for an older version is
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
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly HashSet<IActorRef> _bestSubscribers = [];
    private readonly ModelStore _store;
    private ModelPublished? _current;
    private ModelPublished? _best;
    private bool _gating;

    /// <summary>Props of the registry over the model store in <paramref name="directory"/>; <paramref name="initial"/> is
    /// published (as version 0) when the store holds no model yet.</summary>
    public static Props Props(string directory, byte[] initial) => Akka.Actor.Props.Create(() => new ModelRegistryActor(directory, initial));

    private ModelPublished Load(PublishedModelInfo info) => new(info.Version, _store.ReadWeights(info), info.Statistics, info.Sha256);

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public ModelRegistryActor(string directory, byte[] initial)
    {
        _store = new ModelStore(directory);
        _store.CleanTemporaryFiles();
        if (_store.Latest() is { } latest)
        {
            _current = Load(latest);
            _log.Info("registry: resuming at model {Version}", latest.Version);
        }
        else
        {
            Publish(0, initial, "initial", null, null, 0);
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
        Receive<PublishModel>(m =>
        {
            if (_current is not null && m.Generation <= _current.Version)
            {
                _log.Warning("registry: ignoring model for generation {Generation}, version {Current} is already published", m.Generation, _current.Version);
                return;
            }
            Publish(m.Generation, m.Weights, m.Statistics, m.Losses, m.Staleness, m.TrainSeconds, m.PreciseBnNode);
        });
    }

    private void Publish(long version, byte[] weights, string statistics, LossSummary? losses, StalenessSummary? staleness, double trainSeconds,
        string? preciseBnNode = null)
    {
        var info = _store.Publish(version, weights, statistics, losses, staleness);
        _current = new ModelPublished(version, weights, statistics, info.Sha256);
        foreach (var s in _subscribers) s.Tell(_current);
        if (!_gating) ChangeBest(_current);
        Context.Parent.Tell(new VersionPublished(info, trainSeconds, preciseBnNode));
        _log.Info("registry: published model {Version} ({Statistics} statistics, sha256 {Sha})", version, statistics, info.Sha256[..12]);
    }

    private void StartGating()
    {
        if (_gating) return;
        _gating = true;
        var best = _store.Best() is { } info ? Load(info) : _current!;
        _log.Info("registry: gating on, the best model is {Version}", best.Version);
        _store.MarkBest(best.Version); // on disk before it is announced
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
        var info = _store.Info(m.Version)
            ?? throw new InvalidOperationException($"promotion of model {m.Version}, which was never published");
        var best = Load(info);
        _store.MarkBest(m.Version); // on disk before it is announced
        ChangeBest(best);
        _log.Info("registry: model {Version} is the best model", m.Version);
    }

    private void ChangeBest(ModelPublished best)
    {
        if (_best is not null && _best.Version == best.Version && _best.Sha256 == best.Sha256) return;
        _best = best;
        var message = new BestModelChanged(best);
        foreach (var s in _bestSubscribers) s.Tell(message);
    }
}
