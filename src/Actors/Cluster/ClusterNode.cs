using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using Serilog;
using TorchSharp;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// Runs one process of a training cluster (Akka.Cluster over DotNetty TCP): the replay-buffer and trainer
/// singletons where the node has the <c>trainer</c> role (at most one incarnation of each in the cluster, on the
/// oldest trainer node; each resumes from the run folder when it starts), a proxy to each on every node, a
/// self-play node where it has the <c>selfplay</c> role, the evaluator where it has the <c>evaluator</c> role
/// (beside the trainer, or as an <see cref="EvaluatorNodeActor"/> on its own), and a <see cref="PreciseBnWorkerActor"/>
/// where it has the <c>precisebn</c> role without the trainer role (the trainer then delegates Precise BN to it). Runs until cancelled (the node then
/// leaves the cluster: its singletons hand over), the trainer reaches a limit, or a part of it fails; a node the
/// cluster downs joins again as a new incarnation (<see cref="ClusterNodeOptions.RejoinAfterDownSeconds"/>).
/// </summary>
public static class ClusterNode
{
    /// <summary>The singletons' names (and their managers' under <c>/user</c>).</summary>
    public const string BufferSingleton = "replay-buffer", TrainerSingleton = "trainer";

    /// <summary>Runs the node.</summary>
    /// <param name="game">The game (must match <c>options.Game</c>).</param>
    /// <param name="extras">What the game adds to the evaluation (evaluator role).</param>
    /// <param name="options">The run's validated options (every node of a cluster uses the same).</param>
    /// <param name="node">The node's validated options.</param>
    /// <param name="folder">The run folder (trainer role: the run's state; every node: its logs and events).</param>
    /// <param name="device">Where networks run.</param>
    /// <param name="progress">Receives progress lines for the console.</param>
    /// <param name="cancel">Stops the node (Ctrl+C, SIGTERM).</param>
    /// <param name="extraHocon">Extra Akka configuration.</param>
    public static async Task<RunOutcome> RunAsync(IGame game, EvaluationExtras extras, RunOptions options, ClusterNodeOptions node, RunFolder folder, torch.Device device,
        Action<string>? progress, CancellationToken cancel, string extraHocon = "")
    {
        if (game.Name != options.Game) throw new ArgumentException($"the options are for {options.Game}, the game is {game.Name}");
        node.Validate();
        foreach (var warning in node.SecurityWarnings())
        {
            Log.Warning("{Warning}", warning);
            progress?.Invoke(warning);
        }
        bool trainer = node.Has(ClusterNodeOptions.TrainerRole);
        if (node.Has(ClusterNodeOptions.EvaluatorRole) && !trainer && options.Evaluation.Gating)
            throw new ArgumentException("evaluation.gating needs the evaluator beside the trainer: give the trainer node the evaluator role, not this one");
        Directory.CreateDirectory(folder.Root);
        if (trainer) folder.Prepare(options);
        for (int incarnation = 1; ; incarnation++)
        {
            var (outcome, downed) = await RunIncarnationAsync(game, extras, options, node, folder, device, progress, cancel, extraHocon).ConfigureAwait(false);
            if (!downed || node.RejoinAfterDownSeconds <= 0 || cancel.IsCancellationRequested) return outcome;
            Log.Warning("The cluster downed this node (incarnation {Incarnation}); joining again in {Seconds} s", incarnation, node.RejoinAfterDownSeconds);
            progress?.Invoke($"the cluster downed this node: joining again in {node.RejoinAfterDownSeconds:0.#} s as a new incarnation (its unacknowledged games are dropped)");
            try { await Task.Delay(TimeSpan.FromSeconds(node.RejoinAfterDownSeconds), cancel).ConfigureAwait(false); }
            catch (OperationCanceledException) { return outcome with { Error = null }; }
        }
    }

