using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Go.Match;
using SelfPlayBN.Networks;
using SelfPlayBN.Search;
using SelfPlayBN.Trainer.Reports;
using SelfPlayBN.Training;
using SelfPlayBN.Training.Studies;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>One generation of <c>study staleness</c>: the same weights with the trainer's EMA statistics and with the
/// published precise ones, compared.</summary>
/// <param name="Generation">The generation.</param>
/// <param name="MeanGap">EMA vs precise means, |μ_EMA − μ| / σ averaged over channels and layers.</param>
/// <param name="LogVarianceGap">|log(σ²_EMA / σ²)| averaged over channels and layers.</param>
/// <param name="FreshPositions">Positions of games the next generation finished (data neither twin trained on); 0 when the
/// replay holds none (pruned from the window, or the run ended).</param>
/// <param name="FreshLossEma">Loss (policy cross-entropy against the search's visits + value MSE) of the EMA twin on them.</param>
/// <param name="FreshLossPrecise">The same for the precise twin.</param>
/// <param name="LabelledPositions">Solver-labelled positions (Connect Four, Tic-tac-toe; 0 for other games).</param>
/// <param name="LabelErrorEma">Share of labelled positions where the EMA twin's raw policy move is not optimal.</param>
/// <param name="LabelErrorPrecise">The same for the precise twin.</param>
/// <param name="Wins">Head-to-head games the precise twin won.</param>
/// <param name="Draws">Drawn games.</param>
/// <param name="Losses">Games the precise twin lost.</param>
internal sealed record StalenessRow(long Generation, double MeanGap, double LogVarianceGap, int FreshPositions, double? FreshLossEma,
    double? FreshLossPrecise, int LabelledPositions, double? LabelErrorEma, double? LabelErrorPrecise, int Wins, int Draws, int Losses)
{
    /// <summary>The head-to-head match from the precise twin's view.</summary>
    [JsonIgnore] public MatchStatistics Match => new(Wins, Losses, Draws);

    /// <summary>What staleness cost on fresh data: EMA loss − precise loss.</summary>
    [JsonIgnore] public double? FreshLossGap => FreshLossEma - FreshLossPrecise;
}

/// <summary>The settings of <c>study staleness</c> that a results file was made with (a rerun must use the same).</summary>
internal sealed record StalenessSettings(int Games, int Simulations, int FreshPositions, int Every);

/// <summary>
/// Study 1 of issue 13: for each generation of a run made with <c>bn.keepEmaSnapshots</c>, the published model (precise
/// statistics) and its EMA twin (the same weights as trained) are compared: statistics gap, loss on the next generation's
/// self-play positions, move error on solver labels, and a head-to-head match with its score, Elo and 95 % intervals. The
/// summary pools the matches and rank-correlates the staleness meter with the match score across generations.
/// </summary>
internal static class StalenessStudy
{
    /// <summary>Name of the per-generation results file.</summary>
    public const string ResultsFile = "results.jsonl";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The generations that have both a published model and an EMA twin, every <paramref name="every"/>-th.</summary>
    public static IReadOnlyList<long> Generations(RunFolder folder, int every)
    {
        if (!Directory.Exists(folder.EmaSnapshots)) return [];
        return [.. Directory.EnumerateFiles(folder.EmaSnapshots, "model-*.bin")
            .Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f).AsSpan("model-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out long g) ? g : -1)
            .Where(g => g >= 1 && g % every == 0 && File.Exists(ModelStore.WeightsPath(folder.Models, g)))
            .Order()];
    }

    /// <summary>The labelled positions of games that have a perfect player here: Connect Four's shipped 600 (solver labels),
    /// every reachable Tic-tac-toe position where some move is not optimal; none for other games.</summary>
    public static IReadOnlyList<LabelledExample> Labelled(IGame game)
    {
        if (game is ConnectFourGame)
            return [.. ConnectFourLabelledPositions.Load().Select(LabPositions.ToExample)];
        if (game is not TicTacToeGame) return [];
        var perfect = TicTacToePerfectPlayer.Instance;
        var seen = new HashSet<string>();
        var result = new List<LabelledExample>();
        var stack = new Stack<IGameState>([game.NewInitialState()]);
        var legal = new int[game.NumActions];
        while (stack.Count > 0)
        {
            var state = (TicTacToeState)stack.Pop();
            if (state.IsTerminal || !seen.Add(state.Render())) continue;
            var optimal = perfect.OptimalActions(state);
            int n = state.GetLegalActions(legal);
            if (optimal.Count < n) result.Add(new LabelledExample(state, optimal, perfect.Value(state)));
            for (int i = 0; i < n; i++) stack.Push(state.Apply(legal[i]));
        }
        return result;
    }

