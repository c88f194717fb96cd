using System.Globalization;
using System.Text;
using SelfPlayBN.Go.Match;
using SelfPlayBN.Trainer.Reports;
using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>One run of <c>study endtoend</c>: what it published and its seed.</summary>
/// <param name="Arm"><c>precise</c> or <c>ema</c>: the statistics the run publishes to self-play and evaluation.</param>
/// <param name="Seed">The run's seed.</param>
internal sealed record EndToEndRun(string Arm, int Seed)
{
    /// <summary>The run's folder name in the study folder.</summary>
    public string Name => $"{Arm}-seed{Seed}";

    /// <summary>The run's options: the study's base with this seed, this arm's statistics and the wall-clock limit.</summary>
    public RunOptions Options(RunOptions baseOptions, double minutes) => baseOptions with
    {
        Seed = Seed,
        Bn = baseOptions.Bn with { Inference = Arm == "ema" ? BnInference.Ema : BnInference.Precise, KeepEmaSnapshots = false },
        Limits = baseOptions.Limits with { Minutes = minutes, Generations = null },
    };
}

/// <summary>
/// Study 2 of issue 13: self-play runs that publish EMA statistics against runs that publish precise ones, from one
/// configuration, for equal wall-clock time and several seeds; strength over time from each run's own evaluations against
/// fixed opponents (pure MCTS with rollouts, the perfect player where there is one). A run counts when it ended normally
/// (a marker file is written then); an interrupted one is started again from scratch, as a resumed run would not have
/// had equal time.
/// </summary>
internal static class EndToEndStudy
{
    /// <summary>The file that marks a run as finished.</summary>
    public const string DoneMarker = "study-run-finished";

    /// <summary>The arms, in the order they run for each seed.</summary>
    public static readonly string[] Arms = ["precise", "ema"];

    /// <summary>Every run: seeds outermost, so that an interrupted study has compared both arms on the seeds it finished.</summary>
    public static IReadOnlyList<EndToEndRun> Plan(int seeds) =>
        [.. Enumerable.Range(1, seeds).SelectMany(s => Arms.Select(a => new EndToEndRun(a, s)))];

    /// <summary>An opponent's final result of one run: its last evaluation against that opponent.</summary>
    internal sealed record Final(EndToEndRun Run, EvaluationMetrics Evaluation);

    /// <summary>The fixed opponents the runs were evaluated against (not earlier versions of themselves), in order of appearance.</summary>
    public static IReadOnlyList<string> Opponents(IReadOnlyDictionary<EndToEndRun, RunMetrics> runs) =>
        [.. runs.Values.SelectMany(m => m.Evaluations).Where(e => e.OpponentModel is null && e.Opponent != "random").Select(e => e.Opponent).Distinct()];

    /// <summary>The last evaluation of each run against <paramref name="opponent"/>.</summary>
    public static IReadOnlyList<Final> Finals(IReadOnlyDictionary<EndToEndRun, RunMetrics> runs, string opponent) =>
        [.. runs.Select(kv => (kv.Key, Last: kv.Value.Evaluations.LastOrDefault(e => e.Opponent == opponent)))
            .Where(x => x.Last is not null).Select(x => new Final(x.Key, x.Last!))];

    /// <summary>The difference of two arms' pooled scores with its 95 % interval (normal approximation for two independent
    /// binomial proportions, a draw counting half), as (difference, low, high).</summary>
    public static (double Difference, double Low, double High) ScoreDifference(MatchStatistics a, MatchStatistics b)
    {
        if (a.Games == 0 || b.Games == 0) return (double.NaN, double.NaN, double.NaN);
        double pa = a.Score, pb = b.Score;
        double se = Math.Sqrt(pa * (1 - pa) / a.Games + pb * (1 - pb) / b.Games);
        double d = pa - pb;
        return (d, d - MatchStatistics.Z95 * se, d + MatchStatistics.Z95 * se);
    }

    private static MatchStatistics Pooled(IEnumerable<Final> finals) => Pooled(finals.Select(f => f.Evaluation));

    private static MatchStatistics Pooled(IEnumerable<EvaluationMetrics> evaluations)
    {
        var list = evaluations.ToList();
        return new(list.Sum(e => e.Wins), list.Sum(e => e.Losses), list.Sum(e => e.Draws));
    }

    /// <summary>Every evaluation of each run against <paramref name="opponent"/> in the second half of that run's
    /// generations: more games per arm than the last evaluation alone, at the price of mixing model versions.</summary>
    public static IReadOnlyList<(EndToEndRun Run, EvaluationMetrics Evaluation)> LateEvaluations(IReadOnlyDictionary<EndToEndRun, RunMetrics> runs, string opponent) =>
        [.. runs.SelectMany(kv =>
        {
            long last = kv.Value.Publications.Count == 0 ? 0 : kv.Value.Publications.Max(p => p.Generation);
            return kv.Value.Evaluations.Where(e => e.Opponent == opponent && e.Generation > last / 2).Select(e => (kv.Key, e));
        })];

