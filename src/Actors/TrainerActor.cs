using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// The trainer: waits until the buffer holds enough positions and enough new games, samples
/// <c>stepsPerGeneration × accumulation × batchSize</c> positions i.i.d. from the window, trains that many optimiser
/// steps off the actor's thread, writes its own checkpoint (weights with EMA statistics, optimiser state,
/// generation) atomically, and sends the snapshot to the Precise BN stage.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    /// <summary>The trainer's checkpoint file name inside its folder.</summary>
    public const string CheckpointFile = "trainer.ckpt";

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

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Local.Tick.Instance, TimeSpan.FromMilliseconds(200));

    private void Idle()
    {
        Receive<Local.Tick>(_ => _buffer.Tell(new GetBufferStatus()));
        Receive<BufferStatus>(s =>
        {
            if (s.Positions < _minPositions || s.GamesAccepted - _acceptedAtLastGeneration < _options.GamesPerGeneration) return;
            _acceptedAtLastGeneration = s.GamesAccepted;
            _request = Guid.NewGuid();
            _buffer.Tell(new SamplePositions(_request, _options.StepsPerGeneration * _options.Accumulation * _options.BatchSize));
            Become(Sampling);
        });
    }

    private void Sampling()
    {
        Receive<Local.Tick>(_ => { });
        Receive<BufferStatus>(_ => { });
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
        Receive<Local.Tick>(_ => { });
        Receive<BufferStatus>(_ => { });
        Receive<Local.Trained>(t =>
        {
            _generation = t.Snapshot.Generation;
            if (_emaSnapshots is not null)
            {
                // Before the checkpoint: a generation the checkpoint holds always has its EMA twin.
                Directory.CreateDirectory(_emaSnapshots);
                DurableFile.WriteAllBytes(ModelRegistryActor.WeightsPath(_emaSnapshots, t.Snapshot.Generation), t.Snapshot.Weights);
            }
            SaveCheckpoint(_directory, t.Snapshot.Generation, t.Snapshot.Weights, t.Optimizer);
            _log.Info("generation {Generation} trained: {Steps} steps in {Seconds:0.0} s, loss policy {Policy:0.000} value {Value:0.000} l2 {L2:0.0000}, lr {LearningRate}",
                new object[] { t.Snapshot.Generation, _options.StepsPerGeneration, t.Snapshot.TrainSeconds, t.Snapshot.Losses.Policy, t.Snapshot.Losses.Value,
                t.Snapshot.Losses.L2, t.Snapshot.Losses.LearningRate });
            _preciseBn.Tell(t.Snapshot);
            Become(Idle);
        });
        Receive<Local.WorkFailed>(f => throw new InvalidOperationException($"trainer: {f.What} failed: {f.Error.Message}", f.Error));
    }

    private Local.Trained Train(ReplayPosition[] positions, long generation)
    {
        var clock = Stopwatch.StartNew();
        int b = _options.BatchSize, a = _options.Accumulation;
        double policy = 0, value = 0, l2 = 0, rate = 0;
        for (int step = 0; step < _options.StepsPerGeneration; step++)
        {
            _stop.Token.ThrowIfCancellationRequested(); // stopping: the generation is dropped, the checkpoint keeps the last one
            var batches = new List<IReadOnlyList<ReplayPosition>>(a);
            for (int k = 0; k < a; k++) batches.Add(new ArraySegment<ReplayPosition>(positions, (step * a + k) * b, b));
            var report = _learner.Step(batches, _rng);
            policy += report.Policy; value += report.Value; l2 += report.L2; rate = report.LearningRate;
        }
        int n = _options.StepsPerGeneration;
        var losses = new LossSummary(policy / n, value / n, l2 / n, rate, _learner.Steps);
        var weights = Models.Save(_learner.Network);
        using var optimizer = new MemoryStream();
        _learner.SaveOptimizer(optimizer);
        return new Local.Trained(new SnapshotTaken(generation, weights, losses, clock.Elapsed.TotalSeconds), optimizer.ToArray());
    }

    /// <summary>Writes the trainer's checkpoint atomically: generation, weights, optimiser state.</summary>
    public static void SaveCheckpoint(string directory, long generation, byte[] weights, byte[] optimizer) =>
        DurableFile.Write(Path.Combine(directory, CheckpointFile), s =>
        {
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write("selfplaybn-trainer/1");
            w.Write(generation);
            w.Write(weights.Length); w.Write(weights);
            w.Write(optimizer.Length); w.Write(optimizer);
        });

    /// <summary>Reads the trainer's checkpoint, or <c>null</c> when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not a trainer checkpoint.</exception>
    public static (long Generation, byte[] Weights, byte[] Optimizer)? LoadCheckpoint(string directory)
    {
        string path = Path.Combine(directory, CheckpointFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadString() != "selfplaybn-trainer/1") throw new InvalidDataException($"{path} is not a trainer checkpoint (format selfplaybn-trainer/1)");
            long generation = r.ReadInt64();
            var weights = r.ReadBytes(r.ReadInt32());
            var optimizer = r.ReadBytes(r.ReadInt32());
            return (generation, weights, optimizer);
        }
        catch (EndOfStreamException e) { throw new InvalidDataException($"{path} is truncated", e); }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work, _stop);
        base.PostStop();
    }
}