    /// <summary>Measures generation <paramref name="g"/>.</summary>
    /// <param name="game">The run's game.</param>
    /// <param name="options">The run's options (its network).</param>
    /// <param name="folder">The run folder.</param>
    /// <param name="g">The generation.</param>
    /// <param name="s">Match settings.</param>
    /// <param name="fresh">Positions of the games the next generation played (may be empty).</param>
    /// <param name="labelled">Solver-labelled positions (may be null).</param>
    /// <param name="cancel">Stops the match between games.</param>
    public static StalenessRow Measure(IGame game, RunOptions options, RunFolder folder, long g, StalenessSettings s,
        IReadOnlyList<ReplayPosition> fresh, LabDataset? labelled, CancellationToken cancel)
    {
        byte[] emaBytes = File.ReadAllBytes(ModelStore.WeightsPath(folder.EmaSnapshots, g));
        byte[] preciseBytes = File.ReadAllBytes(ModelStore.WeightsPath(folder.Models, g));
        using var ema = Models.Create(game, options.Network, options.Bn.Decay, CPU);
        using var precise = Models.Create(game, options.Network, options.Bn.Decay, CPU);
        try
        {
            Models.Load(ema, emaBytes);
            Models.Load(precise, preciseBytes);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"generation {g}: the weights do not load into the run's network: {e.Message}", e);
        }
        ema.eval(); precise.eval();
        var (meanGap, logGap) = Gaps(ema, precise);

        double? freshEma = null, freshPrecise = null;
        if (fresh.Count > 0)
        {
            var (input, policy, value) = new PositionEncoder(game).Encode(fresh, null);
            using (input) using (policy) using (value)
            {
                freshEma = Loss(ema, input, policy, value);
                freshPrecise = Loss(precise, input, policy, value);
            }
        }
        LabScore? labelEma = labelled is null ? null : SupervisedLab.Score(ema, labelled);
        LabScore? labelPrecise = labelled is null ? null : SupervisedLab.Score(precise, labelled);

