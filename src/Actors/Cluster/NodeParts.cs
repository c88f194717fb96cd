using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>What a node's parts start from: the run, this node's options, its actor system, the pub-sub mediator, the
/// proxies to the two singletons (present on every node), and the completion that ends the node.</summary>
/// <param name="System">The node's actor system (one incarnation).</param>
/// <param name="Game">The game.</param>
/// <param name="Extras">What the game adds to the evaluation.</param>
/// <param name="Options">The run's options.</param>
/// <param name="Node">This node's options (roles, ports, timings).</param>
/// <param name="Folder">The run folder.</param>
/// <param name="Device">Where networks run.</param>
/// <param name="Progress">Receives progress lines for the console (may be <c>null</c>).</param>
/// <param name="Finished">Completed to end the node: <c>null</c> normally, or an error message.</param>
/// <param name="Mediator">The distributed pub-sub mediator.</param>
/// <param name="Buffer">The replay-buffer singleton's proxy.</param>
/// <param name="Trainer">The run singleton's proxy (models are fetched from it).</param>
/// <param name="Self">This node's address.</param>
public sealed record NodeContext(ActorSystem System, IGame Game, EvaluationExtras Extras, RunOptions Options, ClusterNodeOptions Node, RunFolder Folder,
    torch.Device Device, Action<string>? Progress, TaskCompletionSource<string?> Finished, IActorRef Mediator, IActorRef Buffer, IActorRef Trainer, Address Self)
{
    /// <summary>Starts a top-level actor and a watcher that ends the node, with an error, when it stops.</summary>
    public IActorRef StartWatched(Props props, string name)
    {
        var actor = System.ActorOf(props, name);
        var finished = Finished;
        System.ActorOf(Props.Create(() => new Watcher(actor, finished)), name + "-watcher");
        return actor;
    }

    /// <summary>Ends the node when the actor it watches stops (its failure is in the log).</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef watched, TaskCompletionSource<string?> finished)
        {
            Context.Watch(watched);
            Receive<Terminated>(t => finished.TrySetResult($"{t.ActorRef.Path.Name} stopped (see the log for its error)"));
        }
    }
}

/// <summary>One part of a cluster node, started once per incarnation: the actors a role (or the lack of one) puts on
/// the node.</summary>
public interface INodePart
{
    /// <summary>Starts the part's actors on <paramref name="node"/>'s actor system.</summary>
    void Start(NodeContext node);
}

/// <summary>
/// The wiring of every cluster role in one place: which parts a node with given roles runs. A <c>trainer</c> node runs
/// the replay-buffer and run singletons (the run with the evaluator beside it when the node is also an evaluator, and
/// with Precise BN offered to <c>precisebn</c> nodes unless it is one itself); any other node listens for the end of
/// the run, and runs an evaluator or a Precise BN worker of its own for those roles; a <c>selfplay</c> node plays.
/// </summary>
public static class NodeParts
{
    /// <summary>The parts of a node with <paramref name="node"/>'s roles, in the order they start.</summary>
    public static IReadOnlyList<INodePart> For(ClusterNodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        bool trainer = node.Has(ClusterNodeOptions.TrainerRole);
        bool evaluator = node.Has(ClusterNodeOptions.EvaluatorRole), preciseBn = node.Has(ClusterNodeOptions.PreciseBnRole);
        var parts = new List<INodePart>();
        if (trainer) parts.Add(new TrainerPart(EvaluateHere: evaluator, DelegatePreciseBn: !preciseBn));
        else
        {
            parts.Add(new RunEndPart());
            if (evaluator) parts.Add(new EvaluatorPart());
            if (preciseBn) parts.Add(new PreciseBnPart());
        }
        if (node.Has(ClusterNodeOptions.SelfPlayRole)) parts.Add(new SelfPlayPart());
        return parts;
    }
}

/// <summary>The trainer role: the replay buffer and the run as cluster singletons (one incarnation of each in the
/// cluster, on the oldest trainer node), each resuming from the run folder when it starts.</summary>
/// <param name="EvaluateHere">Whether the evaluator runs beside the trainer.</param>
/// <param name="DelegatePreciseBn">Whether Precise BN is offered to <c>precisebn</c> nodes.</param>
public sealed record TrainerPart(bool EvaluateHere, bool DelegatePreciseBn) : INodePart
{
    /// <summary>The singletons' names (and their managers' under <c>/user</c>).</summary>
    public const string BufferSingleton = "replay-buffer", RunSingleton = "trainer";

