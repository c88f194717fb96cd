using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Reports;

/// <summary>
/// Draws a run's <see cref="RunMetrics"/> as PNG files with ScottPlot: losses, BatchNorm staleness, playing
/// strength and self-play throughput, each against the generation. Each file is written to a temporary
/// name in the output folder and then renamed over the final one, so a reader never sees half a file.
/// </summary>
internal static class RunPlots
{
    private const int Width = 1000;
    private const int PanelHeight = 380;

    /// <summary>The file names <see cref="WriteAll"/> writes, in order.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["losses.png", "staleness.png", "strength.png", "throughput.png"];

    /// <summary>Writes every plot into <paramref name="folder"/> (created if needed) and returns the paths, in <see cref="FileNames"/> order.</summary>
    public static IReadOnlyList<string> WriteAll(RunMetrics metrics, string folder)
    {
        Directory.CreateDirectory(folder);
        var p = metrics.Publications;
        var written = new List<string>();

        written.Add(Save(folder, FileNames[0], Panel("Training losses (mean over each generation's steps)", "loss",
            Series("policy", p, x => x.PolicyLoss),
            Series("value", p, x => x.ValueLoss),
            Series("L2", p, x => x.L2),
            Series("total", p, x => x.TotalLoss))));

        written.Add(Save(folder, FileNames[1],
            Panel("BatchNorm staleness: EMA statistics vs precise ones", "gap",
                Series("mean gap (σ units)", p, x => x.StalenessMeanGap),
                Series("log-variance gap", p, x => x.StalenessLogVarGap)),
            Panel("Loss of the same model with EMA vs with precise BN statistics", "loss",
                Series("with EMA", p, x => x.LossWithEma),
                Series("with precise", p, x => x.LossWithPrecise)),
            Panel("Loss with EMA − loss with precise (above 0: \"false overfitting\" from stale statistics)", "loss gap",
                Series("EMA − precise", p, x => x.EmaLossGap))));

        // One line per fixed opponent; the matches against earlier versions (model-K, a different K each time) form one line.
        var groups = metrics.Evaluations.GroupBy(e => e.OpponentModel is null ? $"vs {e.Opponent}" : "vs the previous version").ToList();
        var chained = metrics.ChainedElo();
        var eloLines = groups.Select(g => Series(g.Key, g, e => e.Elo)).ToList();
        if (chained.Anchor is { } anchor)
            eloLines.Add(new PlotLine($"chained: Elo relative to generation {anchor}",
                [.. chained.ByVersion.OrderBy(kv => kv.Key).Select(kv => ((double)kv.Key, kv.Value))]));
        written.Add(Save(folder, FileNames[2],
            Panel("Evaluation score: (wins + draws/2) / games", "score", [.. groups.Select(g => Series(g.Key, g, e => e.Score))]),
            Panel("Elo difference implied by the score", "Elo", [.. eloLines])));

        var throughput = metrics.Throughput();
        written.Add(Save(folder, FileNames[3],
            Panel("Self-play speed between publications", "per second",
                Series("games/s", throughput, t => t.GamesPerSecond),
                Series("positions/s", throughput, t => t.PositionsPerSecond)),
            Panel("Average inference batch", "positions per batch",
                Series("average batch", p, x => x.AverageInferenceBatch))));
        return written;
    }

    private static PlotPanel Panel(string title, string yLabel, params PlotLine[] lines) => new(title, "generation", yLabel, lines, IntegerX: true);

    private static PlotLine Series(string name, IEnumerable<PublicationMetrics> source, Func<PublicationMetrics, double?> value) =>
        PlotLine.Of(name, source, x => x.Generation, value);

    private static PlotLine Series(string name, IEnumerable<EvaluationMetrics> source, Func<EvaluationMetrics, double?> value) =>
        PlotLine.Of(name, source, x => x.Generation, value);

    private static PlotLine Series(string name, IEnumerable<Throughput> source, Func<Throughput, double?> value) =>
        PlotLine.Of(name, source, x => x.Generation, x => value(x));

    private static string Save(string folder, string fileName, params PlotPanel[] panels) =>
        PlotPanels.Save(folder, fileName, Width, PanelHeight, shareX: true, panels);
}