        using var preciseOracle = Models.InferenceOracle(game, options.Network, preciseBytes, CPU, out _);
        using var emaOracle = Models.InferenceOracle(game, options.Network, emaBytes, CPU, out _);
        var search = MctsOptions.Evaluation(s.Simulations) with { LeavesPerBatch = 8 };
        var match = Arena.Play(game, i => new Mcts(preciseOracle, search with { Seed = 2 * i }), i => new Mcts(emaOracle, search with { Seed = 2 * i + 1 }),
            s.Games, cancel);
        return new StalenessRow(g, meanGap, logGap, fresh.Count, freshEma, freshPrecise, labelled?.Count ?? 0,
            labelEma?.Error, labelPrecise?.Error, match.Wins, match.Draws, match.Losses);
    }

    /// <summary>Positions of the games that generation <paramref name="g"/> + 1 finished (at most <paramref name="max"/>, drawn
    /// at random): games that ended after generation g was trained, so neither twin saw them.</summary>
    public static IReadOnlyList<ReplayPosition> FreshPositions(IReadOnlyList<GameRecord> games, long g, int max)
    {
        var next = games.Where(r => r.ModelVersion == g + 1).ToList();
        var positions = next.SelectMany(r => Enumerable.Range(0, r.Length).Select(ply => new ReplayPosition(r, ply))).ToList();
        if (positions.Count <= max) return positions;
        var rng = new Random((int)g);
        return [.. positions.OrderBy(_ => rng.Next()).Take(max)];
    }

    private static (double Mean, double LogVariance) Gaps(ResidualNetwork ema, ResidualNetwork precise)
    {
        var other = FrozenBatchNorm.NamedLayers(precise).ToDictionary(p => p.Name, p => p.Layer);
        double mean = 0, logVar = 0; int layers = 0;
        using var noGrad = no_grad();
        foreach (var (name, layer) in FrozenBatchNorm.NamedLayers(ema))
        {
            using var scope = NewDisposeScope();
            var p = other[name];
            double eps = layer.Options.Epsilon;
            var pv = p.RunningVar().to(ScalarType.Float64) + eps;
            var ev = layer.RunningVar().to(ScalarType.Float64) + eps;
            mean += ((layer.RunningMean().to(ScalarType.Float64) - p.RunningMean().to(ScalarType.Float64)).abs() / pv.sqrt()).mean().item<double>();
            logVar += (ev / pv).log().abs().mean().item<double>();
            layers++;
        }
        return layers == 0 ? (0, 0) : (mean / layers, logVar / layers);
    }

    private static double Loss(ResidualNetwork net, Tensor input, Tensor policy, Tensor value)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (logits, v) = net.call(input);
        var p = -(policy * nn.functional.log_softmax(logits, 1)).sum(1).mean();
        var m = (v - value).square().mean();
        return (p + m).item<float>();
    }

    /// <summary>Spearman's rank correlation (ties get their average rank); NaN for fewer than 3 pairs or a constant side.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException("the two samples differ in size");
        if (x.Count < 3) return double.NaN;
        var rx = Ranks(x); var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my); sxx += (rx[i] - mx) * (rx[i] - mx); syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    private static double[] Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) j++;
            for (int k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>Reads the results file: the settings line first, then one row per generation (a last line cut off by a
    /// crash is dropped first).</summary>
    public static (StalenessSettings? Settings, List<StalenessRow> Rows) Read(string file)
    {
        var rows = new List<StalenessRow>();
        if (!File.Exists(file)) return (null, rows);
        JsonLines.DropCutOffLine(file);
        StalenessSettings? settings = null;
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                if (i == 0) settings = JsonSerializer.Deserialize<StalenessSettings>(lines[i], Json) ?? throw new JsonException("null");
                else rows.Add(JsonSerializer.Deserialize<StalenessRow>(lines[i], Json) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{file}: line {i + 1} is not a staleness study {(i == 0 ? "settings line" : "row")} ({e.Message})", e);
            }
        }
        return (settings, rows);
    }

    /// <summary>Appends one line (settings or row) and flushes it to disk.</summary>
    public static void Append<T>(string file, T line) => JsonLines.Append(file, line, Json);

    /// <summary>The Markdown summary: per-generation table, the pooled match, and the meter's rank correlations.</summary>
    public static string Summary(string runDir, RunOptions options, StalenessSettings s, IReadOnlyList<StalenessRow> rows, string machine)
    {
        var sb = new StringBuilder();
        void L(FormattableString f) => sb.AppendLine(f.ToString(CultureInfo.InvariantCulture));
        L($"# BatchNorm staleness of {runDir}: EMA twin vs published precise model");
        L($"");
        L($"{machine}");
        L($"");
        L($"Run: {options.Game}, network {options.Network.Blocks}×{options.Network.Filters}, bn.decay (λ) {options.Bn.Decay}, {options.Trainer.StepsPerGeneration} steps per generation, learning rate {string.Join(", ", options.Trainer.LearningRate.Select(r => r.Rate.ToString(CultureInfo.InvariantCulture)))}.");
        L($"Matches: {s.Games} games per generation, {s.Simulations} simulations per move, colours alternating, the first 2 moves sampled from the visits. Scores are the precise twin's.");
        L($"");
        if (rows.Count == 0) { L($"No generation measured yet."); return sb.ToString(); }
        L($"| generation | mean gap (σ) | log-var gap | fresh loss EMA − precise | label error EMA | label error precise | precise +W =D −L | score | Elo (95 % interval) |");
        L($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            var m = r.Match;
            var (lo, hi) = m.EloInterval;
            L($"| {r.Generation} | {r.MeanGap:0.000} | {r.LogVarianceGap:0.000} | {Opt(r.FreshLossGap, "+0.000;-0.000;0.000")} | {Pct(r.LabelErrorEma)} | {Pct(r.LabelErrorPrecise)} | +{r.Wins} ={r.Draws} −{r.Losses} | {m.Score:0.000} | {Elo(m.Elo)} ({Elo(lo)} … {Elo(hi)}) |");
        }
        var pooled = new MatchStatistics(rows.Sum(r => r.Wins), rows.Sum(r => r.Losses), rows.Sum(r => r.Draws));
        var (slo, shi) = pooled.ScoreInterval;
        var (elo, ehi) = pooled.EloInterval;
        L($"");
        string verdict = slo > 0.5 ? "the precise twin is stronger, the interval excludes an even match."
            : shi < 0.5 ? "the EMA twin is stronger, the interval excludes an even match." : "the interval includes an even match.";
        L($"Pooled over {rows.Count} generations: precise twin +{pooled.Wins} ={pooled.Draws} −{pooled.Losses}, score {pooled.Score:0.000} (95 % {slo:0.000}–{shi:0.000}), Elo {Elo(pooled.Elo)} ({Elo(elo)} … {Elo(ehi)}): {verdict}");
        var scores = rows.Select(r => r.Match.Score).ToList();
        var withFresh = rows.Where(r => r.FreshLossGap is not null).ToList();
        string freshRho = withFresh.Count >= 3
            ? $", fresh-loss gap vs score {Rho(Spearman([.. withFresh.Select(r => r.FreshLossGap!.Value)], [.. withFresh.Select(r => r.Match.Score)]))} (n = {withFresh.Count})"
            : "";
        L($"Spearman rank correlation across generations (n = {rows.Count}): mean gap vs precise score {Rho(Spearman([.. rows.Select(r => r.MeanGap)], scores))}, log-variance gap vs score {Rho(Spearman([.. rows.Select(r => r.LogVarianceGap)], scores))}{freshRho}.");
        var errors = rows.Where(r => r.LabelErrorEma is not null).ToList();
        if (errors.Count > 0)
            L($"Move error on {rows[0].LabelledPositions} solver-labelled positions, mean over generations: EMA {100 * errors.Average(r => r.LabelErrorEma!.Value):0.00} %, precise {100 * errors.Average(r => r.LabelErrorPrecise!.Value):0.00} %.");
        return sb.ToString();
    }

    /// <summary>Writes the plots: per generation, the meter and the match score; the score against the meter.</summary>
    public static string Plot(string folder, IReadOnlyList<StalenessRow> rows) =>
        PlotPanels.Save(folder, "staleness-study.png", 1000, 380, shareX: false,
            new PlotPanel("EMA twin vs precise model, per generation", "generation", "gap / loss gap", [
                PlotLine.Of("mean gap (σ)", rows, r => r.Generation, r => r.MeanGap),
                PlotLine.Of("log-variance gap", rows, r => r.Generation, r => r.LogVarianceGap),
                PlotLine.Of("fresh loss, EMA − precise", rows, r => r.Generation, r => r.FreshLossGap),
            ], IntegerX: true),
            new PlotPanel("Head-to-head: the precise model's score against its EMA twin (0.5: even)", "generation", "score", [
                PlotLine.Of("score", rows, r => r.Generation, r => r.Match.Score),
                PlotLine.Of("95 % low", rows, r => r.Generation, r => r.Match.ScoreInterval.Low, dashed: true),
                PlotLine.Of("95 % high", rows, r => r.Generation, r => r.Match.ScoreInterval.High, dashed: true),
            ], IntegerX: true),
            new PlotPanel("Does the meter predict the match? Score against the mean gap, one point per generation", "mean gap (σ)", "score", [
                PlotLine.Of("generations", rows.OrderBy(r => r.MeanGap), r => r.MeanGap, r => r.Match.Score, markersOnly: true),
            ]));

    private static string Opt(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
    private static string Pct(double? v) => v is { } x ? (100 * x).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";
    private static string Elo(double v) => double.IsFinite(v) ? v.ToString("+0;-0;0", CultureInfo.InvariantCulture) : v > 0 ? "+∞" : "−∞";
    private static string Rho(double v) => double.IsNaN(v) ? "undefined (too few points or no variation)" : v.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);
}
