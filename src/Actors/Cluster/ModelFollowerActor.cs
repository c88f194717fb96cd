using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>Told by <see cref="ModelFollowerActor"/> to its target (in-process): a model arrived complete and verified.</summary>
/// <param name="Announced">What was announced.</param>
/// <param name="Weights">The weights, whose size and SHA-256 match the announcement.</param>
public sealed record ModelFetched(ModelAnnounced Announced, byte[] Weights) : INoSerializationVerificationNeeded;

/// <summary>
/// A self-play node's side of model distribution: learns of models from the pub-sub topic
/// <see cref="ModelTopic.Name"/> and by asking the trainer (<see cref="GetCurrentModel"/>) every poll interval — a node
/// that joins late, or missed an announcement while subscriptions spread, still finds the current model — then pulls
/// the weights chunk by chunk (a few chunks in flight; a chunk without an answer is asked for again) into a
/// <see cref="ModelReassembler"/>, and tells its target <see cref="ModelFetched"/> only when the whole model is in and
/// matches the announced size and SHA-256. A model for another game or other network options is refused with an
/// error in the log; an announcement older than the model already delivered is ignored.
/// </summary>
public sealed class ModelFollowerActor : ReceiveActor, IWithTimers
{
    private sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    private sealed record Poll : INoSerializationVerificationNeeded { public static readonly Poll Instance = new(); }

    /// <summary>Chunk requests in flight at once.</summary>
    public const int Window = 4;

