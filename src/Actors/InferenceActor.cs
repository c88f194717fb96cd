using Akka.Actor;
using Akka.Event;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// The inference service's actor: subscribes to model publications and, for each, builds the network from the
/// published weights in eval mode with BatchNorm folded into the convolutions, and hands it to the shared
/// <see cref="BatchingOracle"/>, which switches to it between batches.
/// </summary>
public sealed class InferenceActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Props of the actor.</summary>
    public static Props Props(IGame game, NetworkOptions network, BatchingOracle oracle, IActorRef registry, torch.Device device) =>
        Akka.Actor.Props.Create(() => new InferenceActor(game, network, oracle, registry, device));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public InferenceActor(IGame game, NetworkOptions network, BatchingOracle oracle, IActorRef registry, torch.Device device)
    {
        registry.Tell(new SubscribeToModels());
        Receive<ModelPublished>(m =>
        {
            if (m.Version < oracle.Version) return; // an older publication arriving late
            var net = Models.Create(game, network, 0.9, device);
            Models.Load(net, m.Weights);
            net.eval();
            int fused = BatchNormFusion.FuseAll(net);
            oracle.Serve(new ServedModel(new NetworkOracle(game, net, device), m.Version));
            _log.Info("inference serves model {Version} ({Statistics} statistics, {Fused} BatchNorm layers fused)", m.Version, m.Statistics, fused);
        });
    }
}