    /// <summary>The Markdown summary: per opponent, each run's last score, each arm's pooled score, and the difference.</summary>
    public static string Summary(string config, RunOptions options, double minutes, IReadOnlyDictionary<EndToEndRun, RunMetrics> runs, string machine)
    {
        var sb = new StringBuilder();
        void L(FormattableString f) => sb.AppendLine(f.ToString(CultureInfo.InvariantCulture));
        L($"# End to end: publishing EMA vs precise BatchNorm statistics ({config})");
        L($"");
        L($"{machine}");
        L($"");
        L($"{options.Game}, bn.decay (λ) {options.Bn.Decay}, {options.Trainer.StepsPerGeneration} steps per generation, learning rate {string.Join(", ", options.Trainer.LearningRate.Select(r => r.Rate.ToString(CultureInfo.InvariantCulture)))}; {minutes} minutes of wall clock per run; evaluation every {options.Evaluation.EveryGenerations} generations, {options.Evaluation.Games} games per opponent.");
        L($"Strength: each run's last evaluation against each fixed opponent (score = (wins + draws/2) / games, the run's model's view).");
        L($"");
        var opponents = Opponents(runs);
        if (opponents.Count == 0) { L($"No evaluation against a fixed opponent yet."); return sb.ToString(); }
        foreach (string opponent in opponents)
        {
            var finals = Finals(runs, opponent);
            L($"## vs {opponent}");
            L($"");
            L($"| arm | runs | generations reached | last score per run | pooled +W =D −L | pooled score (95 %) |");
            L($"|---|---:|---|---|---:|---:|");
            var pooled = new Dictionary<string, MatchStatistics>();
            foreach (string arm in Arms)
            {
                var mine = finals.Where(f => f.Run.Arm == arm).OrderBy(f => f.Run.Seed).ToList();
                if (mine.Count == 0) continue;
                var p = pooled[arm] = Pooled(mine);
                var (lo, hi) = p.ScoreInterval;
                string gens = string.Join(", ", mine.Select(f => runs[f.Run].Publications.LastOrDefault()?.Generation.ToString(CultureInfo.InvariantCulture) ?? "–"));
                string scores = string.Join(", ", mine.Select(f => (f.Evaluation.Score ?? double.NaN).ToString("0.000", CultureInfo.InvariantCulture)));
                L($"| {arm} | {mine.Count} | {gens} | {scores} | +{p.Wins} ={p.Draws} −{p.Losses} | {p.Score:0.000} ({lo:0.000}–{hi:0.000}) |");
            }
            if (pooled.TryGetValue("precise", out var pr) && pooled.TryGetValue("ema", out var em))
            {
                L($"");
                L($"Precise − EMA, last evaluations: {Difference(pr, em)}.");
                var late = LateEvaluations(runs, opponent);
                var latePrecise = Pooled(late.Where(x => x.Run.Arm == "precise").Select(x => x.Evaluation));
                var lateEma = Pooled(late.Where(x => x.Run.Arm == "ema").Select(x => x.Evaluation));
                string lateDifference = Difference(latePrecise, lateEma);
                L($"Every evaluation in the second half of each run's generations: precise +{latePrecise.Wins} ={latePrecise.Draws} −{latePrecise.Losses} ({latePrecise.Score:0.000}), EMA +{lateEma.Wins} ={lateEma.Draws} −{lateEma.Losses} ({lateEma.Score:0.000}); precise − EMA: {lateDifference}.");
            }
            L($"");
        }
        return sb.ToString();
    }

    private static string Difference(MatchStatistics precise, MatchStatistics ema)
    {
        var (d, lo, hi) = ScoreDifference(precise, ema);
        string verdict = lo > 0 ? "precise is stronger; the interval excludes zero" : hi < 0 ? "EMA is stronger; the interval excludes zero" : "the interval includes zero";
        return string.Create(CultureInfo.InvariantCulture, $"{d:+0.000;-0.000;0.000} (95 % {lo:+0.000;-0.000;0.000} … {hi:+0.000;-0.000;0.000}): {verdict}");
    }

    /// <summary>Score against each fixed opponent over the generations, each arm's mean over its seeds; null (no file)
    /// before any evaluation against a fixed opponent.</summary>
    public static string? Plot(string folder, IReadOnlyDictionary<EndToEndRun, RunMetrics> runs) => Opponents(runs).Count == 0 ? null :
        PlotPanels.Save(folder, "endtoend.png", 1000, 380, shareX: true,
            [.. Opponents(runs).Select(opponent => new PlotPanel($"Score against {opponent} (mean over seeds)", "generation", "score",
                [.. Arms.Select(arm => PlotLine.Of(arm,
                    runs.Where(kv => kv.Key.Arm == arm).SelectMany(kv => kv.Value.Evaluations.Where(e => e.Opponent == opponent))
                        .GroupBy(e => e.Generation).OrderBy(g => g.Key), g => g.Key, g => g.Average(e => e.Score ?? double.NaN)))],
                IntegerX: true))]);
}
