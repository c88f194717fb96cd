using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// The run's counters as its events arrive (publications, evaluations, self-play and buffer reports), and what is
/// derived from them: the live view's <see cref="RunStatus"/>, with rates over the last ten seconds, and the periodic
/// self-play line. A plain class the run actor feeds; times are passed in so that it can be tested without a clock.
/// </summary>
/// <param name="gamesPerGeneration">Self-play games per trained generation (<c>trainer.gamesPerGeneration</c>).</param>
/// <param name="started">When this process started the run.</param>
public sealed class RunProgress(int gamesPerGeneration, DateTime started)
{
    /// <summary>The window of the live view's rates.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    /// <summary>Games between two self-play progress lines.</summary>
    public const int GamesPerLine = 50;

    private readonly Queue<(DateTime Time, long Games, long Positions)> _recent = new();
    private long _gamesAtPublication, _gamesAtLastLine = -1;
    private GameTally _tallyAtPublication = GameTally.Empty;
    private LossSummary? _losses;
    private StalenessSummary? _staleness;
    private string? _lastEvaluation;

    /// <summary>The last self-play counters, or <c>null</c> before the first.</summary>
    public SelfPlayStats? SelfPlay { get; private set; }

    /// <summary>The last replay-buffer status, or <c>null</c> before the first.</summary>
    public BufferStatus? Buffer { get; private set; }

    /// <summary>The last published generation.</summary>
    public long Generation { get; private set; }

    /// <summary>Notes a publication; returns the self-play games since the previous one (<c>null</c> before any self-play
    /// report). A network without BatchNorm keeps no staleness.</summary>
    public GameTally? Published(PublishedModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        Generation = info.Version;
        _gamesAtPublication = SelfPlay?.Games ?? 0;
        var tally = SelfPlay?.Tally;
        var recent = tally?.Since(_tallyAtPublication);
        if (tally is not null) _tallyAtPublication = tally;
        _losses = info.Losses ?? _losses;
        _staleness = info.HasBatchNorm ? info.Staleness ?? _staleness : null;
        return recent;
    }

    /// <summary>Notes the last evaluation's summary line.</summary>
    public void Evaluated(string summary) => _lastEvaluation = summary;

    /// <summary>Notes the buffer's status.</summary>
    public void BufferReported(BufferStatus status) => Buffer = status;

    /// <summary>Notes self-play's counters at <paramref name="now"/>; returns whether a self-play line is due (the first
    /// report, then every <see cref="GamesPerLine"/> games).</summary>
    public bool SelfPlayReported(SelfPlayStats stats, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(stats);
        SelfPlay = stats;
        _recent.Enqueue((now, stats.Games, stats.Positions));
        while (_recent.Count > 1 && now - _recent.Peek().Time > RateWindow) _recent.Dequeue();
        bool due = _gamesAtLastLine < 0 || stats.Games / GamesPerLine != _gamesAtLastLine / GamesPerLine;
        if (due) _gamesAtLastLine = stats.Games;
        return due;
    }

    /// <summary>The state for a live view at <paramref name="now"/>, or <c>null</c> before the first self-play report.</summary>
    public RunStatus? Status(DateTime now)
    {
        if (SelfPlay is not { } s) return null;
        var (t0, g0, p0) = _recent.Peek();
        double seconds = (now - t0).TotalSeconds;
        double gps = seconds > 0 ? (s.Games - g0) / seconds : 0, pps = seconds > 0 ? (s.Positions - p0) / seconds : 0;
        double next = Math.Min(1.0, (s.Games - _gamesAtPublication) / (double)gamesPerGeneration);
        return new RunStatus(Generation, s.Games, s.Positions, gps, pps, s.Inference.AverageBatch, Buffer?.Positions ?? 0,
            _losses, _staleness, _lastEvaluation, next, now - started);
    }

    /// <summary>The self-play progress line at <paramref name="now"/>: totals, rates since the start, the average
    /// inference batch and the buffer's size.</summary>
    public string SelfPlayLine(DateTime now)
    {
        var s = SelfPlay ?? throw new InvalidOperationException("no self-play report yet");
        double seconds = Math.Max(1e-9, (now - started).TotalSeconds);
        return $"self-play: {s.Games} games, {s.Positions} positions ({s.Games / seconds:0.0} games/s, {s.Positions / seconds:0} positions/s), " +
               $"average inference batch {s.Inference.AverageBatch:0.0}, buffer {Buffer?.Positions ?? 0} positions";
    }
}
