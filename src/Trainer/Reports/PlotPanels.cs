using ScottPlot;

namespace SelfPlayBN.Trainer.Reports;

/// <summary>A named line of (x, y) points; <paramref name="Dashed"/> draws it dashed (e.g. the EMA twin of a solid line),
/// <paramref name="MarkersOnly"/> draws the points without a line (a scatter).</summary>
internal sealed record PlotLine(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool MarkersOnly = false)
{
    /// <summary>The points whose value is known and finite.</summary>
    public static PlotLine Of<T>(string name, IEnumerable<T> source, Func<T, double> x, Func<T, double?> y, bool dashed = false,
        bool markersOnly = false) =>
        new(name, [.. source.Select(s => (X: x(s), Y: y(s)))
            .Where(q => q.Y is { } v && double.IsFinite(v) && double.IsFinite(q.X))
            .Select(q => (q.X, q.Y!.Value))], dashed, markersOnly);
}

/// <summary>One plot: a title, axis labels and lines. <paramref name="Log2X"/> spaces the x axis by powers of two (for
/// batch sizes and sample counts) and labels the ticks with the values; <paramref name="IntegerX"/> puts ticks on integers only.</summary>
internal sealed record PlotPanel(string Title, string XLabel, string YLabel, PlotLine[] Lines, bool Log2X = false, bool IntegerX = false);

/// <summary>Renders panels one above the other into a PNG with ScottPlot, written to a temporary name in the folder
/// and renamed over the final one, so that a reader never sees half a file.</summary>
internal static class PlotPanels
{
    /// <summary>Writes <paramref name="panels"/> into <paramref name="folder"/>/<paramref name="fileName"/> and returns the path.</summary>
    /// <param name="folder">The folder (it must exist).</param>
    /// <param name="fileName">The PNG's name in it.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="panelHeight">Height of each panel in pixels.</param>
    /// <param name="shareX">Whether the panels share their x axis (same quantity on every panel).</param>
    /// <param name="panels">The panels, top to bottom.</param>
    public static string Save(string folder, string fileName, int width, int panelHeight, bool shareX, params PlotPanel[] panels)
    {
        string path = Path.Combine(folder, fileName);
        string temporary = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(fileName)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            var multiplot = new Multiplot();
            multiplot.AddPlots(panels.Length);
            for (int i = 0; i < panels.Length; i++) Draw(multiplot.GetPlot(i), panels[i]);
            if (shareX && panels.Length > 1) multiplot.SharedAxes.ShareX(multiplot.GetPlots());
            multiplot.SavePng(temporary, width, panelHeight * panels.Length);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }

    private static void Draw(Plot plot, PlotPanel panel)
    {
        bool any = false;
        var xs = new SortedSet<double>();
        foreach (var line in panel.Lines)
        {
            if (line.Points.Count == 0) continue;
            var x = line.Points.Select(q => panel.Log2X ? Math.Log2(q.X) : q.X).ToArray();
            foreach (double v in line.Points.Select(q => q.X)) xs.Add(v);
            var scatter = plot.Add.Scatter(x, line.Points.Select(q => q.Y).ToArray());
            scatter.LegendText = line.Name;
            scatter.MarkerSize = line.MarkersOnly ? 7 : line.Points.Count > 60 ? 0 : 5;
            if (line.Dashed) scatter.LinePattern = LinePattern.Dashed;
            if (line.MarkersOnly) scatter.LineWidth = 0;
            any = true;
        }
        plot.Title(any ? panel.Title : $"{panel.Title}: no data");
        plot.XLabel(panel.XLabel);
        if (panel.Log2X && xs.Count > 0)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (double v in xs) ticks.AddMajor(Math.Log2(v), v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture));
            plot.Axes.Bottom.TickGenerator = ticks;
        }
        else if (panel.IntegerX)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel(panel.YLabel);
        if (any) plot.ShowLegend(Edge.Right);
    }
}
