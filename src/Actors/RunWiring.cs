using Akka.Actor;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Which actors a run creates under its <see cref="RunActor"/>: the whole pipeline in one process
/// (<see cref="LocalWiring"/>), or a cluster's trainer node (<c>Cluster/TrainerNodeWiring.cs</c>). Both create the
/// training side the same way (<see cref="RunWiring.CreateTrainingSide"/>); they differ in where the replay buffer, self-play and
/// Precise BN run.
/// </summary>
public interface IRunWiring
{
    /// <summary>Creates the run actor's children in <paramref name="context"/> (the run actor's, during its construction).</summary>
    RunChildren Create(IUntypedActorContext context, RunResources resources);

    /// <summary>The run ended at a limit (not on an error) after <paramref name="generation"/>: a cluster tells its other
    /// nodes, which stop too.</summary>
    void Ended(long generation, string reason);

    /// <summary>Whether the run actor disposes the learner when it stops (a cluster singleton owns the learner it loaded).</summary>
    bool OwnsLearner { get; }
}

/// <summary>What every <see cref="IRunWiring"/> creates alike.</summary>
public static class RunWiring
{
    /// <summary>The training side every wiring shares: the model registry (over the run folder's models), Precise BN
    /// (<paramref name="preciseBn"/>, given the registry; default: the local stage), the trainer and, when
    /// <paramref name="evaluate"/>, the evaluator. Returns the registry.</summary>
    public static IActorRef CreateTrainingSide(IUntypedActorContext context, RunResources r, IActorRef buffer, bool evaluate,
        Func<IActorRef, Props>? preciseBn = null)
    {
        var o = r.Options;
        var registry = context.ActorOf(ModelRegistryActor.Props(r.Folder.Models, r.InitialWeights), "model-registry");
        var precise = context.ActorOf(preciseBn?.Invoke(registry) ?? PreciseBnActor.Props(r.Game, o, buffer, registry, r.Device), "precise-bn");
        var trainer = new GenerationTrainer(r.Learner, o.Trainer, o.Replay.MinPositions, r.Folder.Trainer, r.Generation, o.Seed,
            o.Bn.KeepEmaSnapshots ? r.Folder.EmaSnapshots : null,
            r.LimitClock is { } clock ? clock.ElapsedShare : null);
        context.ActorOf(TrainerActor.Props(trainer, buffer, precise), "trainer");
        if (evaluate) context.ActorOf(EvaluatorActor.Props(r.Game, o, r.Extras, registry, r.Device), "evaluator");
        return registry;
    }
}

/// <summary>What the run actor talks to among its children.</summary>
/// <param name="Buffer">The replay buffer it asks for its status.</param>
/// <param name="SelfPlay">The self-play actor it asks for counters, if this process plays.</param>
/// <param name="Forward">Where the messages the run actor does not handle go (a cluster's model publisher), or <c>null</c>.</param>
public sealed record RunChildren(IActorRef Buffer, IActorRef? SelfPlay, IActorRef? Forward);

/// <summary>The whole pipeline in one process: replay buffer, model registry, inference service, self-play, Precise BN,
/// trainer and evaluator.</summary>
/// <param name="buffer">The replay buffer (already reloaded).</param>
/// <param name="inference">The shared inference service.</param>
/// <param name="setup">Self-play and inference settings resolved for the device.</param>
public sealed class LocalWiring(ReplayBuffer buffer, InferenceService inference, SelfPlaySetup setup) : IRunWiring
{
    /// <inheritdoc />
    public bool OwnsLearner => false; // the process that made it disposes it after the actor system has stopped

    /// <inheritdoc />
    public RunChildren Create(IUntypedActorContext context, RunResources r)
    {
        var o = r.Options;
        var bufferActor = context.ActorOf(ReplayBufferActor.Props(buffer, o.Seed), "replay-buffer");
        var registry = RunWiring.CreateTrainingSide(context, r, bufferActor, evaluate: true);
        context.ActorOf(InferenceActor.Props(r.Game, o.Network, setup, inference, registry, r.Device), "inference");
        // The buffer is in this process: no remoting frame limits a submission, so a game of any length is kept.
        var selfPlay = context.ActorOf(SelfPlayActor.Props(r.Game, inference, o.SelfPlay, setup, bufferActor, HashCode.Combine(o.Seed, r.Generation),
            maxSubmissionBytes: int.MaxValue), "self-play");
        return new RunChildren(bufferActor, selfPlay, null);
    }

    /// <inheritdoc />
    public void Ended(long generation, string reason) { } // no other process to tell
}
