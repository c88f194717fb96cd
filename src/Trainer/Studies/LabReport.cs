using System.Globalization;
using System.Text;
using SelfPlayBN.Go.Match;
using SelfPlayBN.Trainer.Reports;
using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>
/// Turns the lab's <c>results.jsonl</c> into <c>summary.md</c> (a table per part, with the answer each part gives),
/// <c>results.csv</c> (one row per run) and PNG plots (<c>nbs.png</c>, <c>false-overfitting.png</c>,
/// <c>alternatives.png</c>, <c>precise-samples.png</c>, each only when its part has results). Every file is written
/// atomically.
/// </summary>
internal static class LabReport
{
    private const int Width = 1000;
    private const int PanelHeight = 380;

    /// <summary>A configuration over its seeds.</summary>
    internal sealed record Group(string Part, string Name, int? Nbs, IReadOnlyList<LabRecord> Runs)
    {
        /// <summary>Final validation error with precise statistics, per seed.</summary>
        public double[] Precise => [.. Runs.Select(r => r.Final.PreciseError)];

        /// <summary>Final validation error with the EMA statistics, per seed.</summary>
        public double[] Ema => [.. Runs.Select(r => r.Final.EmaError)];

        /// <summary>Mean final precise error over the seeds.</summary>
        public double MeanPrecise => Precise.Average();

        /// <summary>Mean final EMA error over the seeds.</summary>
        public double MeanEma => Ema.Average();

        /// <summary>95 % Wilson interval of the pooled precise error (positions × seeds): the validation sample's part of the
        /// uncertainty; the seeds' spread is the training's part.</summary>
        public (double Low, double High) Interval
        {
            get
            {
                int n = Runs.Sum(r => r.Validation);
                double wrong = Runs.Sum(r => r.Final.PreciseError * r.Validation);
                return MatchStatistics.Wilson(Math.Round(wrong), n, 1.959964);
            }
        }
    }

    /// <summary>Groups the records by part and configuration, in the order they first appear.</summary>
    internal static List<Group> Groups(IEnumerable<LabRecord> records, string? part = null) =>
        [.. records.Where(r => part is null || r.Part == part)
            .GroupBy(r => (r.Part, r.Name))
            .Select(g => new Group(g.Key.Part, g.Key.Name, g.First().Nbs, [.. g.OrderBy(r => r.Seed)]))];

