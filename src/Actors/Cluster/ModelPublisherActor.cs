using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// The trainer node's side of model distribution: follows the registry's best model (the one self-play uses),
/// announces each one on the pub-sub topic <see cref="ModelTopic.Name"/> with a small <see cref="ModelAnnounced"/>
/// (version, SHA-256, size), answers <see cref="GetCurrentModel"/> (late joiners: pub-sub stores nothing), and serves
/// the weights chunk by chunk on request (<see cref="FetchModelChunk"/>). Receivers pull chunks, so a slow receiver
/// slows only itself and no message exceeds a frame. The current and the previous models are served, so a transfer
/// that started just before a publication can finish.
/// </summary>
public sealed class ModelPublisherActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(ModelAnnounced Announced, byte[] Weights)> _served = []; // newest last, at most two

    /// <summary>Props of the actor.</summary>
    /// <param name="registry">The model registry (subscribed to with <see cref="SubscribeToBest"/>).</param>
    /// <param name="mediator">The distributed pub-sub mediator (<c>null</c>: serve on request only, announce nothing; the
    /// trainer serves Precise BN snapshots so).</param>
    /// <param name="game">The game's name, put into announcements.</param>
    /// <param name="network">The network options as JSON, put into announcements.</param>
    /// <param name="chunkSize">Bytes per chunk.</param>
    public static Props Props(IActorRef registry, IActorRef? mediator, string game, string network, int chunkSize = ModelChunking.DefaultChunkSize) =>
        Akka.Actor.Props.Create(() => new ModelPublisherActor(registry, mediator, game, network, chunkSize));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public ModelPublisherActor(IActorRef registry, IActorRef? mediator, string game, string network, int chunkSize)
    {
        registry.Tell(new SubscribeToBest());
        Receive<BestModelChanged>(b =>
        {
            var m = b.Model;
            var announced = new ModelAnnounced(m.Version, m.Sha256, m.Weights.Length, chunkSize, m.Statistics, game, network);
            _served.RemoveAll(s => s.Announced.Version == m.Version);
            _served.Add((announced, m.Weights));
            if (_served.Count > 2) _served.RemoveAt(0);
            mediator?.Tell(new Publish(ModelTopic.Name, announced));
            _log.Info(mediator is null ? "serving model {Version} ({Size} bytes in {Chunks} chunks, sha256 {Sha})" : "announced model {Version} ({Size} bytes in {Chunks} chunks, sha256 {Sha})", m.Version, m.Weights.Length, announced.Chunks, m.Sha256[..12]);
        });
        Receive<GetCurrentModel>(_ =>
        {
            if (_served.Count > 0) Sender.Tell(_served[^1].Announced);
        });
        Receive<FetchModelChunk>(f =>
        {
            var entry = _served.FirstOrDefault(s => s.Announced.Version == f.Version && s.Announced.Sha256 == f.Sha256);
            if (entry.Weights is null)
            {
                Sender.Tell(new ModelNotServed(f.Version, $"model {f.Version} with that checksum is not offered; the current one is {(_served.Count > 0 ? _served[^1].Announced.Version : -1)}"));
                return;
            }
            if ((uint)f.Index >= (uint)entry.Announced.Chunks)
            {
                _log.Warning("{Sender} asked for chunk {Index} of model {Version}, which has {Chunks}", Sender, f.Index, f.Version, entry.Announced.Chunks);
                Sender.Tell(new ModelNotServed(f.Version, $"chunk {f.Index} of {entry.Announced.Chunks}"));
                return;
            }
            Sender.Tell(new ModelChunk(f.Version, f.Sha256, f.Index, ModelChunking.Chunk(entry.Weights, f.Index, chunkSize)));
        });
    }
}