    /// <inheritdoc />
    public void Start(NodeContext n)
    {
        var settings = ClusterSingletonManagerSettings.Create(n.System).WithRole(ClusterNodeOptions.TrainerRole);
        n.System.ActorOf(ClusterSingletonManager.Props(
                ReplayBufferActor.Props(() => Starting(n, "replay buffer", () => OpenBuffer(n)), n.Options.Seed),
                PoisonPill.Instance, settings.WithSingletonName(BufferSingleton)),
            BufferSingleton);
        var wiring = new TrainerNodeWiring(n.Buffer, n.Mediator, Evaluate: EvaluateHere, DelegatePreciseBn: DelegatePreciseBn,
            PreciseBnTimeout: TimeSpan.FromSeconds(n.Node.PreciseBnTimeoutSeconds));
        n.System.ActorOf(ClusterSingletonManager.Props(
                RunActor.Props(wiring, () => Starting(n, "trainer", () =>
                {
                    var (learner, generation, initial) = TrainingRun.PrepareTrainer(n.Game, n.Options, n.Folder, n.Device, n.Progress);
                    return new RunResources(n.Game, n.Extras, n.Options, n.Folder, learner, generation, initial, n.Device, n.Finished, n.Progress);
                })),
                PoisonPill.Instance, settings.WithSingletonName(RunSingleton)),
            RunSingleton);
    }

    /// <summary>Runs a singleton's start-up (reading the run folder); a failure (a corrupt segment or checkpoint) ends the
    /// node with its message instead of leaving the cluster without that singleton.</summary>
    private static T Starting<T>(NodeContext n, string what, Func<T> start)
    {
        try { return start(); }
        catch (Exception e)
        {
            n.Finished.TrySetResult($"the {what} could not start: {e.Message}");
            throw;
        }
    }

    private static ReplayBuffer OpenBuffer(NodeContext n)
    {
        var buffer = ReplayBuffer.Open(n.Game, n.Folder.Replay, n.Options.Replay.ToWindow());
        n.Progress?.Invoke($"replay buffer: {buffer.Games} games, {buffer.Positions} positions on disk");
        return buffer;
    }
}

/// <summary>A node without the trainer role ends when the trainer announces that the run reached its limit.</summary>
public sealed record RunEndPart : INodePart
{
    /// <inheritdoc />
    public void Start(NodeContext n)
    {
        var (mediator, finished, progress) = (n.Mediator, n.Finished, n.Progress);
        n.System.ActorOf(Props.Create(() => new RunEndListener(mediator, finished, progress)), "run-end-listener");
    }

    private sealed class RunEndListener : ReceiveActor
    {
        public RunEndListener(IActorRef mediator, TaskCompletionSource<string?> finished, Action<string>? progress)
        {
            mediator.Tell(new Subscribe(ModelTopic.Name, Self));
            Receive<RunFinished>(f =>
            {
                progress?.Invoke($"the trainer ended the run after generation {f.Generation} ({f.Reason}): stopping");
                finished.TrySetResult(null);
            });
            ReceiveAny(_ => { }); // model announcements and the subscription's acknowledgement
        }
    }
}

/// <summary>The evaluator role on a node of its own: evaluates the models the trainer announces.</summary>
public sealed record EvaluatorPart : INodePart
{
    /// <inheritdoc />
    public void Start(NodeContext n) =>
        n.StartWatched(EvaluatorNodeActor.Props(n.Game, n.Extras, n.Options, n.Device, n.Trainer, n.Mediator,
            TimeSpan.FromSeconds(n.Node.ModelPollSeconds)), "evaluator-node");
}

/// <summary>The precisebn role on a node without the trainer role: measures the trainer's snapshots.</summary>
public sealed record PreciseBnPart : INodePart
{
    /// <inheritdoc />
    public void Start(NodeContext n)
    {
        n.StartWatched(PreciseBnWorkerActor.Props(n.Game, n.Options, n.Device, n.Buffer), PreciseBnWorkerActor.Name);
        n.Progress?.Invoke("Precise BN: this node measures the trainer's snapshots");
    }
}

/// <summary>The selfplay role: plays games with the latest model and submits them to the replay buffer; its events go
/// to <see cref="EventsPath"/>.</summary>
public sealed record SelfPlayPart : INodePart
{
    /// <inheritdoc />
    public void Start(NodeContext n)
    {
        string events = EventsPath(n.Folder, n.Self);
        int seed = HashCode.Combine(n.Options.Seed, n.Self.ToString(), DateTime.UtcNow.Ticks);
        n.StartWatched(SelfPlayNodeActor.Props(n.Game, n.Options, n.Device, n.Trainer, n.Buffer, n.Mediator, events, seed,
            TimeSpan.FromSeconds(n.Node.ModelPollSeconds)), "selfplay-node");
        n.Progress?.Invoke($"self-play events: {events}");
    }

    /// <summary>The events file of a self-play node: <c>nodes/selfplay-HOST-PORT.jsonl</c> in the run folder.</summary>
    public static string EventsPath(RunFolder folder, Address self) =>
        Path.Combine(folder.Root, "nodes", $"selfplay-{self.Host}-{(self.Port ?? 0).ToString(CultureInfo.InvariantCulture)}.jsonl");
}
