using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfPlayBN.Trainer.Reports;

/// <summary>
/// One <c>"kind":"publication"</c> line of a run's <c>metrics.jsonl</c>: a published model version with the
/// trainer's losses, the Precise BN stage's staleness figures and the self-play counters at that moment.
/// Every figure is null where the line has none (generation 0 has no losses or staleness). <c>Games</c> and
/// <c>Positions</c> count since the writing process started, as do <c>ElapsedSeconds</c>: a resumed run counts from zero again.
/// So do the game statistics: <c>Moves</c> (of the games finished), <c>Passes</c> among them, games <c>Resigned</c>, and of the
/// games played out to check resignation, <c>ResignChecks</c> (a player fell below the threshold) and
/// <c>ResignFalsePositives</c> (that player did not lose).
/// </summary>
internal sealed record Publication(
    long Generation, double? PolicyLoss, double? ValueLoss, double? L2, double? LearningRate, long? Steps,
    double? TrainSeconds, double? PreciseSeconds, double? StalenessMeanGap, double? StalenessLogVarGap,
    double? LossWithEma, double? LossWithPrecise, long? Games, long? Positions, double? AverageInferenceBatch,
    long? BufferPositions, double? ElapsedSeconds,
    long? Moves = null, long? Passes = null, long? Resigned = null, long? ResignChecks = null, long? ResignFalsePositives = null)
{
    /// <summary>Policy + value + L2, or null unless all three are known.</summary>
    public double? TotalLoss => PolicyLoss + ValueLoss + L2;

    /// <summary>Loss with the EMA statistics minus loss with the precise ones ("false overfitting" when positive).</summary>
    public double? EmaLossGap => LossWithEma - LossWithPrecise;
}

/// <summary>
/// One <c>"kind":"evaluation"</c> line: a match of model <c>Generation</c> against <c>Opponent</c>, with the evaluated
/// model's wins, draws and losses, its <c>Score</c> (wins + draws/2) / games, and <c>Elo</c>: its Elo minus the
/// opponent's, implied by the score.
/// </summary>
internal sealed record Evaluation(long Generation, string Opponent, int Wins, int Draws, int Losses, double? Score, double? Elo)
{
    /// <summary>The version named by an opponent <c>model-K</c>, or null for any other opponent (a fixed baseline).</summary>
    public long? OpponentModel =>
        Opponent.StartsWith(RunMetrics.ModelOpponentPrefix, StringComparison.Ordinal) &&
        long.TryParse(Opponent.AsSpan(RunMetrics.ModelOpponentPrefix.Length), out long k) ? k : null;
}

/// <summary>
/// Self-play speed between two consecutive publications, placed at the later one's generation:
/// Δgames / Δseconds and Δpositions / Δseconds.
/// </summary>
internal sealed record Throughput(long Generation, double GamesPerSecond, double PositionsPerSecond);

/// <summary>A <c>metrics.jsonl</c> line that cannot be read; <see cref="LineNumber"/> counts from 1.</summary>
internal sealed class MetricsFormatException(int lineNumber, string message) : Exception($"line {lineNumber}: {message}")
{
    public int LineNumber { get; } = lineNumber;
}

/// <summary>
/// The contents of a run's <c>metrics.jsonl</c> and the figures derived from it, with no plotting.
/// Lines of unknown kinds and unknown fields are ignored (newer runs may write more); blank lines are skipped.
/// </summary>
internal sealed class RunMetrics
{
    /// <summary>How the evaluator names a match against an earlier version: <c>model-K</c>.</summary>
    public const string ModelOpponentPrefix = "model-";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Publication lines in file order.</summary>
    public IReadOnlyList<Publication> Publications { get; }

    /// <summary>Evaluation lines in file order.</summary>
    public IReadOnlyList<Evaluation> Evaluations { get; }

    /// <summary>True when the last line had no line end and could not be read: a run still writing it. It is left out.</summary>
    public bool SkippedUnfinishedLastLine { get; }

    private RunMetrics(IReadOnlyList<Publication> publications, IReadOnlyList<Evaluation> evaluations, bool skipped)
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
        var publications = new List<Publication>();
        var evaluations = new List<Evaluation>();
        bool skipped = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            bool unfinished = i == lines.Length - 1; // no '\n' after it
            Line? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<Line>(line, Json);
            }
            catch (JsonException e)
            {
                if (unfinished) { skipped = true; continue; }
                throw new MetricsFormatException(i + 1, $"not a JSON object of metrics ({e.Message})");
            }
            if (parsed is null) throw new MetricsFormatException(i + 1, "null instead of a JSON object");
            switch (parsed.Kind)
            {
                case "publication":
                    publications.Add(new Publication(
                        parsed.Generation ?? throw Missing(i + 1, "generation"), parsed.PolicyLoss, parsed.ValueLoss, parsed.L2,
                        parsed.LearningRate, parsed.Steps, parsed.TrainSeconds, parsed.PreciseSeconds, parsed.StalenessMeanGap,
                        parsed.StalenessLogVarGap, parsed.LossWithEma, parsed.LossWithPrecise, parsed.Games, parsed.Positions,
                        parsed.AverageInferenceBatch, parsed.BufferPositions, parsed.ElapsedSeconds,
                        parsed.Moves, parsed.Passes, parsed.Resigned, parsed.ResignChecks, parsed.ResignFalsePositives));
                    break;
                case "evaluation":
                    evaluations.Add(new Evaluation(
                        parsed.Generation ?? throw Missing(i + 1, "generation"),
                        string.IsNullOrEmpty(parsed.Opponent) ? throw Missing(i + 1, "opponent") : parsed.Opponent,
                        parsed.Wins ?? throw Missing(i + 1, "wins"), parsed.Draws ?? throw Missing(i + 1, "draws"),
                        parsed.Losses ?? throw Missing(i + 1, "losses"), parsed.Score, parsed.Elo));
                    break;
                case null:
                    throw Missing(i + 1, "kind");
                default:
                    break; // a kind this reader does not know yet
            }
        }
        return new RunMetrics(publications, evaluations, skipped);
    }

    private static MetricsFormatException Missing(int lineNumber, string field) => new(lineNumber, $"no \"{field}\"");

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

    /// <summary>Every field either kind of line may carry; which ones a kind needs is checked in <see cref="RunMetrics.Parse"/>.</summary>
    private sealed record Line(
        string? Kind, long? Generation, double? PolicyLoss, double? ValueLoss, double? L2, double? LearningRate, long? Steps,
        double? TrainSeconds, double? PreciseSeconds, double? StalenessMeanGap, double? StalenessLogVarGap, double? LossWithEma,
        double? LossWithPrecise, long? Games, long? Positions, double? AverageInferenceBatch, long? BufferPositions,
        double? ElapsedSeconds, string? Opponent, int? Wins, int? Draws, int? Losses, double? Score, double? Elo,
        long? Moves, long? Passes, long? Resigned, long? ResignChecks, long? ResignFalsePositives);
}

/// <summary>Elo by version relative to <paramref name="Anchor"/> (at 0); see <see cref="RunMetrics.ChainedElo"/>.</summary>
internal sealed record ChainedElo(long? Anchor, IReadOnlyDictionary<long, double> ByVersion);
