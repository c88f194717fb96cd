using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>
/// The concrete self-play and inference settings of a run on one device: the options of <c>selfPlay</c> and
/// <c>inference</c> with every value left null chosen for the device and the core count. The config file keeps the
/// nulls, so the same config fills a 2-core CPU and a GPU machine.
/// </summary>
/// <param name="Games">Games in progress at once.</param>
/// <param name="Workers">Self-play worker threads.</param>
/// <param name="GroupsPerWorker">Groups of games per worker (each one contribution to a batch).</param>
/// <param name="LeavesPerGame">Leaves each search gathers per step.</param>
/// <param name="MaxBatch">Positions per inference batch at most.</param>
/// <param name="Runners">Inference runner threads.</param>
/// <param name="Buffers">Host batch buffers.</param>
/// <param name="MaxWait">A free runner's longest wait for a batch to fill.</param>
/// <param name="Precision">The inference network's precision.</param>
/// <param name="ChannelsLast">Whether the inference network uses the channels-last layout.</param>
public sealed record SelfPlaySetup(int Games, int Workers, int GroupsPerWorker, int LeavesPerGame, int MaxBatch, int Runners, int Buffers,
    TimeSpan MaxWait, InferencePrecision Precision, bool ChannelsLast)
{
    /// <summary>Games at once on a CPU when <c>selfPlay.parallelGames</c> is null.</summary>
    public const int CpuGames = 128;

    /// <summary>Games per worker on CUDA when <c>selfPlay.parallelGames</c> is null.</summary>
    public const int CudaGamesPerWorker = 256;

    /// <summary>
    /// The settings of <paramref name="options"/> on a CPU or a CUDA device with <paramref name="cores"/> logical cores.
    /// Null values are chosen so that the network is busy: on a CPU, where the network needs the cores, one worker per 8
    /// cores, <see cref="CpuGames"/> games, one runner, fp32; on CUDA, a worker on every core but two,
    /// <see cref="CudaGamesPerWorker"/> games each, two runners, bf16. The batch limit defaults to the positions of every
    /// worker's group in flight at once.
    /// </summary>
    /// <exception cref="InvalidDataException">Explicit values contradict each other; the message names the keys.</exception>
    public static SelfPlaySetup Resolve(RunOptions options, bool cuda, int cores)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        var s = options.SelfPlay;
        var i = options.Inference;
        int workers = s.Workers ?? (cuda ? Math.Max(1, cores - 2) : Math.Max(1, cores / 8));
        int games = s.ParallelGames ?? (cuda ? CudaGamesPerWorker * workers : CpuGames);
        if (games < workers)
        {
            if (s.Workers is not null) throw new InvalidDataException($"selfPlay.parallelGames ({games}) must be at least selfPlay.workers ({workers})");
            workers = games;
        }
        int groups = Math.Max(1, Math.Min(s.GroupsPerWorker, games / workers));
        int leaves = s.Search.LeavesPerBatch;
        int perWorker = (games + workers - 1) / workers;
        int largestGroup = (perWorker + groups - 1) / groups;
        int needed = largestGroup * leaves;
        int maxBatch = i.MaxBatch ?? Math.Max(needed, (games + groups - 1) / groups * leaves);
        if (maxBatch < needed)
            throw new InvalidDataException($"inference.maxBatch ({maxBatch}) is smaller than one group's leaves: {largestGroup} games × selfPlay.search.leavesPerBatch " +
                                           $"{leaves} = {needed} (raise inference.maxBatch, or use more selfPlay.workers or selfPlay.groupsPerWorker)");
        int runners = i.Runners ?? (cuda ? 2 : 1);
        int buffers = i.Buffers ?? runners + 2;
        if (buffers < runners + 1) throw new InvalidDataException($"inference.buffers ({buffers}) must be at least inference.runners + 1 ({runners + 1})");
        var precision = i.Precision ?? (cuda ? InferencePrecision.Bf16 : InferencePrecision.Fp32);
        return new SelfPlaySetup(games, workers, groups, leaves, maxBatch, runners, buffers, TimeSpan.FromMilliseconds(i.MaxWaitMs), precision, i.ChannelsLast);
    }

    /// <summary>The inference service's settings.</summary>
    public InferenceServiceOptions Service => new(MaxBatch, Runners, Buffers, MaxWait);

    /// <summary>The self-play engine's settings, with the search of <paramref name="selfPlay"/> and the base seed <paramref name="seed"/>.</summary>
    public SelfPlayEngineOptions Engine(SelfPlayOptions selfPlay, int seed)
    {
        ArgumentNullException.ThrowIfNull(selfPlay);
        return new(Games, Workers, GroupsPerWorker, selfPlay.Search with { LeavesPerBatch = LeavesPerGame }, seed)
            { Resign = selfPlay.Resignation(), Cap = selfPlay.PlayoutCap(), Opening = selfPlay.RandomOpening() };
    }

    /// <summary>Most finished games kept unacknowledged (the back-pressure bound): <c>max(256, 2 × games)</c>.</summary>
    public int MaxUnacknowledged => Math.Max(256, 2 * Games);

    /// <summary>One line for logs and the console.</summary>
    public override string ToString() =>
        $"{Games} games on {Workers} worker{(Workers == 1 ? "" : "s")} ({GroupsPerWorker} groups each, {LeavesPerGame} leaf/game), " +
        $"batches up to {MaxBatch} on {Runners} runner{(Runners == 1 ? "" : "s")} × {Buffers} buffers, {Precision.ToString().ToLowerInvariant()}" +
        (ChannelsLast ? ", channels-last" : "");
}
