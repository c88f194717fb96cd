using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// The run on a cluster's trainer node, where it runs as a cluster singleton: the training side every wiring shares
/// (<see cref="RunWiring.CreateTrainingSide"/>), with the replay buffer its own singleton, self-play on other nodes, the
/// models announced to them by a <see cref="ModelPublisherActor"/> (to which the run actor forwards
/// <see cref="GetCurrentModel"/> and <see cref="FetchModelChunk"/>), and Precise BN offered to a <c>precisebn</c> node
/// when <paramref name="DelegatePreciseBn"/>.
/// </summary>
/// <param name="Buffer">The replay-buffer singleton's proxy (on the same node: sampled positions never cross the wire).</param>
/// <param name="Mediator">The distributed pub-sub mediator, for model announcements and the end of the run.</param>
/// <param name="Evaluate">Whether the evaluator runs here (the node also has the evaluator role).</param>
/// <param name="DelegatePreciseBn">Whether Precise BN is offered to nodes with the <c>precisebn</c> role (the trainer node
/// does not have it); <c>false</c>: it runs here, as in a single process.</param>
/// <param name="PreciseBnTimeout">How long a precisebn node may take to answer before this node measures itself
/// (zero: 2 minutes).</param>
public sealed record TrainerNodeWiring(IActorRef Buffer, IActorRef Mediator, bool Evaluate, bool DelegatePreciseBn = false,
    TimeSpan PreciseBnTimeout = default) : IRunWiring
{
    /// <inheritdoc />
    public bool OwnsLearner => true; // the singleton loaded it when it started

    /// <inheritdoc />
    public RunChildren Create(IUntypedActorContext context, RunResources r)
    {
        var o = r.Options;
        Func<IActorRef, Props>? preciseBn = DelegatePreciseBn
            ? registry => PreciseBnDelegateActor.Props(r.Game, o, Buffer, registry, r.Device,
                PreciseBnTimeout > TimeSpan.Zero ? PreciseBnTimeout : TimeSpan.FromMinutes(2))
            : null;
        var registry = RunWiring.CreateTrainingSide(context, r, Buffer, Evaluate, preciseBn);
        var publisher = context.ActorOf(ModelPublisherActor.Props(registry, Mediator, r.Game.Name,
            JsonSerializer.Serialize(o.Network, RunOptions.Json)), "model-publisher");
        return new RunChildren(Buffer, null, publisher);
    }

    /// <inheritdoc />
    public void Ended(long generation, string reason) =>
        Mediator.Tell(new Publish(ModelTopic.Name, new RunFinished(generation, reason)));
}
