using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// The trainer: subscribes to the buffer's status (<see cref="SubscribeToBufferStatus"/>, which the buffer answers after
/// every submission), and when its <see cref="GenerationTrainer"/> says the window is ready, samples a generation's
/// positions i.i.d. from the window, trains the generation off the actor's thread, keeps it (checkpoint, EMA twin), and
/// sends the snapshot to the Precise BN stage.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GenerationTrainer _trainer;
    private readonly IActorRef _buffer;
    private readonly IActorRef _preciseBn;
    private readonly CancellationTokenSource _stop = new();
    private Task? _work;
    private Guid _request;
    private BufferStatus? _status;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="trainer">The trainer's schedule and records (over the learner, already restored when resuming).</param>
    /// <param name="buffer">The replay buffer actor.</param>
    /// <param name="preciseBn">Where snapshots go.</param>
    public static Props Props(GenerationTrainer trainer, IActorRef buffer, IActorRef preciseBn) =>
        Akka.Actor.Props.Create(() => new TrainerActor(trainer, buffer, preciseBn));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public TrainerActor(GenerationTrainer trainer, IActorRef buffer, IActorRef preciseBn)
    {
        _trainer = trainer;
        _buffer = buffer;
        _preciseBn = preciseBn;
        Idle();
    }

    /// <summary>How often the trainer subscribes again: a buffer re-created elsewhere (a cluster singleton's hand-over)
    /// learns of it within this time. The buffer tells its status after each submission; this is no poll.</summary>
    public static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _buffer.Tell(new SubscribeToBufferStatus());
        Timers.StartPeriodicTimer("subscribe", Local.Tick.Instance, Resubscribe);
    }

    private void Idle() => Subscribed(startWhenReady: true);

    /// <summary>In every state: the subscription is renewed on each tick and the buffer's status kept; only an idle
    /// trainer acts on it at once (the others look at it when they are idle again).</summary>
    private void Subscribed(bool startWhenReady)
    {
        Receive<Local.Tick>(_ => _buffer.Tell(new SubscribeToBufferStatus()));
        Receive<BufferStatus>(s =>
        {
            _status = s;
            if (startWhenReady) StartWhenReady();
        });
    }

    /// <summary>Starts a generation when the last status the buffer told shows enough positions and new games.</summary>
    private void StartWhenReady()
    {
        if (_status is not { } s || !_trainer.TryStart(s.Positions, s.GamesAccepted)) return;
        _request = Guid.NewGuid();
        _buffer.Tell(new SamplePositions(_request, _trainer.PositionsPerGeneration));
        Become(Sampling);
    }

    private void Sampling()
    {
        Subscribed(startWhenReady: false);
        Receive<PositionsSampled>(m => m.RequestId == _request, m =>
        {
            var positions = m.Positions();
            long generation = _trainer.NextGeneration;
            _work = Task.Run(() => _trainer.Train(positions, _stop.Token)).PipeTo(Self,
                success: t => new Local.Trained(t),
                failure: e => new Local.WorkFailed($"training generation {generation}", e));
            Become(Training);
        });
    }

    private void Training()
    {
        Subscribed(startWhenReady: false);
        Receive<Local.Trained>(m =>
        {
            var t = m.Generation;
            _trainer.Keep(t);
            _log.Info("generation {Generation} trained in {Seconds:0.0} s (optimiser step {Steps}), loss policy {Policy:0.000} value {Value:0.000} l2 {L2:0.0000}, lr {LearningRate}",
                new object[] { t.Generation, t.Seconds, t.Losses.Steps, t.Losses.Policy, t.Losses.Value, t.Losses.L2, t.Losses.LearningRate });
            _preciseBn.Tell(new SnapshotTaken(t.Generation, t.Checkpoint.Weights, t.Losses, t.Seconds));
            Become(Idle);
            StartWhenReady(); // the games that arrived while it trained may already make the next generation
        });
        Receive<Local.WorkFailed>(f => throw new InvalidOperationException($"trainer: {f.What} failed: {f.Error.Message}", f.Error));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work, _stop);
        base.PostStop();
    }
}
