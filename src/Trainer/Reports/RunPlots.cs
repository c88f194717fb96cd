using ScottPlot;

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
            eloLines.Add(new Line($"chained: Elo relative to generation {anchor}",
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

    /// <summary>A named line: (generation, value) points.</summary>
    private sealed record Line(string Name, IReadOnlyList<(double X, double Y)> Points);

    private sealed record PanelSpec(string Title, string YLabel, Line[] Lines);

    private static PanelSpec Panel(string title, string yLabel, params Line[] lines) => new(title, yLabel, lines);

    private static Line Series(string name, IEnumerable<Publication> source, Func<Publication, double?> value) =>
        Series(name, source, x => x.Generation, value);

    private static Line Series(string name, IEnumerable<Evaluation> source, Func<Evaluation, double?> value) =>
        Series(name, source, x => x.Generation, value);

    private static Line Series(string name, IEnumerable<Throughput> source, Func<Throughput, double?> value) =>
        Series(name, source, x => x.Generation, x => value(x));

    /// <summary>The points whose value is known and finite.</summary>
    private static Line Series<T>(string name, IEnumerable<T> source, Func<T, long> generation, Func<T, double?> value) =>
        new(name, [.. source.Select(s => (X: (double)generation(s), Y: value(s)))
            .Where(q => q.Y is { } y && double.IsFinite(y))
            .Select(q => (q.X, q.Y!.Value))]);

    /// <summary>Renders the panels one above the other into one PNG, atomically.</summary>
    private static string Save(string folder, string fileName, params PanelSpec[] panels)
    {
        string path = Path.Combine(folder, fileName);
        string temporary = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(fileName)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            var multiplot = new Multiplot();
            multiplot.AddPlots(panels.Length);
            for (int i = 0; i < panels.Length; i++) Draw(multiplot.GetPlot(i), panels[i]);
            if (panels.Length > 1) multiplot.SharedAxes.ShareX(multiplot.GetPlots());
            multiplot.SavePng(temporary, Width, PanelHeight * panels.Length);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }

    private static void Draw(Plot plot, PanelSpec panel)
    {
        bool any = false;
        foreach (var line in panel.Lines)
        {
            if (line.Points.Count == 0) continue;
            var scatter = plot.Add.Scatter(line.Points.Select(q => q.X).ToArray(), line.Points.Select(q => q.Y).ToArray());
            scatter.LegendText = line.Name;
            scatter.MarkerSize = line.Points.Count > 60 ? 0 : 5;
            any = true;
        }
        plot.Title(any ? panel.Title : $"{panel.Title}: no data");
        plot.XLabel("generation");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel(panel.YLabel);
        if (any) plot.ShowLegend(Edge.Right);
    }
}
