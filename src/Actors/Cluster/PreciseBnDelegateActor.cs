using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// The trainer singleton's Precise BN stage in a cluster whose trainer node does not have the <c>precisebn</c> role:
/// for each snapshot (one at a time, in order) it offers a <see cref="MeasurePreciseBn"/> to a reachable node with the role,
/// serves the snapshot chunk by chunk to it (a <see cref="ModelPublisherActor"/> that announces nothing), and publishes
/// the answer: the snapshot with the received statistics written in (<see cref="PreciseBnPass.Apply"/>), with the
/// received staleness summary — what the local stage would have published. With no such node, or when the node fails,
/// becomes unreachable or does not answer within the timeout, the generation's Precise BN runs here
/// (<see cref="PreciseBnActor"/>) and the log says why: training never waits on another node. An answer for an older
/// snapshot (another job, another checksum) is ignored.
/// </summary>
public sealed class PreciseBnDelegateActor : ReceiveActor, IWithTimers
{
    private sealed record Timeout(Guid JobId) : INoSerializationVerificationNeeded;
    private sealed record Applied(Guid JobId, PublishModel Ready) : INoSerializationVerificationNeeded;
    private sealed record ApplyFailed(Guid JobId, string Reason) : INoSerializationVerificationNeeded;

    /// <summary>What <see cref="PublishModel.PreciseBnNode"/> says when the trainer node measured the statistics itself.</summary>
    public const string Local = "local";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IGame _game;
    private readonly RunOptions _options;
    private readonly torch.Device _device;
    private readonly IActorRef _registry;
    private readonly TimeSpan _timeout;
    private readonly IActorRef _local;
    private readonly IActorRef _server;
    private readonly string _network;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly Dictionary<Address, Member> _workers = [];
    private readonly HashSet<Address> _unreachable = [];
    private readonly Queue<SnapshotTaken> _waiting = new();
    private IActorRef? _serverSubscriber;
    private BestModelChanged? _served;
    private SnapshotTaken? _current;
    private Guid _job;
    private Address? _worker;
    private PartCollector<PreciseBnComputedPart>? _answer;
    private Task? _work;
    private bool _membersKnown;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="buffer">The replay buffer (for the local fallback).</param>
    /// <param name="registry">The model registry: receives <see cref="PublishModel"/>.</param>
    /// <param name="device">Where networks run here.</param>
    /// <param name="timeout">How long a precisebn node may take to answer a job before this node measures itself.</param>
    public static Props Props(IGame game, RunOptions options, IActorRef buffer, IActorRef registry, torch.Device device, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new PreciseBnDelegateActor(game, options, buffer, registry, device, timeout));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public PreciseBnDelegateActor(IGame game, RunOptions options, IActorRef buffer, IActorRef registry, torch.Device device, TimeSpan timeout)
    {
        _game = game;
        _options = options;
        _device = device;
        _registry = registry;
        _timeout = timeout;
        _network = JsonSerializer.Serialize(options.Network, RunOptions.Json);
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        _local = Context.ActorOf(PreciseBnActor.Props(game, options, buffer, Self, device), "local");
        _server = Context.ActorOf(ModelPublisherActor.Props(Self, null, game.Name, _network), "snapshot-server");
        Context.Watch(_local);
        Context.Watch(_server);

        Receive<SubscribeToBest>(_ =>
        {
            _serverSubscriber = Sender;
            if (_served is not null) Sender.Tell(_served);
        });
        Receive<GetCurrentModel>(m => _server.Forward(m));
        Receive<FetchModelChunk>(m => _server.Forward(m));
        Receive<SnapshotTaken>(s => { _waiting.Enqueue(s); Next(); });
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var m in state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)) Track(m);
            foreach (var m in state.Unreachable) _unreachable.Add(m.Address);
            _membersKnown = true; // snapshots wait for this: the first one must not miss a precisebn node already up
            Next();
        });
        Receive<ClusterEvent.MemberUp>(e => Track(e.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(e => Track(e.Member));
        Receive<ClusterEvent.MemberJoined>(_ => { });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (_workers.Remove(e.Member.Address)) _log.Info("precisebn node {Address} is gone ({Status})", e.Member.Address, e.Member.Status);
            _unreachable.Remove(e.Member.Address);
            Lost(e.Member.Address, $"it left the cluster ({e.Member.Status})");
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            _unreachable.Add(e.Member.Address);
            Lost(e.Member.Address, "it is unreachable");
        });
        Receive<ClusterEvent.ReachableMember>(e => _unreachable.Remove(e.Member.Address));
        Receive<PreciseBnComputedPart>(OnAnswer);
        Receive<PreciseBnFailed>(f =>
        {
            if (_worker is not null && f.JobId == _job) Fallback($"{_worker} failed: {f.Reason}");
        });
        Receive<Timeout>(t =>
        {
            if (_worker is not null && t.JobId == _job) Fallback($"{_worker} did not answer within {_timeout.TotalSeconds:0} s");
        });
        Receive<Applied>(a =>
        {
            _work = null;
            if (a.JobId != _job) return;
            Publish(a.Ready);
        });
        Receive<ApplyFailed>(a =>
        {
            _work = null;
            if (a.JobId == _job) Fallback(a.Reason);
        });
        Receive<PublishModel>(m =>
        {
            if (!Sender.Equals(_local)) return;
            Publish(m with { PreciseBnNode = Local });
        });
        Receive<Terminated>(t => throw new InvalidOperationException($"{t.ActorRef.Path.Name} stopped (see the log for its error)"));
    }

    /// <inheritdoc />
    /// <remarks>A failed child (the local stage, the snapshot server) is stopped, not restarted with its queue lost: this
    /// actor then fails, and the run ends with the error, as when the local stage fails in <c>train</c>.</remarks>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _log.Error(e, "Precise BN stage failed: {Message}", e.Message);
        return Directive.Stop;
    });

    /// <inheritdoc />
    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    /// <inheritdoc />
    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        BackgroundWork.AwaitOnStop(_work);
        base.PostStop();
    }

    private void Track(Member m)
    {
        if (!m.HasRole(ClusterNodeOptions.PreciseBnRole) || m.Address.Equals(_cluster.SelfAddress)) return;
        bool added = _workers.TryAdd(m.Address, m);
        if (added) _log.Info("precisebn node {Address} is up: Precise BN runs there from the next snapshot", m.Address);
    }

    private void Lost(Address address, string why)
    {
        // Once the whole answer is in (the weights being assembled here), the node is no longer needed.
        if (address.Equals(_worker) && _work is null) Fallback($"{address} is lost: {why}");
    }

    private void Next()
    {
        if (!_membersKnown || _current is not null || _waiting.Count == 0) return;
        var snapshot = _current = _waiting.Dequeue();
        _answer = null;
        _job = Guid.NewGuid();
        var worker = _workers.Keys.Where(a => !_unreachable.Contains(a)).OrderBy(a => a.ToString(), StringComparer.Ordinal).FirstOrDefault();
        if (worker is null)
        {
            _worker = null;
            if (_workers.Count > 0) _log.Warning("generation {Generation}: no precisebn node is reachable; Precise BN runs on the trainer node", snapshot.Generation);
            _local.Tell(snapshot);
            return;
        }
        _worker = worker;
        string sha = Models.Sha256(snapshot.Weights);
        var announced = new ModelAnnounced(snapshot.Generation, sha, snapshot.Weights.Length, ModelChunking.DefaultChunkSize, "snapshot", _game.Name, _network);
        _served = new BestModelChanged(new ModelPublished(snapshot.Generation, snapshot.Weights, "snapshot", sha));
        _serverSubscriber?.Tell(_served);
        Context.ActorSelection(new RootActorPath(worker) / "user" / PreciseBnWorkerActor.Name)
            .Tell(new MeasurePreciseBn(_job, announced, PreciseBnPass.Positions(_options.Bn)), Self);
        Timers.StartSingleTimer("timeout", new Timeout(_job), _timeout);
        _log.Info("generation {Generation}: Precise BN delegated to {Worker}", snapshot.Generation, worker);
    }

    private void OnAnswer(PreciseBnComputedPart p)
    {
        var current = _current;
        if (current is null || _worker is null || p.JobId != _job || p.Generation != current.Generation || _work is not null)
        {
            _log.Info("ignoring a Precise BN answer for generation {Generation} from {Sender}: not the job waited for", p.Generation, Sender.Path.Address);
            return;
        }
        try
        {
            _answer ??= new PartCollector<PreciseBnComputedPart>();
            _answer.Add(p.Part, p.Parts, p);
            if (!_answer.IsComplete) return;
            var (layers, staleness) = PreciseBnParts.JoinMeasurement(_answer.InOrder());
            if (_answer.InOrder().Any(a => a.SnapshotSha256 != Models.Sha256(current.Weights)))
                throw new InvalidDataException("the answer is for another snapshot");
            Timers.Cancel("timeout");
            var job = _job;
            string node = _worker.ToString();
            string statistics = PreciseBnPass.Statistics(_options);
            _work = Task.Run(() => new PublishModel(current.Generation, PreciseBnPass.Apply(_game, _options, _device, current.Weights, layers), statistics,
                    current.Losses, staleness, current.TrainSeconds, node))
                .PipeTo(Self, success: r => new Applied(job, r), failure: e => new ApplyFailed(job, $"the statistics from {node} do not apply: {e.Message}"));
            _log.Info("generation {Generation}: statistics of {Layers} layers from {Worker}; staleness mean gap {Gap:0.0000} σ, loss EMA {Ema:0.0000} vs precise {Precise:0.0000}",
                new object[] { current.Generation, layers.Length, node, staleness.MeanGap, staleness.LossWithEma, staleness.LossWithPrecise });
        }
        catch (InvalidDataException e)
        {
            Fallback($"a bad answer from {_worker}: {e.Message}");
        }
    }

    private void Fallback(string reason)
    {
        if (_current is null || _worker is null) return;
        _log.Warning("generation {Generation}: Precise BN falls back to the trainer node: {Reason}", _current.Generation, reason);
        Timers.Cancel("timeout");
        _worker = null;
        _answer = null;
        _job = Guid.NewGuid(); // answers for the abandoned job are ignored
        _local.Tell(_current);
    }

    private void Publish(PublishModel ready)
    {
        _registry.Tell(ready);
        _current = null;
        _worker = null;
        _answer = null;
        Next();
    }
}
