using System.CommandLine;
using System.Globalization;
using SelfPlayBN.Trainer.Reports;
using SelfPlayBN.Training;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>report RUN_DIR [--out DIR]</c>: reads the run folder's <c>metrics.jsonl</c>, writes the plots of
/// <see cref="RunPlots"/> (default into <c>RUN_DIR/report/</c>), prints one line per file written and a short
/// text summary. Reading and aggregation are in <see cref="RunMetrics"/>; this file only checks input and prints.
/// </summary>
internal static class ReportCommand
{
    /// <summary>The metrics file of a run folder.</summary>
    internal const string MetricsFileName = "metrics.jsonl";

    public static Command Create(TextWriter output)
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "A run folder (one that holds metrics.jsonl), e.g. runs/connect4." };
        var outDir = new Option<string?>("--out") { Description = "Folder for the PNG files (default: RUN_DIR/report)." };
        var cmd = new Command("report", "Plot a run's metrics.jsonl (losses, BN staleness, strength, throughput) as PNG files and print a summary.");
        cmd.Arguments.Add(runDir);
        cmd.Options.Add(outDir);
        cmd.SetAction(parse =>
        {
            string dir = parse.GetValue(runDir) ?? "";
            Write(dir, parse.GetValue(outDir) ?? Path.Combine(dir, "report"), output);
            return 0;
        });
        return cmd;
    }

    /// <summary>Reads the run in <paramref name="runDir"/>, writes the plots into <paramref name="outDir"/> and prints.</summary>
    internal static void Write(string runDir, string outDir, TextWriter output)
    {
        if (!Directory.Exists(runDir)) throw new UserInputException($"run folder '{runDir}' does not exist");
        string file = Path.Combine(runDir, MetricsFileName);
        if (!File.Exists(file)) throw new UserInputException($"'{runDir}' has no {MetricsFileName} (is it a run folder?)");
        RunMetrics metrics;
        try
        {
            metrics = RunMetrics.Read(file);
        }
        catch (MetricsFormatException e)
        {
            throw new UserInputException($"{file}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new UserInputException($"cannot read {file}: {e.Message}");
        }
        if (metrics.Publications.Count == 0) throw new UserInputException($"{file} has no publication lines yet");

        IReadOnlyList<string> written;
        try
        {
            written = RunPlots.WriteAll(metrics, outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot write the plots into '{outDir}': {e.Message}");
        }
        foreach (string path in written) output.WriteLine($"wrote {path}");
        foreach (string line in Summary(metrics)) output.WriteLine(line);
    }

    /// <summary>The text summary: last generation, its losses and staleness, last throughput, best evaluations.</summary>
    internal static IEnumerable<string> Summary(RunMetrics metrics)
    {
        var p = metrics.Publications;
        var last = p[^1];
        yield return F($"{p.Count} publications, {metrics.Evaluations.Count} evaluations; last generation {last.Generation}") +
                     (metrics.SkippedUnfinishedLastLine ? " (an unfinished last line was left out)" : "");
        if (p.LastOrDefault(x => x.TotalLoss is not null) is { } l)
            yield return F($"losses at generation {l.Generation}: policy {l.PolicyLoss:0.000}, value {l.ValueLoss:0.000}, L2 {l.L2:0.0000}, total {l.TotalLoss:0.000}") +
                         (l.LearningRate is { } rate ? F($" (learning rate {rate:G4}, {l.Steps} steps)") : "");
        if (p.LastOrDefault(x => x.StalenessMeanGap is not null || x.LossWithEma is not null) is { } s)
            yield return F($"staleness at generation {s.Generation}: mean gap {s.StalenessMeanGap:0.000} σ, log-variance gap {s.StalenessLogVarGap:0.000}; ") +
                         F($"loss with EMA {s.LossWithEma:0.000} vs precise {s.LossWithPrecise:0.000} (EMA − precise {s.EmaLossGap:+0.000;-0.000;0.000})");
        if (metrics.Throughput() is [.., var t])
            yield return F($"self-play before generation {t.Generation}: {t.GamesPerSecond:0.0} games/s, {t.PositionsPerSecond:0.0} positions/s") +
                         (last.AverageInferenceBatch is { } batch ? F($", average inference batch {batch:0.0}") : "");
        if (GameLines(p) is { } games) yield return games;
        foreach (string opponent in metrics.Opponents())
        {
            var best = metrics.Evaluations.Where(e => e.Opponent == opponent && e.Score is not null)
                .OrderByDescending(e => e.Score).ThenBy(e => e.Generation).FirstOrDefault();
            if (best is null) continue;
            if (best.OpponentModel is not null) continue; // matches against earlier versions: see the chained Elo
            yield return F($"best vs {opponent}: generation {best.Generation}, score {best.Score:0.000} (+{best.Wins} ={best.Draws} -{best.Losses})") +
                         (best.Elo is { } elo ? F($", Elo {elo:+0;-0;0}") : "");
        }
        var chained = metrics.ChainedElo();
        if (chained.Anchor is { } anchor && chained.ByVersion.Count > 1)
        {
            var latest = chained.ByVersion.MaxBy(kv => kv.Key);
            var top = chained.ByVersion.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First();
            yield return F($"chained Elo relative to generation {anchor}: generation {latest.Key} {latest.Value:+0;-0;0}, highest generation {top.Key} {top.Value:+0;-0;0}");
        }
    }

    /// <summary>
    /// Game length, passes and resignations: over the run (the last publication's totals) and over the games between the
    /// last two publications of one process; null when the metrics carry no game statistics (runs before they were written).
    /// </summary>
    private static string? GameLines(IReadOnlyList<PublicationMetrics> p)
    {
        var withMoves = p.Where(x => x.Moves is not null && x.Games is > 0).ToList();
        if (withMoves.Count == 0) return null;
        var last = withMoves[^1];
        string text = F($"self-play games: {last.Games} of {(double)last.Moves!.Value / last.Games!.Value:0.0} moves on average");
        if (withMoves.Count > 1 && withMoves[^2] is var before && before.Games < last.Games && before.Moves <= last.Moves)
            text += F($" ({(double)(last.Moves - before.Moves)!.Value / (last.Games - before.Games)!.Value:0.0} in the last generation's games)");
        if (last.Passes is long passes) text += F($", passes {(double)passes / Math.Max(1, last.Moves.Value):P1} of moves");
        if (last.Resigned is long resigned) text += F($", {(double)resigned / last.Games.Value:P1} resigned");
        if (last.ResignChecks is long checks && checks > 0)
            text += F($", resignation false positives {last.ResignFalsePositives} of {checks} played-out games ({(double)(last.ResignFalsePositives ?? 0) / checks:P1})");
        return text;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