    /// <summary>By default, a transfer without progress for this long asks for its outstanding chunks again.</summary>
    public static readonly TimeSpan DefaultChunkTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A transfer is abandoned (to start over with the next announcement) after this many timeouts in a row.</summary>
    public const int MaxTimeouts = 6;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _trainer;
    private readonly IActorRef? _mediator;
    private readonly IActorRef _target;
    private readonly string _game;
    private readonly string _network;
    private readonly TimeSpan _pollEvery;
    private readonly TimeSpan _chunkTimeout;
    private readonly HashSet<int> _outstanding = [];
    private readonly HashSet<long> _refused = [];
    private ModelAnnounced? _delivered;
    private ModelReassembler? _fetch;
    private DateTime _lastProgress;
    private int _timeouts;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="trainer">The trainer singleton (a proxy): answers <see cref="GetCurrentModel"/> and serves chunks.</param>
    /// <param name="mediator">The distributed pub-sub mediator (<c>null</c>: poll only).</param>
    /// <param name="target">Receives <see cref="ModelFetched"/>.</param>
    /// <param name="game">The game this node plays.</param>
    /// <param name="network">This node's network options as JSON.</param>
    /// <param name="pollEvery">How often to ask the trainer for the current model.</param>
    /// <param name="chunkTimeout">A transfer without progress for this long asks for its outstanding chunks again
    /// (default <see cref="DefaultChunkTimeout"/>).</param>
    public static Props Props(IActorRef trainer, IActorRef? mediator, IActorRef target, string game, string network, TimeSpan pollEvery,
        TimeSpan? chunkTimeout = null) =>
        Akka.Actor.Props.Create(() => new ModelFollowerActor(trainer, mediator, target, game, network, pollEvery, chunkTimeout ?? DefaultChunkTimeout));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public ModelFollowerActor(IActorRef trainer, IActorRef? mediator, IActorRef target, string game, string network, TimeSpan pollEvery,
        TimeSpan chunkTimeout)
    {
        _chunkTimeout = chunkTimeout;
        _trainer = trainer;
        _mediator = mediator;
        _target = target;
        _game = game;
        _network = network;
        _pollEvery = pollEvery;
        Receive<SubscribeAck>(_ => _log.Info("subscribed to model announcements"));
        Receive<Poll>(_ => _trainer.Tell(new GetCurrentModel()));
        Receive<ModelAnnounced>(OnAnnounced);
        Receive<RunFinished>(_ => { }); // the node itself stops on it (ClusterNode)
        Receive<ModelChunk>(OnChunk);
        Receive<ModelNotServed>(n =>
        {
            if (_fetch is null || _fetch.Announced.Version != n.Version) return;
            _log.Info("model {Version} is no longer offered ({Reason}); asking for the current one", n.Version, n.Reason);
            Abandon();
            _trainer.Tell(new GetCurrentModel());
        });
        Receive<Tick>(_ =>
        {
            if (_fetch is null || DateTime.UtcNow - _lastProgress < _chunkTimeout) return;
            if (++_timeouts >= MaxTimeouts)
            {
                _log.Warning("model {Version}: no chunk for {Count} timeouts in a row; starting over with the next announcement", _fetch.Announced.Version, _timeouts);
                Abandon();
                return;
            }
            _log.Warning("model {Version}: no chunk for {Seconds:0} s, asking again for {Count} chunks", _fetch.Announced.Version, _chunkTimeout.TotalSeconds, _outstanding.Count);
            _lastProgress = DateTime.UtcNow;
            _outstanding.Clear();
            RequestMore();
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        _mediator?.Tell(new Subscribe(ModelTopic.Name, Self));
        Self.Tell(Poll.Instance);
        Timers.StartPeriodicTimer("poll", Poll.Instance, _pollEvery);
        Timers.StartPeriodicTimer("tick", Tick.Instance, _chunkTimeout / 4);
    }

    private void OnAnnounced(ModelAnnounced a)
    {
        if (a.Game != _game || a.Network != _network)
        {
            if (_refused.Add(a.Version))
                _log.Error("refusing model {Version} from {Sender}: it is for game {Game} with network {Network}, this node runs {OwnGame} with {OwnNetwork}",
                    a.Version, Sender, a.Game, a.Network, _game, _network);
            return;
        }
        if (_delivered is not null && (a.Version < _delivered.Version || (a.Version == _delivered.Version && a.Sha256 == _delivered.Sha256))) return;
        if (_fetch is not null && _fetch.Announced.Version == a.Version && _fetch.Announced.Sha256 == a.Sha256) return;
        if (_fetch is not null && _fetch.Announced.Version > a.Version) return;
        try
        {
            _fetch = new ModelReassembler(a);
        }
        catch (InvalidDataException e)
        {
            _log.Error("ignoring announcement from {Sender}: {Problem}", Sender, e.Message);
            return;
        }
        _outstanding.Clear();
        _timeouts = 0;
        _lastProgress = DateTime.UtcNow;
        _log.Info("fetching model {Version} ({Size} bytes in {Chunks} chunks)", a.Version, a.Size, a.Chunks);
        Advance();
    }

    private void OnChunk(ModelChunk c)
    {
        if (_fetch is null) return;
        bool fresh;
        try
        {
            fresh = _fetch.Accept(c);
        }
        catch (InvalidDataException e)
        {
            _log.Error("discarding the transfer of model {Version}: {Problem}", _fetch.Announced.Version, e.Message);
            Abandon();
            return;
        }
        if (!fresh) return;
        _outstanding.Remove(c.Index);
        _lastProgress = DateTime.UtcNow;
        _timeouts = 0;
        Advance();
    }

    private void Advance()
    {
        var fetch = _fetch!;
        if (!fetch.HasAllChunks)
        {
            RequestMore();
            return;
        }
        Abandon();
        byte[] weights;
        try
        {
            weights = fetch.Complete();
        }
        catch (InvalidDataException e)
        {
            _log.Error("discarding model {Version}: {Problem}", fetch.Announced.Version, e.Message);
            return;
        }
        _delivered = fetch.Announced;
        _target.Tell(new ModelFetched(fetch.Announced, weights));
    }

    private void RequestMore()
    {
        var fetch = _fetch!;
        foreach (int index in fetch.Missing())
        {
            if (_outstanding.Count >= Window) break;
            if (_outstanding.Add(index)) _trainer.Tell(new FetchModelChunk(fetch.Announced.Version, fetch.Announced.Sha256, index));
        }
    }

    private void Abandon()
    {
        _fetch = null;
        _outstanding.Clear();
    }
}
