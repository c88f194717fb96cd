using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// The trainer: subscribes to the buffer's status (<see cref="SubscribeToBufferStatus"/>, which the buffer answers after
/// every submission), waits until the buffer holds enough positions and enough new games, samples a generation's positions
/// (<see cref="Learner.PositionsPerGeneration"/>) i.i.d. from the window, trains the generation off the actor's thread
/// (<see cref="Learner.TrainGeneration"/>), writes its <see cref="TrainerCheckpoint"/>, and sends the snapshot to the
/// Precise BN stage.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Task? _work;
    private readonly CancellationTokenSource _stop = new();
    private readonly Learner _learner;
    private readonly TrainerOptions _options;
    private readonly int _minPositions;
    private readonly IActorRef _buffer;
    private readonly IActorRef _preciseBn;
    private readonly string _directory;
    private readonly Random _rng;
    private long _generation;
    private long _acceptedAtLastGeneration;
    private Guid _request;
    private BufferStatus? _status;
    private readonly string? _emaSnapshots;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="learner">The learner (network and optimiser), already restored from <paramref name="directory"/> if resuming.</param>
    /// <param name="options">Trainer options.</param>
    /// <param name="minPositions">Positions the buffer must hold before the first step.</param>
    /// <param name="buffer">The replay buffer actor.</param>
    /// <param name="preciseBn">Where snapshots go.</param>
    /// <param name="directory">The trainer's checkpoint folder.</param>
    /// <param name="generation">Generations already trained (resume).</param>
    /// <param name="seed">Seed of augmentation.</param>
    /// <param name="emaSnapshots">Where to keep each generation's weights with their EMA statistics (<c>bn.keepEmaSnapshots</c>);
    /// <c>null</c>: not kept.</param>
    public static Props Props(Learner learner, TrainerOptions options, int minPositions, IActorRef buffer, IActorRef preciseBn,
        string directory, long generation, int seed, string? emaSnapshots = null) =>
        Akka.Actor.Props.Create(() => new TrainerActor(learner, options, minPositions, buffer, preciseBn, directory, generation, seed, emaSnapshots));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public TrainerActor(Learner learner, TrainerOptions options, int minPositions, IActorRef buffer, IActorRef preciseBn,
        string directory, long generation, int seed, string? emaSnapshots = null)
    {
        _emaSnapshots = emaSnapshots;
        _learner = learner;
        _options = options;
        _minPositions = minPositions;
        _buffer = buffer;
        _preciseBn = preciseBn;
        _directory = directory;
        _generation = generation;
        _rng = new Random(HashCode.Combine(seed, generation));
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
        if (_status is not { } s || s.Positions < _minPositions || s.GamesAccepted - _acceptedAtLastGeneration < _options.GamesPerGeneration) return;
        _acceptedAtLastGeneration = s.GamesAccepted;
        _request = Guid.NewGuid();
        _buffer.Tell(new SamplePositions(_request, _learner.PositionsPerGeneration));
        Become(Sampling);
    }

    private void Sampling()
    {
        Subscribed(startWhenReady: false);
        Receive<PositionsSampled>(m => m.RequestId == _request, m =>
        {
            var positions = m.Positions();
            long generation = _generation + 1;
            _work = Task.Run(() => Train(positions, generation)).PipeTo(Self,
                success: r => r,
                failure: e => new Local.WorkFailed($"training generation {generation}", e));
            Become(Training);
        });
    }

    private void Training()
    {
        Subscribed(startWhenReady: false);
        Receive<Local.Trained>(t =>
        {
            _generation = t.Snapshot.Generation;
            if (_emaSnapshots is not null)
            {
                // Before the checkpoint: a generation the checkpoint holds always has its EMA twin.
                Directory.CreateDirectory(_emaSnapshots);
                DurableFile.WriteAllBytes(ModelStore.WeightsPath(_emaSnapshots, t.Snapshot.Generation), t.Snapshot.Weights);
            }
            t.Checkpoint.Save(_directory);
            _log.Info("generation {Generation} trained: {Steps} steps in {Seconds:0.0} s, loss policy {Policy:0.000} value {Value:0.000} l2 {L2:0.0000}, lr {LearningRate}",
                new object[] { t.Snapshot.Generation, _options.StepsPerGeneration, t.Snapshot.TrainSeconds, t.Snapshot.Losses.Policy, t.Snapshot.Losses.Value,
                t.Snapshot.Losses.L2, t.Snapshot.Losses.LearningRate });
            _preciseBn.Tell(t.Snapshot);
            Become(Idle);
            StartWhenReady(); // the games that arrived while it trained may already make the next generation
        });
        Receive<Local.WorkFailed>(f => throw new InvalidOperationException($"trainer: {f.What} failed: {f.Error.Message}", f.Error));
    }

    private Local.Trained Train(ReplayPosition[] positions, long generation)
    {
        var clock = Stopwatch.StartNew();
        // Stopping cancels the generation part way: it is dropped, and the checkpoint keeps the last one.
        var losses = _learner.TrainGeneration(positions, _rng, _stop.Token);
        var checkpoint = _learner.Checkpoint(generation);
        return new Local.Trained(new SnapshotTaken(generation, checkpoint.Weights, losses, clock.Elapsed.TotalSeconds), checkpoint);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work, _stop);
        base.PostStop();
    }
}
