using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfPlayBN.Training;

/// <summary>
/// One line of a run's <c>metrics.jsonl</c> (<see cref="RunFolder.Metrics"/>): a JSON object whose <c>kind</c> names
/// the record — <see cref="PublicationMetrics"/>, <see cref="EvaluationMetrics"/>, <see cref="AccuracyMetrics"/> or
/// <see cref="GatingMetrics"/>. The run writes these records and <c>report</c> reads them back (<see cref="MetricsLog"/>):
/// one schema for both. Fields are camelCase; a figure a line does not have is <c>null</c>.
/// </summary>
public abstract record MetricsLine
{
    /// <summary>A line of <paramref name="kind"/>.</summary>
    protected MetricsLine(string kind) => Kind = kind;

    /// <summary>The record's kind (<c>publication</c>, <c>evaluation</c>, <c>accuracy</c>, <c>gating</c>).</summary>
    [JsonPropertyOrder(-2)]
    public string Kind { get; }

    /// <summary>When the line was written (null in lines written by hand).</summary>
    [JsonPropertyOrder(-1)]
    public DateTime? Time { get; init; }

    /// <summary>The model version the line is about.</summary>
    [JsonPropertyOrder(-1)]
    [JsonRequired]
    public long Generation { get; init; }
}

/// <summary>
/// A published model version with the trainer's losses, the Precise BN stage's staleness figures and the self-play
/// counters at that moment. Generation 0 has no losses or staleness. <c>Games</c>, <c>Positions</c> and
/// <c>ElapsedSeconds</c> count since the writing process started (a resumed run counts from zero again), as do the game
/// statistics: <c>Moves</c> (of the games finished), <c>Passes</c> among them, games <c>Resigned</c>, and of the games
/// played out to check resignation, <c>ResignChecks</c> (a player fell below the threshold) and
/// <c>ResignFalsePositives</c> (that player did not lose).
/// </summary>
public sealed record PublicationMetrics() : MetricsLine("publication")
{
    /// <summary>The published statistics: <c>initial</c>, <c>ema</c>, <c>precise</c> or <c>none</c>.</summary>
    public string? Statistics { get; init; }
    /// <summary>Policy cross-entropy, averaged over the generation's steps.</summary>
    public double? PolicyLoss { get; init; }
    /// <summary>Value mean squared error, averaged over the generation's steps.</summary>
    public double? ValueLoss { get; init; }
    /// <summary>L2 penalty, averaged over the generation's steps.</summary>
    public double? L2 { get; init; }
    /// <summary>Learning rate of the generation's last step.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Optimiser steps so far.</summary>
    public long? Steps { get; init; }
    /// <summary>Wall time of the generation's training.</summary>
    public double? TrainSeconds { get; init; }
    /// <summary>Wall time of the Precise BN pass.</summary>
    public double? PreciseSeconds { get; init; }
    /// <summary>In a cluster that delegates Precise BN: where the statistics were measured.</summary>
    public string? PreciseBnNode { get; init; }
    /// <summary>Mean over layers and channels of |μ_EMA − μ_precise|/σ_precise.</summary>
    public double? StalenessMeanGap { get; init; }
    /// <summary>Mean over layers and channels of |log(σ²_EMA/σ²_precise)|.</summary>
    public double? StalenessLogVarGap { get; init; }
    /// <summary>Policy + value loss on a held batch with the EMA statistics.</summary>
    public double? LossWithEma { get; init; }
    /// <summary>The same with the precise statistics.</summary>
    public double? LossWithPrecise { get; init; }
    /// <summary>Self-play games finished by this process.</summary>
    public long? Games { get; init; }
    /// <summary>Games the buffer accepted since it started.</summary>
    public long? GamesAccepted { get; init; }
    /// <summary>Positions of the self-play games.</summary>
    public long? Positions { get; init; }
    /// <summary>Moves of the self-play games.</summary>
    public long? Moves { get; init; }
    /// <summary>Passes among the moves.</summary>
    public long? Passes { get; init; }
    /// <summary>Games ended by resignation.</summary>
    public long? Resigned { get; init; }
    /// <summary>Games played out to check resignation in which a player fell below the threshold.</summary>
    public long? ResignChecks { get; init; }
    /// <summary>Of those, the games that player did not lose.</summary>
    public long? ResignFalsePositives { get; init; }
    /// <summary>Average inference batch so far.</summary>
    public double? AverageInferenceBatch { get; init; }
    /// <summary>Positions the inference service evaluated.</summary>
    public long? InferencePositions { get; init; }
    /// <summary>Batches it ran.</summary>
    public long? InferenceBatches { get; init; }
    /// <summary>Time its runners were busy.</summary>
    public double? InferenceBusySeconds { get; init; }
    /// <summary>Positions in the replay window.</summary>
    public long? BufferPositions { get; init; }
    /// <summary>Time since the writing process started the run.</summary>
    public double? ElapsedSeconds { get; init; }

    /// <summary>Policy + value + L2, or null unless all three are known.</summary>
    [JsonIgnore]
    public double? TotalLoss => PolicyLoss + ValueLoss + L2;

    /// <summary>Loss with the EMA statistics minus loss with the precise ones ("false overfitting" when positive).</summary>
    [JsonIgnore]
    public double? EmaLossGap => LossWithEma - LossWithPrecise;
}

/// <summary>A match of model <c>Generation</c> against <c>Opponent</c>: its wins, draws and losses, its score
/// (wins + draws/2) / games, and <c>Elo</c>, its Elo minus the opponent's, implied by the score.</summary>
public sealed record EvaluationMetrics() : MetricsLine("evaluation")
{
    /// <summary>How the evaluator names a match against an earlier version: <c>model-K</c>.</summary>
    public const string ModelOpponentPrefix = "model-";