    /// <summary>Writes summary.md, results.csv and the plots into <paramref name="folder"/>; returns the paths written.</summary>
    public static IReadOnlyList<string> WriteAll(IReadOnlyList<LabRecord> records, string folder, string machine)
    {
        var written = new List<string>
        {
            WriteText(folder, "summary.md", Summary(records, machine)),
            WriteText(folder, "results.csv", Csv(records)),
        };
        var nbs = Groups(records, "nbs").Where(g => g.Nbs is not null).OrderBy(g => g.Nbs).ToList();
        if (nbs.Count > 0)
            written.Add(PlotPanels.Save(folder, "nbs.png", Width, PanelHeight, shareX: true,
                new PlotPanel("Validation error vs normalization batch size (Ghost BN)", "normalization batch size (NBS)",
                    "error (%)", [
                        PlotLine.Of($"precise BN (mean of {nbs.Max(g => g.Runs.Count)} seeds)", nbs, g => g.Nbs!.Value, g => 100 * g.MeanPrecise),
                        PlotLine.Of("EMA statistics (mean)", nbs, g => g.Nbs!.Value, g => 100 * g.MeanEma, dashed: true),
                        .. nbs.SelectMany(g => g.Runs).Select(r => r.Seed).Distinct().Order().Select(seed =>
                            PlotLine.Of($"precise, seed {seed}", nbs.Where(g => g.Runs.Any(r => r.Seed == seed)), g => g.Nbs!.Value,
                                g => 100 * g.Runs.First(r => r.Seed == seed).Final.PreciseError)),
                    ], Log2X: true),
                new PlotPanel("Validation loss (policy CE + value MSE) vs NBS", "normalization batch size (NBS)", "loss", [
                    PlotLine.Of("precise BN (mean)", nbs, g => g.Nbs!.Value, g => g.Runs.Average(r => r.Final.PreciseLoss)),
                    PlotLine.Of("EMA statistics (mean)", nbs, g => g.Nbs!.Value, g => g.Runs.Average(r => r.Final.EmaLoss), dashed: true),
                ], Log2X: true)));

        var ema = Groups(records, "ema");
        if (ema.Count > 0)
            written.Add(PlotPanels.Save(folder, "false-overfitting.png", Width, PanelHeight, shareX: true,
                new PlotPanel("Validation error: EMA (dashed) vs precise statistics (solid)", "SGD step", "error (%)",
                    [.. ema.SelectMany(g => new[]
                    {
                        Curve($"{g.Name}: precise", g, p => 100 * p.PreciseError),
                        Curve($"{g.Name}: EMA", g, p => 100 * p.EmaError, dashed: true),
                    })]),
                new PlotPanel("EMA staleness (mean gap from precise, σ)", "SGD step", "mean gap",
                    [.. ema.Select(g => Curve(g.Name, g, p => p.MeanGap))])));

        var alternatives = Groups(records, "alternatives");
        if (alternatives.Count > 0)
            written.Add(PlotPanels.Save(folder, "alternatives.png", Width, PanelHeight, shareX: true,
                new PlotPanel("Validation error at a small NBS, and without BatchNorm", "SGD step", "error (%)",
                    [.. alternatives.Select(g => Curve(g.Name, g, p => 100 * p.PreciseError))])));

        var samples = records.Where(r => r.Part == "samples" && r.Samples is { Count: > 0 }).ToList();
        if (samples.Count > 0)
        {
            var points = samples.SelectMany(r => r.Samples!).GroupBy(p => p.Samples).OrderBy(g => g.Key).ToList();
            written.Add(PlotPanels.Save(folder, "precise-samples.png", Width, PanelHeight, shareX: true,
                new PlotPanel("Precise BN: estimate vs the whole-set one, by samples", "samples", "gap", [
                    PlotLine.Of("mean gap (σ units)", points, g => g.Key, g => g.Average(p => p.MeanGap)),
                    PlotLine.Of("log-variance gap", points, g => g.Key, g => g.Average(p => p.LogVarianceGap)),
                ], Log2X: true),
                new PlotPanel("Validation error with that estimate (mean over repeats)", "samples", "error (%)", [
                    PlotLine.Of("error", points, g => g.Key, g => 100 * g.Average(p => p.Error)),
                ], Log2X: true)));
        }
        return written;
    }

    /// <summary>A configuration's learning curve, averaged over its seeds at each step.</summary>
    private static PlotLine Curve(string name, Group g, Func<LabPointRecord, double?> value, bool dashed = false) =>
        PlotLine.Of(name, g.Runs.SelectMany(r => r.Points).GroupBy(p => p.Step).OrderBy(s => s.Key), s => s.Key,
            s => s.Select(value).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Average(), dashed);

