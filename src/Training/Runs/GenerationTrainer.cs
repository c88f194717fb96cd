using System.Diagnostics;

namespace SelfPlayBN.Training;

/// <summary>A trained generation, not yet kept.</summary>
/// <param name="Generation">Its number.</param>
/// <param name="Checkpoint">The learner's state after it (weights, buffers, optimiser).</param>
/// <param name="Losses">The generation's losses.</param>
/// <param name="Seconds">Time its training took.</param>
public sealed record TrainedGeneration(long Generation, TrainerCheckpoint Checkpoint, LossSummary Losses, double Seconds);

/// <summary>
/// The trainer's schedule and its records on disk, as a plain class the trainer actor drives: when the next generation
/// may start (enough positions in the replay window, enough games accepted since the last one), training it on a
/// generation's sample (<see cref="Learner.TrainGeneration"/>, on whatever thread the caller picks), and keeping it:
/// first its weights with their EMA statistics when asked (<c>bn.keepEmaSnapshots</c>), then the
/// <see cref="TrainerCheckpoint"/>, so that a generation the checkpoint holds always has its EMA twin.
/// </summary>
/// <remarks>Not thread-safe: <see cref="Train"/> may run on another thread, but not beside the other members.</remarks>
public sealed class GenerationTrainer
{
    private readonly Learner _learner;
    private readonly TrainerOptions _options;
    private readonly int _minPositions;
    private readonly string _directory;
    private readonly string? _emaSnapshots;
    private readonly Random _rng;
    private readonly Func<double>? _elapsedShare;
    private long _acceptedAtLastGeneration;

    /// <summary>Creates the trainer.</summary>
    /// <param name="learner">The learner, already restored from <paramref name="directory"/> when resuming.</param>
    /// <param name="options">Trainer options (steps and games per generation).</param>
    /// <param name="minPositions">Positions the window must hold before the first generation.</param>
    /// <param name="directory">The checkpoint's folder.</param>
    /// <param name="generation">Generations already trained.</param>
    /// <param name="seed">The run's seed (augmentation and sampling order derive from it and the generation).</param>
    /// <param name="emaSnapshots">Where each generation's weights with their EMA statistics are kept; <c>null</c>: not kept.</param>
    /// <param name="elapsedShare">The share of the run's time limit that has passed (<see cref="TimeLimitClock"/>);
    /// <c>null</c>: the run has no time limit, and <see cref="TrainerOptions.Anneal"/> does not apply.</param>
    public GenerationTrainer(Learner learner, TrainerOptions options, int minPositions, string directory, long generation, int seed, string? emaSnapshots = null,
        Func<double>? elapsedShare = null)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(options);
        _learner = learner;
        _options = options;
        _minPositions = minPositions;
        _directory = directory;
        _emaSnapshots = emaSnapshots;
        _elapsedShare = elapsedShare;
        Generation = generation;
        _rng = new Random(HashCode.Combine(seed, generation));
    }

    /// <summary>The last generation kept.</summary>
    public long Generation { get; private set; }

    /// <summary>The generation <see cref="Train"/> trains next.</summary>
    public long NextGeneration => Generation + 1;

    /// <summary>Positions a generation samples from the window.</summary>
    public int PositionsPerGeneration => _learner.PositionsPerGeneration;

    /// <summary>Whether the window's state lets the next generation start: at least <c>minPositions</c> positions and
    /// <see cref="TrainerOptions.GamesPerGeneration"/> games accepted since the last start. When it does, the games
    /// accepted so far count for this generation.</summary>
    /// <param name="positions">Positions in the window.</param>
    /// <param name="gamesAccepted">Games the buffer has accepted in all (a count that only grows).</param>
    public bool TryStart(int positions, long gamesAccepted)
    {
        if (positions < _minPositions || gamesAccepted - _acceptedAtLastGeneration < _options.GamesPerGeneration) return false;
        _acceptedAtLastGeneration = gamesAccepted;
        return true;
    }

    /// <summary>Trains generation <see cref="NextGeneration"/> on <paramref name="positions"/>, at the schedule's rate times
    /// the anneal's factor for the share of the time limit passed when it starts. Cancelling stops it part way
    /// (<see cref="OperationCanceledException"/>); it is then dropped, and the checkpoint keeps the last one.</summary>
    public TrainedGeneration Train(ReplayPosition[] positions, CancellationToken cancel)
    {
        long generation = NextGeneration;
        _learner.RateFactor = _options.Anneal is { } anneal && _elapsedShare is { } share ? anneal.FactorAt(share()) : 1;
        var clock = Stopwatch.StartNew();
        var losses = _learner.TrainGeneration(positions, _rng, cancel);
        return new TrainedGeneration(generation, _learner.Checkpoint(generation), losses, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Keeps a trained generation: its EMA twin (when asked), then the checkpoint; it becomes <see cref="Generation"/>.</summary>
    public void Keep(TrainedGeneration trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (_emaSnapshots is not null)
        {
            Directory.CreateDirectory(_emaSnapshots);
            DurableFile.WriteAllBytes(ModelStore.WeightsPath(_emaSnapshots, trained.Generation), trained.Checkpoint.Weights);
        }
        trained.Checkpoint.Save(_directory);
        Generation = trained.Generation;
    }
}
