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
/// the weights chunk by chunk through a <see cref="ModelDownload"/> (a few chunks in flight; a chunk without an answer is
/// asked for again), and tells its target <see cref="ModelFetched"/> only when the whole model is in and
/// matches the announced size and SHA-256. A model for another game or other network options is refused with an
/// error in the log; an announcement older than the model already delivered is ignored.
/// </summary>
public sealed class ModelFollowerActor : ReceiveActor, IWithTimers
{
    private sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    private sealed record Poll : INoSerializationVerificationNeeded { public static readonly Poll Instance = new(); }

    /// <summary>By default, a transfer without progress for this long asks for its outstanding chunks again.</summary>
    public static readonly TimeSpan DefaultChunkTimeout = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _trainer;
    private readonly IActorRef? _mediator;
    private readonly TimeSpan _pollEvery;
    private readonly TimeSpan _chunkTimeout;
    private readonly ModelDownload _download;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="trainer">Where models are fetched from (the trainer singleton's proxy, or a Precise BN delegate's snapshot server).</param>
    /// <param name="mediator">The pub-sub mediator to subscribe to announcements with, or <c>null</c> (poll only).</param>
    /// <param name="target">Told <see cref="ModelFetched"/> for each complete, verified model.</param>
    /// <param name="game">The node's game: a model for another game is refused.</param>
    /// <param name="network">The node's network options as JSON: a model with other options is refused.</param>
    /// <param name="pollEvery">How often the trainer is asked for its current model.</param>
    /// <param name="chunkTimeout">A transfer without progress for this long asks for its outstanding chunks again
    /// (default <see cref="DefaultChunkTimeout"/>).</param>
    public static Props Props(IActorRef trainer, IActorRef? mediator, IActorRef target, string game, string network, TimeSpan pollEvery,
        TimeSpan? chunkTimeout = null) =>
        Akka.Actor.Props.Create(() => new ModelFollowerActor(trainer, mediator, target, game, network, pollEvery, chunkTimeout ?? DefaultChunkTimeout));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public ModelFollowerActor(IActorRef trainer, IActorRef? mediator, IActorRef target, string game, string network, TimeSpan pollEvery,
        TimeSpan chunkTimeout)
    {
        _trainer = trainer;
        _mediator = mediator;
        _pollEvery = pollEvery;
        _chunkTimeout = chunkTimeout;
        _download = new ModelDownload(game, network, chunkTimeout);
        Receive<SubscribeAck>(_ => _log.Info("subscribed to model announcements"));
        Receive<Poll>(_ => _trainer.Tell(new GetCurrentModel()));
        Receive<RunFinished>(_ => { }); // the node itself stops on it (ClusterNode)
        Receive<ModelAnnounced>(a =>
        {
            switch (_download.Announced(a, DateTime.UtcNow, out var problem))
            {
                case AnnouncementOutcome.Refused:
                    _log.Error("refusing model {Version} from {Sender}: it is for game {Game} with network {Network}, this node runs {OwnGame} with {OwnNetwork}",
                        a.Version, Sender, a.Game, a.Network, game, network);
                    break;
                case AnnouncementOutcome.Invalid:
                    _log.Error("ignoring announcement from {Sender}: {Problem}", Sender, problem);
                    break;
                case AnnouncementOutcome.Started:
                    _log.Info("fetching model {Version} ({Size} bytes in {Chunks} chunks)", a.Version, a.Size, a.Chunks);
                    RequestMore();
                    break;
            }
        });
        Receive<ModelChunk>(c =>
        {
            var announced = _download.Fetching;
            switch (_download.Chunk(c, DateTime.UtcNow, out var weights, out var problem))
            {
                case ChunkOutcome.Progress:
                    RequestMore();
                    break;
                case ChunkOutcome.Delivered:
                    target.Tell(new ModelFetched(announced!, weights!));
                    break;
                case ChunkOutcome.Discarded:
                    _log.Error("{Problem}", problem);
                    break;
            }
        });
        Receive<ModelNotServed>(n =>
        {
            if (!_download.NotServed(n.Version)) return;
            _log.Info("model {Version} is no longer offered ({Reason}); asking for the current one", n.Version, n.Reason);
            _trainer.Tell(new GetCurrentModel());
        });
        Receive<Tick>(_ =>
        {
            var (fetching, outstanding) = (_download.Fetching, _download.Outstanding);
            switch (_download.Check(DateTime.UtcNow))
            {
                case StallOutcome.GaveUp:
                    _log.Warning("model {Version}: no chunk for {Count} timeouts in a row; starting over with the next announcement", fetching!.Version, ModelDownload.MaxTimeouts);
                    break;
                case StallOutcome.AskAgain:
                    _log.Warning("model {Version}: no chunk for {Seconds:0} s, asking again for {Count} chunks", fetching!.Version, _chunkTimeout.TotalSeconds, outstanding);
                    RequestMore();
                    break;
            }
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

    private void RequestMore()
    {
        foreach (var request in _download.Requests()) _trainer.Tell(request);
    }
}