    /// <summary>The Markdown summary: settings, then per part a table and its answer.</summary>
    internal static string Summary(IReadOnlyList<LabRecord> records, string machine)
    {
        var sb = new StringBuilder();
        void L(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        L($"# Supervised BatchNorm lab (Connect Four, solver labels)");
        L($"");
        L($"{machine}");
        L($"");
        if (records.Count == 0) { L($"No finished run yet."); return sb.ToString(); }
        var first = records[0];
        L($"{first.Train} training and {first.Validation} validation positions; SGD batch {first.Batch}, {first.Steps} steps, learning rate {first.LearningRate} (÷10 for the last quarter).");
        L($"Error: the share of validation positions whose highest legal policy logit is not an optimal move. Interval: 95 % Wilson over the validation positions of all seeds (the seeds' own values show the training noise).");
        L($"");
        var nbs = Groups(records, "nbs").Where(g => g.Nbs is not null).OrderBy(g => g.Nbs).ToList();
        if (nbs.Count > 0)
        {
            L($"## Normalization batch size (Ghost BN)");
            L($"");
            Table(sb, nbs);
            var best = nbs.MinBy(g => g.MeanPrecise)!;
            L($"");
            L($"Lowest mean error (precise statistics): NBS {best.Nbs}, {100 * best.MeanPrecise:0.00} %; NBS {nbs[0].Nbs}: {100 * nbs[0].MeanPrecise:0.00} %; NBS {nbs[^1].Nbs}: {100 * nbs[^1].MeanPrecise:0.00} %.");
            L($"");
        }
        var ema = Groups(records, "ema");
        if (ema.Count > 0)
        {
            L($"## False overfitting: EMA statistics vs precise ones of the same checkpoints");
            L($"");
            L($"| run | seeds | final error, precise | final error, EMA | EMA − precise, final | EMA − precise, largest | EMA error: lowest → final | precise error: lowest → final |");
            L($"|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var g in ema)
            {
                var curve = g.Runs.SelectMany(r => r.Points).GroupBy(p => p.Step).OrderBy(s => s.Key)
                    .Select(s => (Ema: s.Average(p => p.EmaError), Precise: s.Average(p => p.PreciseError))).ToList();
                double largest = curve.Max(c => c.Ema - c.Precise);
                L($"| {g.Name} | {g.Runs.Count} | {100 * g.MeanPrecise:0.00} % | {100 * g.MeanEma:0.00} % | {100 * (g.MeanEma - g.MeanPrecise):+0.00;-0.00;0.00} pt | {100 * largest:+0.00;-0.00;0.00} pt | {100 * curve.Min(c => c.Ema):0.00} → {100 * curve[^1].Ema:0.00} % | {100 * curve.Min(c => c.Precise):0.00} → {100 * curve[^1].Precise:0.00} % |");
            }
            L($"");
        }
        var alternatives = Groups(records, "alternatives");
        if (alternatives.Count > 0)
        {
            L($"## BatchNorm's alternatives at a small normalization batch");
            L($"");
            Table(sb, alternatives);
            L($"");
        }
        var samples = records.Where(r => r.Part == "samples" && r.Samples is { Count: > 0 }).ToList();
        if (samples.Count > 0)
        {
            L($"## Samples Precise BN needs");
            L($"");
            L($"{samples[0].Name}: each estimate from k random training positions, compared with the estimate from the whole training set.");
            L($"");
            L($"| samples | repeats | mean gap (σ), mean ± sd | log-variance gap, mean | validation error, mean |");
            L($"|---:|---:|---:|---:|---:|");
            foreach (var g in samples.SelectMany(r => r.Samples!).GroupBy(p => p.Samples).OrderBy(g => g.Key))
            {
                var gaps = g.Select(p => p.MeanGap).ToArray();
                double mean = gaps.Average(), sd = gaps.Length > 1 ? Math.Sqrt(gaps.Sum(x => (x - mean) * (x - mean)) / (gaps.Length - 1)) : 0;
                L($"| {g.Key} | {gaps.Length} | {mean:0.0000} ± {sd:0.0000} | {g.Average(p => p.LogVarianceGap):0.0000} | {100 * g.Average(p => p.Error):0.00} % |");
            }
            L($"");
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, IEnumerable<Group> groups)
    {
        sb.AppendLine("| run | NBS | seeds | error, precise (mean) | 95 % interval | per seed | error, EMA (mean) | mean gap (σ) | seconds per run |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|");
        foreach (var g in groups)
        {
            var (low, high) = g.Interval;
            var gaps = g.Runs.Select(r => r.Final.MeanGap).Where(x => x is not null).Select(x => x!.Value).ToList();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Name} | {(g.Nbs is { } n ? n.ToString(CultureInfo.InvariantCulture) : "–")} | {g.Runs.Count} | {100 * g.MeanPrecise:0.00} % | {100 * low:0.0}–{100 * high:0.0} % | " +
                $"{string.Join(", ", g.Precise.Select(e => (100 * e).ToString("0.00", CultureInfo.InvariantCulture)))} | {100 * g.MeanEma:0.00} % | " +
                $"{(gaps.Count > 0 ? gaps.Average().ToString("0.000", CultureInfo.InvariantCulture) : "–")} | {g.Runs.Average(r => r.Seconds):0} |"));
        }
    }

    /// <summary>One row per run, final evaluation.</summary>
    internal static string Csv(IReadOnlyList<LabRecord> records)
    {
        var sb = new StringBuilder("part,name,seed,nbs,normalization,decay,steps,batch,seconds,precise_error,ema_error,precise_loss,ema_loss,mean_gap,log_variance_gap\n");
        foreach (var r in records)
        {
            var f = r.Final;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Part},{r.Name},{r.Seed},{r.Nbs},{r.Normalization},{r.Decay},{r.Steps},{r.Batch},{r.Seconds},{f.PreciseError},{f.EmaError},{f.PreciseLoss},{f.EmaLoss},{f.MeanGap},{f.LogVarianceGap}"));
        }
        return sb.ToString();
    }

    private static string WriteText(string folder, string name, string text)
    {
        string path = Path.Combine(folder, name);
        DurableFile.WriteAllText(path, text);
        return path;
    }
}
