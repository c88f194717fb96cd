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
/// Runs one process of a training cluster (Akka.Cluster over DotNetty TCP): joins the cluster, starts a proxy to each of
/// the two singletons (replay buffer and run), and starts the node's parts for its roles (<see cref="NodeParts.For"/>:
/// the singletons on a <c>trainer</c> node, self-play, an evaluator or a Precise BN worker of its own). Runs until
/// cancelled (the node then leaves the cluster: its singletons hand over), the trainer reaches a limit, or a part of it
/// fails; a node the cluster downs joins again as a new incarnation (<see cref="ClusterNodeOptions.RejoinAfterDownSeconds"/>).
/// </summary>
public static class ClusterNode
{
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
        bool trainer = node.Has(ClusterNodeOptions.TrainerRole);

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

            // Every node reaches the singletons through proxies; the trainer part runs them on trainer nodes.
            var buffer = system.ActorOf(SingletonProxy(system, TrainerPart.BufferSingleton), TrainerPart.BufferSingleton + "-proxy");
            var run = system.ActorOf(SingletonProxy(system, TrainerPart.RunSingleton), TrainerPart.RunSingleton + "-proxy");
            var context = new NodeContext(system, game, extras, options, node, folder, device, progress, finished,
                DistributedPubSub.Get(system).Mediator, buffer, run, self);
            foreach (var part in NodeParts.For(node)) part.Start(context);

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

    private static Props SingletonProxy(ActorSystem system, string name) =>
        ClusterSingletonProxy.Props($"/user/{name}", ClusterSingletonProxySettings.Create(system).WithRole(ClusterNodeOptions.TrainerRole).WithSingletonName(name));

    /// <summary>The generations in the trainer's checkpoint, or <c>null</c> (none, or unreadable: the trainer singleton
    /// reports that when it starts).</summary>
    private static long? TrainedGenerations(RunFolder folder)
    {
        try { return TrainerCheckpoint.Load(folder.Trainer)?.Generation; }
        catch (InvalidDataException) { return null; }
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
}
