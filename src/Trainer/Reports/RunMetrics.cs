using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Reports;

/// <summary>
/// Self-play speed between two consecutive publications, placed at the later one's generation:
/// Δgames / Δseconds and Δpositions / Δseconds.
/// </summary>
internal sealed record Throughput(long Generation, double GamesPerSecond, double PositionsPerSecond);

/// <summary>
/// The publications and evaluations of a run's <c>metrics.jsonl</c> (read by <see cref="MetricsLog"/>, the schema the run
/// writes) and the figures derived from them, with no plotting.
/// </summary>
internal sealed class RunMetrics
{
    /// <summary>Publication lines in file order.</summary>
    public IReadOnlyList<PublicationMetrics> Publications { get; }

    /// <summary>Evaluation lines in file order.</summary>
    public IReadOnlyList<EvaluationMetrics> Evaluations { get; }

    /// <summary>True when the last line had no line end and could not be read: a run still writing it. It is left out.</summary>
    public bool SkippedUnfinishedLastLine { get; }

    private RunMetrics(IReadOnlyList<PublicationMetrics> publications, IReadOnlyList<EvaluationMetrics> evaluations, bool skipped)
    {
        Publications = publications;
        Evaluations = evaluations;
        SkippedUnfinishedLastLine = skipped;
    }

    /// <summary>Reads a <c>metrics.jsonl</c> file; throws <see cref="MetricsFormatException"/> for a bad line.</summary>
    public static RunMetrics Read(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses the text of a <c>metrics.jsonl</c> file; throws <see cref="MetricsFormatException"/> for a bad line.</summary>
    public static RunMetrics Parse(string text)
    {
        var (lines, skipped) = MetricsLog.Parse(text);
        return new RunMetrics(lines.OfType<PublicationMetrics>().ToList(), lines.OfType<EvaluationMetrics>().ToList(), skipped);
    }

    /// <summary>
    /// Self-play speed between each pair of consecutive publications that both carry games, positions and
    /// elapsed seconds, with time moving forward and counters not going back. A pair across a restart (elapsed
    /// seconds or counters smaller than before: a resumed run counts from zero again) gives no point.
    /// </summary>
    public IReadOnlyList<Throughput> Throughput()
    {
        var result = new List<Throughput>();
        for (int i = 1; i < Publications.Count; i++)
        {
            var (a, b) = (Publications[i - 1], Publications[i]);
            if (a is not { Games: { } g0, Positions: { } p0, ElapsedSeconds: { } t0 } ||
                b is not { Games: { } g1, Positions: { } p1, ElapsedSeconds: { } t1 }) continue;
            double seconds = t1 - t0;
            if (!(seconds > 0) || g1 < g0 || p1 < p0) continue;
            result.Add(new Throughput(b.Generation, (g1 - g0) / seconds, (p1 - p0) / seconds));
        }
        return result;
    }

    /// <summary>The opponents in order of first appearance.</summary>
    public IReadOnlyList<string> Opponents() => Evaluations.Select(e => e.Opponent).Distinct().ToList();

    /// <summary>
    /// Elo of each version relative to one anchor version, summed along the chain of matches "version v against
    /// model-K": Elo(v) = Elo(K) + (Elo difference of that match). The anchor is the earliest version that is an
    /// opponent but has no rated match of its own (normally generation 0), at Elo 0. A version whose chain does not
    /// reach the anchor (the evaluator lost track of the previous version, e.g. after a resume) gets no value.
    /// Where a version was evaluated against the same earlier model twice, the later line counts. Errors of the
    /// individual matches add up along the chain, and Elo is not transitive between different players, so this is
    /// a trend, not a rating.
    /// </summary>
    public ChainedElo ChainedElo()
    {
        var matches = new Dictionary<long, (long Opponent, double Elo)>();
        foreach (var e in Evaluations)
            if (e is { OpponentModel: { } k, Elo: { } elo } && k < e.Generation && double.IsFinite(elo))
                matches[e.Generation] = (k, elo);
        if (matches.Count == 0) return new ChainedElo(null, new Dictionary<long, double>());
        long anchor = matches.Values.Select(m => m.Opponent).Where(k => !matches.ContainsKey(k)).Min();
        var rating = new Dictionary<long, double> { [anchor] = 0 };
        foreach (long v in matches.Keys.Order())
        {
            var (k, elo) = matches[v];
            if (rating.TryGetValue(k, out double r)) rating[v] = r + elo;
        }
        return new ChainedElo(anchor, rating);
    }
}

/// <summary>Elo by version relative to <paramref name="Anchor"/> (at 0); see <see cref="RunMetrics.ChainedElo"/>.</summary>
internal sealed record ChainedElo(long? Anchor, IReadOnlyDictionary<long, double> ByVersion);
