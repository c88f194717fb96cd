using System.Collections.Immutable;
using System.Diagnostics;
using SelfPlayBN.Games;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Search;

namespace SelfPlayBN.Go.Engine;

/// <summary>Settings of <see cref="GoSearchPlayer"/>. Immutable.</summary>
public sealed record GoSearchOptions
{
    /// <summary>Search threads, each with its own tree (root parallelism; see <see cref="GoSearchPlayer"/>). At least 1. Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Simulations each tree runs between two checks of the clock, the visit limit and cancellation, and
    /// so the granularity of analysis output. At least 1. Default 8.
    /// </summary>
    public int Chunk { get; init; } = 8;

    /// <summary>
    /// Each tree's search: <see cref="MctsOptions.CPuct"/>, first-play urgency, <see cref="MctsOptions.LeavesPerBatch"/>
    /// (1 for the network-free oracles, more for a network), the root search, and <see cref="MctsOptions.Seed"/> (thread
    /// <c>t</c> gets <c>Seed + t</c>; null draws one). The player owns the rest (<see cref="ForThread"/>): a round is
    /// <see cref="Chunk"/> simulations, without root noise, temperature or tree reuse. The default first-play urgency,
    /// a reduction of 0.25, suits a network's prior; without a network (uniform prior) <see cref="FpuMode.Absolute"/>
    /// with value 1 tries every move once before any is tried twice, as plain UCT does.
    /// </summary>
    public MctsOptions Search { get; init; } = new();

    /// <summary>The search of thread <paramref name="thread"/>'s tree.</summary>
    public MctsOptions ForThread(int thread) => Search with
    {
        Simulations = Chunk,
        RootNoise = false,
        Temperature = 0,
        TemperatureMoves = 0,
        FinalTemperature = 0,
        ReuseTree = false,
        Seed = Search.Seed is int s ? s + thread : null,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"threads must be at least 1 (got {Threads})", nameof(Threads));
        if (Chunk < 1) throw new ArgumentException($"chunk must be at least 1 (got {Chunk})", nameof(Chunk));
        ArgumentNullException.ThrowIfNull(Search);
        Search.Validate();
    }
}

/// <summary>When a search stops: after <paramref name="Visits"/> simulations in total (all threads), or when <paramref name="Time"/> has passed, whichever first.</summary>
/// <param name="Visits">Simulations over all trees; at least 1.</param>
/// <param name="Time">Wall-clock budget, or <c>null</c> for none.</param>
public readonly record struct SearchLimits(int Visits, TimeSpan? Time);

/// <summary>What the search knows about one move at the root.</summary>
/// <param name="Action">The move (<see cref="GoGame"/> action).</param>
/// <param name="Visits">Visits of the move, summed over the trees.</param>
/// <param name="Winrate">Probability of winning after the move, for the player to move at the root, in <c>[0, 1]</c>: <c>(1 + Q) / 2</c> with <c>Q</c> the visit-weighted mean value.</param>
/// <param name="Prior">The oracle's prior of the move (masked and normalised), in <c>[0, 1]</c>.</param>
/// <param name="Lcb">A lower confidence bound of <paramref name="Winrate"/>: <c>max(0, w − 1.96·√(w(1 − w)/n))</c> for <c>n ≥ 2</c> visits, 0 below (the search keeps no variance, so this is the binomial bound).</param>
/// <param name="PrincipalVariation">The move followed by the most visited reply, and so on, in the tree that visited the move most.</param>
public sealed record MoveAnalysis(int Action, int Visits, double Winrate, double Prior, double Lcb, ImmutableArray<int> PrincipalVariation);

/// <summary>A snapshot of a search: the visited root moves, best first (most visits, then higher winrate, then lower action).</summary>
/// <param name="Root">The position searched.</param>
/// <param name="Visits">Simulations run so far, over all trees.</param>
/// <param name="Elapsed">Time since the search started.</param>
/// <param name="Moves">Moves with at least one visit, in order.</param>
/// <param name="FallbackAction">The move with the highest prior, for a search too short to visit any move.</param>
public sealed record SearchAnalysis(GoState Root, int Visits, TimeSpan Elapsed, IReadOnlyList<MoveAnalysis> Moves, int FallbackAction)
{
    /// <summary>The move to play: the first of <see cref="Moves"/>, or <see cref="FallbackAction"/>.</summary>
    public int BestAction => Moves.Count > 0 ? Moves[0].Action : FallbackAction;

    /// <summary>The winrate of <see cref="BestAction"/> for the player to move, or 0.5 when no move was visited.</summary>
    public double BestWinrate => Moves.Count > 0 ? Moves[0].Winrate : 0.5;
}

/// <summary>
/// Chooses Go moves with PUCT search (<see cref="Mcts"/>) over an <see cref="IOracle"/>, for the GTP engine.
/// </summary>
/// <remarks>
/// <para>With <see cref="GoSearchOptions.Threads"/> = <c>T</c> the player keeps <c>T</c> independent trees of
/// the same position (root parallelism) and runs them side by side in rounds of
/// <see cref="GoSearchOptions.Chunk"/> simulations each; between rounds it checks the limits and reports a
/// snapshot whose per-move statistics are summed over the trees. Each tree asks the oracle that
/// <c>oracleForThread(t)</c> returned for its thread index <c>t</c> (give each thread its own
/// <see cref="RolloutOracle"/>; a <c>NetworkOracle</c> may be shared).</para>
/// <para>Search settings for play: no root noise, the most visited move (temperature 0), a fresh tree for
/// every call.</para>
/// <para>Thread-safety: one <see cref="Think"/> at a time per instance.</para>
/// </remarks>
public sealed class GoSearchPlayer
{
    private readonly Mcts[] _trees;
    private readonly GoSearchOptions _options;

