using System.Collections.Immutable;

namespace SelfPlayBN.Search;

/// <summary>
/// What one <see cref="Mcts.Search()"/> produced at the root. Immutable. Per-action arrays have length
/// <c>Game.NumActions</c> and hold 0 at illegal actions.
/// </summary>
/// <remarks>
/// Identities: <c>Visits.Sum() == RootVisits − 1</c> (the root's own first visit expanded it), and
/// <c>RootVisits</c> is the visits the root had before the search (kept by tree reuse) plus
/// <see cref="Simulations"/>. Values are from the point of view of <see cref="RootPlayer"/>, the player
/// to move at the root.
/// </remarks>
public sealed record SearchResult
{
    /// <summary>The player to move at the root; every value below is from this player's point of view.</summary>
    public required int RootPlayer { get; init; }

    /// <summary>Visits of each root child: the policy target once normalised (see <see cref="Policy"/>).</summary>
    public required ImmutableArray<int> Visits { get; init; }

    /// <summary>Root priors as the search used them (oracle prior, masked and normalised, plus root noise if on).</summary>
    public required ImmutableArray<float> Priors { get; init; }

    /// <summary>Mean backed-up value of each root child, for <see cref="RootPlayer"/>; 0 where unvisited.</summary>
    public required ImmutableArray<float> ActionValues { get; init; }

    /// <summary>Mean of all values backed up through the root, for <see cref="RootPlayer"/>, in <c>[−1, 1]</c>.</summary>
    public required double RootValue { get; init; }

    /// <summary>Visits of the root after the search.</summary>
    public required int RootVisits { get; init; }

    /// <summary>Simulations run by this search (the option, or the argument of <see cref="Mcts.Search(int)"/>).</summary>
    public required int Simulations { get; init; }

    /// <summary>The temperature the move was chosen with (from <see cref="MctsOptions.TemperatureAt"/>).</summary>
    public required double Temperature { get; init; }

    /// <summary>The chosen move: the most visited at temperature 0, else drawn ∝ <c>visits^(1/T)</c> (the <see cref="TargetVisits"/>
    /// where pruned).</summary>
    public required int Action { get; init; }

    /// <summary>The principal variation: from the root, repeatedly the most visited child, while it has visits.</summary>
    public required ImmutableArray<int> PrincipalVariation { get; init; }

    /// <summary>How the simulations of this search went (oracle calls, terminal visits, collisions).</summary>
    public required SearchStatistics Statistics { get; init; }

    /// <summary>A Gumbel root search's improved policy <c>softmax(logit + σ(q̂))</c> over the legal actions (0 elsewhere; sums to
    /// 1); empty for a PUCT search. See <see cref="RootSearch.Gumbel"/>.</summary>
    public ImmutableArray<float> ImprovedPolicy { get; init; } = [];

    /// <summary>With forced playouts (<see cref="MctsOptions.ForcedPlayouts"/>), the root children's visits after policy target
    /// pruning: the policy target's counts and those the move was chosen from; empty otherwise.</summary>
    public ImmutableArray<int> TargetVisits { get; init; } = [];

    /// <summary>The policy target (sums to 1): the <see cref="ImprovedPolicy"/> of a Gumbel search, else the distribution of
    /// <see cref="TargetVisits"/> where pruned, else of <see cref="Visits"/> (AlphaZero's target).</summary>
    public float[] Policy()
    {
        if (!ImprovedPolicy.IsDefaultOrEmpty) return ImprovedPolicy.ToArray();
        var counts = TargetVisits.IsDefaultOrEmpty ? Visits : TargetVisits;
        var p = new float[counts.Length];
        long total = 0;
        foreach (int v in counts) total += v;
        if (total == 0) return p;
        for (int a = 0; a < p.Length; a++) p[a] = (float)((double)counts[a] / total);
        return p;
    }

    /// <summary>The share of the root children's visits that went to <paramref name="action"/>.</summary>
    public double VisitShare(int action)
    {
        long total = 0;
        foreach (int v in Visits) total += v;
        return total == 0 ? 0 : (double)Visits[action] / total;
    }
}

/// <summary>Counters of one search. Identity: <c>LeavesEvaluated + TerminalVisits == Simulations</c>.</summary>
/// <param name="OracleCalls">Calls to the oracle (batches).</param>
/// <param name="LeavesEvaluated">States sent to the oracle over all batches (mean batch size = this / <paramref name="OracleCalls"/>).</param>
/// <param name="TerminalVisits">Simulations that ended at a terminal state (scored exactly, without the oracle).</param>
/// <param name="Collisions">Descents discarded because they reached a leaf already pending in the batch being gathered.</param>
public readonly record struct SearchStatistics(int OracleCalls, int LeavesEvaluated, int TerminalVisits, int Collisions);
