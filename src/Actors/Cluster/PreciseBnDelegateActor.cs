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
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly PreciseBnDelegation _jobs;
    private IActorRef? _serverSubscriber;
    private BestModelChanged? _served;
    private Task? _work;

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
        string network = JsonSerializer.Serialize(options.Network, RunOptions.Json);
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        _jobs = new PreciseBnDelegation(_cluster.SelfAddress, PreciseBnPass.Positions(options.Bn), s =>
            new ModelAnnounced(s.Generation, Models.Sha256(s.Weights), s.Weights.Length, ModelChunking.DefaultChunkSize, "snapshot", game.Name, network));
        _local = Context.ActorOf(PreciseBnActor.Props(game, options, buffer, Self, device), "local");
        _server = Context.ActorOf(ModelPublisherActor.Props(Self, null, game.Name, network), "snapshot-server");
        Context.Watch(_local);
        Context.Watch(_server);

        Receive<SubscribeToBest>(_ =>
        {
            _serverSubscriber = Sender;
            if (_served is not null) Sender.Tell(_served);
        });
        Receive<GetCurrentModel>(m => _server.Forward(m));
        Receive<FetchModelChunk>(m => _server.Forward(m));
        Receive<SnapshotTaken>(s => { _jobs.Enqueue(s); Next(); });
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var m in state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)) Track(m);
            foreach (var m in state.Unreachable) _jobs.Unreachable(m.Address);
            _jobs.MembersKnown();
            Next();
        });
        Receive<ClusterEvent.MemberUp>(e => Track(e.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(e => Track(e.Member));
        Receive<ClusterEvent.MemberJoined>(_ => { });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (_jobs.Gone(e.Member.Address, e.Member.Status.ToString(), out var fallback))
                _log.Info("precisebn node {Address} is gone ({Status})", e.Member.Address, e.Member.Status);
            if (fallback is not null) Fallback(fallback);
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            if (_jobs.Unreachable(e.Member.Address) is { } fallback) Fallback(fallback);
        });
        Receive<ClusterEvent.ReachableMember>(e => _jobs.Reachable(e.Member.Address));
        Receive<PreciseBnComputedPart>(OnAnswer);
        Receive<PreciseBnFailed>(f =>
        {
            if (_jobs.IsDelegated(f.JobId)) Fallback($"{_jobs.Worker} failed: {f.Reason}");
        });
        Receive<Timeout>(t =>
        {
            if (_jobs.IsDelegated(t.JobId)) Fallback($"{_jobs.Worker} did not answer within {_timeout.TotalSeconds:0} s");
        });
        Receive<Applied>(a =>
        {
            _work = null;
            _jobs.ApplyEnded();
            if (a.JobId == _jobs.JobId) Publish(a.Ready);
        });
        Receive<ApplyFailed>(a =>
        {
            _work = null;
            _jobs.ApplyEnded();
            if (a.JobId == _jobs.JobId) Fallback(a.Reason);
        });
        Receive<PublishModel>(m =>
        {
            if (Sender.Equals(_local)) Publish(m with { PreciseBnNode = Local });
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
        if (_jobs.Up(m.Address, m.Roles)) _log.Info("precisebn node {Address} is up: Precise BN runs there from the next snapshot", m.Address);
    }

    private void Next()
    {
        switch (_jobs.Next())
        {
            case MeasureHere here:
                if (here.Warning is not null) _log.Warning("{Warning}", here.Warning);
                _local.Tell(here.Snapshot);
                break;
            case DelegateJob job:
                var s = job.Snapshot;
                _served = new BestModelChanged(new ModelPublished(s.Generation, s.Weights, "snapshot", job.Job.Snapshot.Sha256));
                _serverSubscriber?.Tell(_served);
                Context.ActorSelection(new RootActorPath(job.Worker) / "user" / PreciseBnWorkerActor.Name).Tell(job.Job, Self);
                Timers.StartSingleTimer("timeout", new Timeout(job.Job.JobId), _timeout);
                _log.Info("generation {Generation}: Precise BN delegated to {Worker}", s.Generation, job.Worker);
                break;
        }
    }

    private void OnAnswer(PreciseBnComputedPart p)
    {
        DelegatedAnswer? answer;
        try
        {
            answer = _jobs.Answer(p, out bool ignored);
            if (ignored) _log.Info("ignoring a Precise BN answer for generation {Generation} from {Sender}: not the job waited for", p.Generation, Sender.Path.Address);
        }
        catch (InvalidDataException e)
        {
            Fallback($"a bad answer from {_jobs.Worker}: {e.Message}");
            return;
        }
        if (answer is null) return;
        Timers.Cancel("timeout");
        var (current, job, node, layers, staleness) = (answer.Snapshot, answer.JobId, answer.Node, answer.Layers, answer.Staleness);
        string statistics = PreciseBnPass.Statistics(_options);
        _work = Task.Run(() => new PublishModel(current.Generation, PreciseBnPass.Apply(_game, _options, _device, current.Weights, layers), statistics,
                current.Losses, staleness, current.TrainSeconds, node))
            .PipeTo(Self, success: r => new Applied(job, r), failure: e => new ApplyFailed(job, $"the statistics from {node} do not apply: {e.Message}"));
        _log.Info("generation {Generation}: statistics of {Layers} layers from {Worker}; staleness mean gap {Gap:0.0000} σ, loss EMA {Ema:0.0000} vs precise {Precise:0.0000}",
            new object[] { current.Generation, layers.Length, node, staleness.MeanGap, staleness.LossWithEma, staleness.LossWithPrecise });
    }

    private void Fallback(string reason)
    {
        if (_jobs.Fallback() is not { } snapshot) return;
        _log.Warning("generation {Generation}: Precise BN falls back to the trainer node: {Reason}", snapshot.Generation, reason);
        Timers.Cancel("timeout");
        _local.Tell(snapshot);
    }

    private void Publish(PublishModel ready)
    {
        _registry.Tell(ready);
        _jobs.Published();
        Next();
    }
}
