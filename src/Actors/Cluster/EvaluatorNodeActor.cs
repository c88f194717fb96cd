using Akka.Actor;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// An evaluator node of a cluster (role <c>evaluator</c> on a node without the trainer role): follows the announced
/// models like a self-play node (<see cref="ModelFollowerActor"/>: chunked, checksummed), hands each one to an
/// <see cref="EvaluatorActor"/> as its registry would, and sends the results (<see cref="EvaluationFinished"/>,
/// <see cref="AccuracyMeasured"/>) to the trainer singleton, which writes them to <c>metrics.jsonl</c>. Results are
/// sent once (at-most-once: a result sent while the trainer node is away is lost). Gating needs every publication
/// and the registry's answers, so a gated run evaluates on the trainer node (give it the evaluator role).
/// </summary>
public sealed class EvaluatorNodeActor : ReceiveActor
{
    private readonly List<IActorRef> _subscribers = [];
    private ModelPublished? _current;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="options">The run's options (gating must be off).</param>
    /// <param name="device">Where the networks run.</param>
    /// <param name="extras">What the game adds to the evaluation.</param>
    /// <param name="trainer">The trainer singleton's proxy (models; results).</param>
    /// <param name="mediator">The distributed pub-sub mediator.</param>
    /// <param name="pollEvery">How often to ask the trainer for the current model.</param>
    public static Props Props(IGame game, EvaluationExtras extras, RunOptions options, torch.Device device, IActorRef trainer, IActorRef mediator, TimeSpan pollEvery) =>
        Akka.Actor.Props.Create(() => new EvaluatorNodeActor(game, extras, options, device, trainer, mediator, pollEvery));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public EvaluatorNodeActor(IGame game, EvaluationExtras extras, RunOptions options, torch.Device device, IActorRef trainer, IActorRef mediator, TimeSpan pollEvery)
    {
        if (options.Evaluation.Gating) throw new ArgumentException("a separate evaluator node cannot gate: run the evaluator on the trainer node");
        string network = System.Text.Json.JsonSerializer.Serialize(options.Network, RunOptions.Json);
        Context.Watch(Context.ActorOf(ModelFollowerActor.Props(trainer, mediator, Self, game.Name, network, pollEvery), "model-follower"));
        Context.Watch(Context.ActorOf(EvaluatorActor.Props(game, options, extras, Self, device), "evaluator"));
        // The evaluator's registry protocol, answered locally from the fetched models.
        Receive<SubscribeToModels>(_ =>
        {
            _subscribers.Add(Sender);
            if (_current is not null) Sender.Tell(_current);
        });
        Receive<ModelFetched>(m =>
        {
            _current = new ModelPublished(m.Announced.Version, m.Weights, m.Announced.Statistics, m.Announced.Sha256);
            foreach (var s in _subscribers) s.Tell(_current);
        });
        // Results go to the trainer singleton.
        Receive<EvaluationFinished>(r => trainer.Tell(r));
        Receive<AccuracyMeasured>(r => trainer.Tell(r));
        Receive<Terminated>(t => throw new InvalidOperationException($"{t.ActorRef.Path.Name} stopped (see the log for its error)"));
    }
}