    /// <summary>One incarnation of the node: an actor system that joins the cluster and runs until cancelled, the
    /// trainer's limit, a failure, or the cluster downing it (<c>Downed</c>).</summary>
    private static async Task<(RunOutcome Outcome, bool Downed)> RunIncarnationAsync(IGame game, EvaluationExtras extras, RunOptions options, ClusterNodeOptions node,
        RunFolder folder, torch.Device device, Action<string>? progress, CancellationToken cancel, string extraHocon)
    {
        bool trainer = node.Has(ClusterNodeOptions.TrainerRole), selfPlay = node.Has(ClusterNodeOptions.SelfPlayRole);
        bool evaluator = node.Has(ClusterNodeOptions.EvaluatorRole), preciseBn = node.Has(ClusterNodeOptions.PreciseBnRole);

        // A top-level actor that fails is stopped, not restarted: its watcher ends the node with the error.
        var config = TrainingRun.BaseConfig(extraHocon)
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.guardian-supervisor-strategy = \"Akka.Actor.StoppingSupervisorStrategy\""))
            .WithFallback(ConfigurationFactory.ParseString(node.ToHocon()));
        var system = ActorSystem.Create(ClusterNodeOptions.SystemName, config);
        var finished = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        long startGeneration = trainer ? TrainedGenerations(folder) ?? 0 : 0;
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var self = cluster.SelfAddress;
            progress?.Invoke($"node {self} with roles {string.Join(", ", node.Roles)}; seeds: {(node.Seeds.Count == 0 ? "none (starts a cluster)" : string.Join(", ", node.Seeds))}");
            if (node.Seeds.Count == 0) cluster.Join(self);
            system.ActorOf(Akka.Actor.Props.Create(() => new QuarantineWatcher()), "quarantine-watcher");
            cluster.RegisterOnMemberUp(() => progress?.Invoke($"node {self} is up"));
            var mediator = DistributedPubSub.Get(system).Mediator;

            if (trainer)
            {
                system.ActorOf(ClusterSingletonManager.Props(
                    ReplayBufferActor.Props(() => Starting("replay buffer", finished, () => OpenBuffer(game, options, folder, progress)), options.Seed),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(ClusterNodeOptions.TrainerRole).WithSingletonName(BufferSingleton)),
                    BufferSingleton);
            }
            var buffer = system.ActorOf(ClusterSingletonProxy.Props($"/user/{BufferSingleton}",
                ClusterSingletonProxySettings.Create(system).WithRole(ClusterNodeOptions.TrainerRole).WithSingletonName(BufferSingleton)), BufferSingleton + "-proxy");
            if (trainer)
            {
                system.ActorOf(ClusterSingletonManager.Props(
                    RunActor.Props(new TrainerNodeWiring(buffer, mediator, Evaluate: evaluator, DelegatePreciseBn: !preciseBn,
                        PreciseBnTimeout: TimeSpan.FromSeconds(node.PreciseBnTimeoutSeconds)), () => Starting("trainer", finished, () =>
                    {
                        var (learner, generation, initial) = TrainingRun.PrepareTrainer(game, options, folder, device, progress);
                        return new RunResources(game, extras, options, folder, learner, generation, initial, device, finished, progress);
                    })),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(ClusterNodeOptions.TrainerRole).WithSingletonName(TrainerSingleton)),
                    TrainerSingleton);
            }
            var trainerProxy = system.ActorOf(ClusterSingletonProxy.Props($"/user/{TrainerSingleton}",
                ClusterSingletonProxySettings.Create(system).WithRole(ClusterNodeOptions.TrainerRole).WithSingletonName(TrainerSingleton)), TrainerSingleton + "-proxy");
            if (!trainer) system.ActorOf(Akka.Actor.Props.Create(() => new RunEndListener(mediator, finished, progress)), "run-end-listener");
            if (evaluator && !trainer)
            {
                var evaluatorNode = system.ActorOf(EvaluatorNodeActor.Props(game, extras, options, device, trainerProxy, mediator,
                    TimeSpan.FromSeconds(node.ModelPollSeconds)), "evaluator-node");
                system.ActorOf(Akka.Actor.Props.Create(() => new Watcher(evaluatorNode, finished)), "evaluator-watcher");
            }
            if (preciseBn && !trainer)
            {
                var worker = system.ActorOf(PreciseBnWorkerActor.Props(game, options, device, buffer), PreciseBnWorkerActor.Name);
                system.ActorOf(Akka.Actor.Props.Create(() => new Watcher(worker, finished)), "precise-bn-watcher");
                progress?.Invoke("Precise BN: this node measures the trainer's snapshots");
            }
            if (selfPlay)
            {
                string events = EventsPath(folder, self);
                int seed = HashCode.Combine(options.Seed, self.ToString(), DateTime.UtcNow.Ticks);
                var selfPlayNode = system.ActorOf(SelfPlayNodeActor.Props(game, options, device, trainerProxy, buffer, mediator, events, seed,
                    TimeSpan.FromSeconds(node.ModelPollSeconds)), "selfplay-node");
                system.ActorOf(Akka.Actor.Props.Create(() => new Watcher(selfPlayNode, finished)), "selfplay-watcher");
                progress?.Invoke($"self-play events: {events}");
            }

            using (cancel.Register(() => finished.TrySetResult(null)))
            {
                var ended = await Task.WhenAny(finished.Task, system.WhenTerminated).ConfigureAwait(false);
                // Downed, or removed while unreachable (a long pause): the cluster, not this process, ran the shutdown. A
                // part that stopped because of that shutdown counts as downed too.
                var reason = CoordinatedShutdown.Get(system).ShutdownReason;
                bool downed = reason is CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterLeavingReason;
                string? error = downed || ended != finished.Task
                    ? $"the actor system stopped ({(downed ? "the cluster downed this node" : "reason: " + reason)}, see the log)"
                    : await finished.Task.ConfigureAwait(false);
                long trained = trainer ? TrainedGenerations(folder) ?? startGeneration : 0;
                return (new RunOutcome(error, trained), downed);
            }
        }
        finally
        {
            // Leave the cluster (singletons hand over) and stop the actor system.
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>The events file of a self-play node: <c>nodes/selfplay-HOST-PORT.jsonl</c> in the run folder.</summary>
    public static string EventsPath(RunFolder folder, Address self) =>
        Path.Combine(folder.Root, "nodes", $"selfplay-{self.Host}-{(self.Port ?? 0).ToString(CultureInfo.InvariantCulture)}.jsonl");

    /// <summary>The generations in the trainer's checkpoint, or <c>null</c> (none, or unreadable: the trainer singleton
    /// reports that when it starts).</summary>
    private static long? TrainedGenerations(RunFolder folder)
    {
        try { return TrainerCheckpoint.Load(folder.Trainer)?.Generation; }
        catch (InvalidDataException) { return null; }
    }

    /// <summary>Runs a singleton's start-up (reading the run folder); a failure (a corrupt segment or checkpoint)
    /// ends the node with its message instead of leaving the cluster without that singleton.</summary>
    private static T Starting<T>(string what, TaskCompletionSource<string?> finished, Func<T> start)
    {
        try { return start(); }
        catch (Exception e)
        {
            finished.TrySetResult($"the {what} could not start: {e.Message}");
            throw;
        }
    }

    private static ReplayBuffer OpenBuffer(IGame game, RunOptions options, RunFolder folder, Action<string>? progress)
    {
        var buffer = ReplayBuffer.Open(game, folder.Replay, options.Replay.ToWindow());
        progress?.Invoke($"replay buffer: {buffer.Games} games, {buffer.Positions} positions on disk");
        return buffer;
    }

    /// <summary>Ends this incarnation, as downed, when a member of this node's cluster reports that it quarantined this
    /// actor system: the others removed the node (it paused or was cut off past the failure detector) and will never
    /// talk to this incarnation again, while the node itself may still see itself as a member. Without this a node
    /// thawed after a long pause would stay on as a cluster of its own. A report from a node that is no longer a member
    /// here (one this node removed) is not a verdict on this node and is ignored.</summary>
    private sealed class QuarantineWatcher : ReceiveActor
    {
        public QuarantineWatcher()
        {
            Context.System.EventStream.Subscribe(Self, typeof(Akka.Remote.ThisActorSystemQuarantinedEvent));
            Receive<Akka.Remote.ThisActorSystemQuarantinedEvent>(e =>
            {
                var cluster = Akka.Cluster.Cluster.Get(Context.System);
                if (!cluster.State.Members.Any(m => m.Address.Equals(e.RemoteAddress))) return;
                Context.GetLogger().Warning("Member {0} has quarantined this node (it was removed from the cluster): downing this incarnation to join again", e.RemoteAddress);
                cluster.Down(cluster.SelfAddress); // shuts the node down at once (no leaving handshake the others would not answer)
            });
        }
    }

    /// <summary>Ends a node without the trainer role when the trainer announces that the run reached its limit.</summary>
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