    /// <summary><c>random</c>, <c>mcts-rollouts-N</c>, <c>perfect</c>, <c>model-K</c> or <c>best-K</c>.</summary>
    [JsonRequired]
    public string Opponent { get; init; } = "";
    /// <summary>Games the version won.</summary>
    [JsonRequired]
    public int Wins { get; init; }
    /// <summary>Drawn games.</summary>
    [JsonRequired]
    public int Draws { get; init; }
    /// <summary>Games the version lost.</summary>
    [JsonRequired]
    public int Losses { get; init; }
    /// <summary>(wins + draws/2) / games.</summary>
    public double? Score { get; init; }
    /// <summary>The version's Elo minus the opponent's, from the score.</summary>
    public double? Elo { get; init; }
    /// <summary>Of the losses, those with the version moving first.</summary>
    public int? LossesMovingFirst { get; init; }
    /// <summary>Of the losses, those with the version moving second.</summary>
    public int? LossesMovingSecond { get; init; }

    /// <summary>Against the previous version: the version's rating on the run's chained scale.</summary>
    public double? Rating { get; init; }

    /// <summary>The version named by an opponent <c>model-K</c>, or null for any other opponent (a fixed baseline).</summary>
    [JsonIgnore]
    public long? OpponentModel =>
        Opponent.StartsWith(ModelOpponentPrefix, StringComparison.Ordinal) &&
        long.TryParse(Opponent.AsSpan(ModelOpponentPrefix.Length), out long k) ? k : null;
}

/// <summary>The move accuracy of model <c>Generation</c> (or of a baseline) on solver-labelled positions.</summary>
public sealed record AccuracyMetrics() : MetricsLine("accuracy")
{
    /// <summary><c>network</c>, <c>search-N</c>, <c>random</c> or <c>mcts-rollouts-N</c>.</summary>
    [JsonRequired]
    public string Player { get; init; } = "";

    /// <summary>Positions where the move was optimal.</summary>
    [JsonRequired]
    public int Correct { get; init; }

    /// <summary>Positions measured.</summary>
    [JsonRequired]
    public int Positions { get; init; }

    /// <summary>Correct / positions.</summary>
    public double? Accuracy { get; init; }
}

/// <summary>The gate's decision on model <c>Generation</c> (under <c>evaluation.gating</c>).</summary>
public sealed record GatingMetrics() : MetricsLine("gating")
{    /// <summary>The best version it played.</summary>
    [JsonRequired]
    public long Best { get; init; }
    /// <summary>(wins + draws/2) / games.</summary>
    public double Score { get; init; }
    /// <summary>The score needed.</summary>
    public double Threshold { get; init; }
    /// <summary>Whether it passed.</summary>
    public bool Promoted { get; init; }
}

/// <summary>A <c>metrics.jsonl</c> line that cannot be read; <see cref="LineNumber"/> counts from 1.</summary>
/// <param name="lineNumber">The line.</param>
/// <param name="message">What is wrong with it.</param>
public sealed class MetricsFormatException(int lineNumber, string message) : Exception($"line {lineNumber}: {message}")
{
    /// <summary>The line, counting from 1.</summary>
    public int LineNumber { get; } = lineNumber;
}

/// <summary>
/// A run's <c>metrics.jsonl</c>: the run appends one <see cref="MetricsLine"/> per event; readers get them back typed.
/// Lines of unknown kinds and unknown fields are ignored (newer runs may write more); blank lines are skipped; a last
/// line without its line end is a run still writing it and is left out.
/// </summary>
public static class MetricsLog
{
    private static readonly JsonSerializerOptions Writing = new(JsonSerializerOptions.Web);

    private static readonly JsonSerializerOptions Reading = new(JsonSerializerOptions.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The JSON text of <paramref name="line"/> (one line, no line end).</summary>
    public static string Format(MetricsLine line) => JsonSerializer.Serialize(line, line.GetType(), Writing);

    /// <summary>Appends <paramref name="line"/> to the log at <paramref name="path"/>.</summary>
    public static void Append(string path, MetricsLine line) => File.AppendAllText(path, Format(line) + "\n");

    /// <summary>The lines of the text of a log, and whether an unfinished last line was left out.</summary>
    /// <exception cref="MetricsFormatException">A line is not a metrics record of its kind (it names the line).</exception>
    public static (IReadOnlyList<MetricsLine> Lines, bool SkippedUnfinishedLastLine) Parse(string text)
    {
        var result = new List<MetricsLine>();
        bool skipped = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            bool unfinished = i == lines.Length - 1; // no '\n' after it
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e)
            {
                if (unfinished) { skipped = true; continue; }
                throw new MetricsFormatException(i + 1, $"not a JSON object of metrics ({e.Message})");
            }
            using var _ = doc;
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new MetricsFormatException(i + 1, "not a JSON object of metrics");
            string? kind = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            Type? type = kind switch
            {
                "publication" => typeof(PublicationMetrics),
                "evaluation" => typeof(EvaluationMetrics),
                "accuracy" => typeof(AccuracyMetrics),
                "gating" => typeof(GatingMetrics),
                null => throw new MetricsFormatException(i + 1, "no \"kind\""),
                _ => null, // a kind this reader does not know yet
            };
            if (type is null) continue;
            try { result.Add((MetricsLine)root.Deserialize(type, Reading)!); }
            catch (JsonException e) { throw new MetricsFormatException(i + 1, $"not a valid '{kind}' line ({e.Message})"); }
        }
        return (result, skipped);
    }
}