    /// <summary>Creates the trees; <paramref name="oracleForThread"/> is called once per thread index.</summary>
    public GoSearchPlayer(Func<int, IOracle> oracleForThread, GoSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(oracleForThread);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _trees = new Mcts[options.Threads];
        for (int t = 0; t < _trees.Length; t++)
        {
            _trees[t] = new Mcts(oracleForThread(t), options.ForThread(t));
        }
    }

    /// <summary>The settings.</summary>
    public GoSearchOptions Options => _options;

    /// <summary>
    /// Searches <paramref name="root"/> until <paramref name="limits"/> or <paramref name="cancel"/> stops it and
    /// returns the final snapshot. Every <paramref name="reportInterval"/> (checked between rounds; <c>null</c>:
    /// never) <paramref name="report"/> receives a snapshot, on the calling thread.
    /// </summary>
    /// <remarks><paramref name="actionFilter"/> (see <see cref="Mcts.ActionFilter"/>) keeps moves out of the trees, at
    /// the root and below; <c>null</c> keeps every legal move.</remarks>
    /// <exception cref="ArgumentException">The position is over (two passes or the move cap): there is nothing to search.</exception>
    public SearchAnalysis Think(GoState root, SearchLimits limits, CancellationToken cancel = default,
        TimeSpan? reportInterval = null, Action<SearchAnalysis>? report = null, Func<IGameState, int, bool>? actionFilter = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.IsTerminal) throw new ArgumentException("the position is over: there is nothing to search", nameof(root));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.Visits, 1);
        foreach (var tree in _trees)
        {
            tree.ActionFilter = actionFilter;
            tree.Reset(root);
        }
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        int done = 0;
        while (done < limits.Visits && !cancel.IsCancellationRequested)
        {
            int perTree = Math.Min(_options.Chunk, Math.Max(1, (limits.Visits - done + _trees.Length - 1) / _trees.Length));
            if (_trees.Length == 1) _trees[0].Search(perTree);
            else Parallel.For(0, _trees.Length, t => _trees[t].Search(perTree));
            done += perTree * _trees.Length;
            if (limits.Time is TimeSpan budget && clock.Elapsed >= budget) break;
            if (report is not null && reportInterval is TimeSpan interval && clock.Elapsed - lastReport >= interval)
            {
                lastReport = clock.Elapsed;
                report(Snapshot(root, done, clock.Elapsed));
            }
        }
        return Snapshot(root, done, clock.Elapsed);
    }

    private SearchAnalysis Snapshot(GoState root, int visits, TimeSpan elapsed)
    {
        int numActions = root.GoGame.NumActions;
        var n = new int[numActions];
        var valueSum = new double[numActions];
        var prior = new double[numActions];
        var pvTree = new int[numActions];
        var pvTreeVisits = new int[numActions];
        for (int t = 0; t < _trees.Length; t++)
        {
            var r = _trees[t].Root;
            if (!r.IsExpanded) continue;
            foreach (var child in r.Children)
            {
                int a = child.Action;
                if (t == 0) prior[a] = child.Prior;
                n[a] += child.Visits;
                valueSum[a] += child.MeanValue * child.Visits; // a root child's mover is the root's player to move
                if (child.Visits > pvTreeVisits[a]) (pvTreeVisits[a], pvTree[a]) = (child.Visits, t);
            }
        }
        var moves = new List<MoveAnalysis>();
        int fallback = root.GoGame.PassAction;
        double bestPrior = -1;
        for (int a = 0; a < numActions; a++)
        {
            if (prior[a] > bestPrior && root.IsLegal(a)) (bestPrior, fallback) = (prior[a], a);
            if (n[a] == 0) continue;
            double w = Math.Clamp((1 + valueSum[a] / n[a]) / 2, 0, 1);
            double lcb = n[a] < 2 ? 0 : Math.Max(0, w - 1.96 * Math.Sqrt(w * (1 - w) / n[a]));
            moves.Add(new MoveAnalysis(a, n[a], w, prior[a], lcb, PrincipalVariation(_trees[pvTree[a]], a)));
        }
        moves.Sort((x, y) => x.Visits != y.Visits ? y.Visits.CompareTo(x.Visits)
            : x.Winrate != y.Winrate ? y.Winrate.CompareTo(x.Winrate)
            : x.Action.CompareTo(y.Action));
        return new SearchAnalysis(root, visits, elapsed, moves, fallback);
    }

    private static ImmutableArray<int> PrincipalVariation(Mcts tree, int action)
    {
        var pv = ImmutableArray.CreateBuilder<int>();
        var root = tree.Root;
        Mcts.TreeNode? node = null;
        for (int i = 0; i < root.ChildCount; i++)
            if (root.Child(i).Action == action) { node = root.Child(i); break; }
        while (node is Mcts.TreeNode current && current.Visits > 0)
        {
            pv.Add(current.Action);
            Mcts.TreeNode? best = null;
            int bestVisits = 0;
            for (int i = 0; i < current.ChildCount; i++)
            {
                var c = current.Child(i);
                if (c.Visits > bestVisits) (bestVisits, best) = (c.Visits, c);
            }
            node = best;
        }
        return pv.ToImmutable();
    }
}
