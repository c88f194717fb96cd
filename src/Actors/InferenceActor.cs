using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// The inference service's actor: follows the registry's <em>best</em> model (<see cref="SubscribeToBest"/>; without
/// gating that is every publication, with gating every promotion) and, for each change, builds the network from its
/// weights in eval mode with BatchNorm folded into the convolutions (one replica per runner, in the run's precision), and
/// hands it to the shared <see cref="InferenceService"/>, which switches to it between batches. The registry's messages arrive in order, so
/// the newest message is the model to serve even when its version is older than the one served (a resumed gated run
/// starts serving the latest version, then the registry names the best).
/// </summary>
public sealed class InferenceActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Props of the actor.</summary>
    public static Props Props(IGame game, NetworkOptions network, SelfPlaySetup setup, InferenceService inference, IActorRef registry, torch.Device device) =>
        Akka.Actor.Props.Create(() => new InferenceActor(game, network, setup, inference, registry, device));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public InferenceActor(IGame game, NetworkOptions network, SelfPlaySetup setup, InferenceService inference, IActorRef registry, torch.Device device)
    {
        registry.Tell(new SubscribeToBest());
        Receive<BestModelChanged>(b =>
        {
            var m = b.Model;
            if (m.Version == inference.Version) return; // already served
            inference.Serve(m.Version, Models.BatchModels(game, network, m.Weights, device, setup, out int fused));
            _log.Info("inference serves model {Version} ({Statistics} statistics, {Fused} BatchNorm layers fused)", m.Version, m.Statistics, fused);
        });
    }
}
