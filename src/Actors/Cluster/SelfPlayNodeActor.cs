using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// A self-play node of a cluster: follows the trainer's models (<see cref="ModelFollowerActor"/>), and once the first
/// one is in, starts the inference service on it and a <see cref="SelfPlayActor"/> that submits games to the
/// replay-buffer singleton; each later model is served from the next batch on. Writes one JSON line per event to its
/// events file: <c>{"kind":"model",...}</c> when it starts serving a version, <c>{"kind":"acknowledged",...}</c> with
/// the ids of each batch of games the buffer acknowledged.
/// </summary>
public sealed class SelfPlayNodeActor : ReceiveActor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _events;
    private InferenceService? _inference;
    private long _acknowledged;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="options">The run's options (network, self-play, inference).</param>
    /// <param name="device">Where the network runs.</param>
    /// <param name="trainer">The trainer singleton's proxy (models).</param>
    /// <param name="buffer">The replay buffer singleton's proxy (games).</param>
    /// <param name="mediator">The distributed pub-sub mediator.</param>
    /// <param name="events">The node's events file (JSON lines, appended).</param>
    /// <param name="seed">Seed of this node's games (give each node its own).</param>
    /// <param name="pollEvery">How often to ask the trainer for the current model.</param>
    public static Props Props(IGame game, RunOptions options, torch.Device device, IActorRef trainer, IActorRef buffer, IActorRef mediator,
        string events, int seed, TimeSpan pollEvery) =>
        Akka.Actor.Props.Create(() => new SelfPlayNodeActor(game, options, device, trainer, buffer, mediator, events, seed, pollEvery));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public SelfPlayNodeActor(IGame game, RunOptions options, torch.Device device, IActorRef trainer, IActorRef buffer, IActorRef mediator,
        string events, int seed, TimeSpan pollEvery)
    {
        _events = events;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(events))!);
        string network = JsonSerializer.Serialize(options.Network, RunOptions.Json);
        var follower = Context.ActorOf(ModelFollowerActor.Props(trainer, mediator, Self, game.Name, network, pollEvery), "model-follower");
        Context.Watch(follower);
        var setup = SelfPlaySetup.Resolve(options, device.type == DeviceType.CUDA, Environment.ProcessorCount);
        Receive<ModelFetched>(m =>
        {
            var replicas = Models.BatchModels(game, options.Network, m.Weights, device, setup, out int fused);
            if (_inference is null)
            {
                _inference = new InferenceService(game.ObservationShape.Size, game.NumActions, m.Announced.Version, replicas, setup.Service,
                    TensorHostBatch.For(game, device));
                var selfPlay = Context.ActorOf(SelfPlayActor.Props(game, _inference, options.SelfPlay, setup, buffer, seed, acknowledgements: Self), "self-play");
                Context.Watch(selfPlay);
                _log.Info("self-play: {Setup}", setup);
            }
            else
            {
                _inference.Serve(m.Announced.Version, replicas);
            }
            Write(new { kind = "model", time = DateTime.UtcNow, version = m.Announced.Version, sha256 = m.Announced.Sha256, size = m.Announced.Size });
            _log.Info("serving model {Version} ({Statistics} statistics, {Fused} BatchNorm layers fused)", m.Announced.Version, m.Announced.Statistics, fused);
        });
        Receive<GamesAcknowledged>(a =>
        {
            _acknowledged += a.GameIds.Length;
            Write(new { kind = "acknowledged", time = DateTime.UtcNow, games = a.GameIds, newGames = a.NewGames, total = _acknowledged });
        });
        Receive<Terminated>(t => throw new InvalidOperationException($"{t.ActorRef.Path.Name} stopped (see the log for its error)"));
    }

    private void Write(object line) => File.AppendAllText(_events, JsonSerializer.Serialize(line, Json) + "\n");

    /// <inheritdoc />
    protected override void PostStop()
    {
        _inference?.Dispose(); // children (self-play, whose workers are joined when it stops) are stopped before this runs
        base.PostStop();
    }
}
