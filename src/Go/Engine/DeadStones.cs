using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

/// <summary>What <see cref="DeadStones"/> says of a chain.</summary>
public enum ChainStatus
{
    /// <summary>Its points end up in its own colour's area in most playouts.</summary>
    Alive,
    /// <summary>Neither alive nor in seki: its points end up in the opponent's area in most playouts.</summary>
    Dead,
    /// <summary>Living on liberties it shares with opposing chains that cannot fill them either (mutual life).</summary>
    Seki,
}

/// <summary>Settings of <see cref="DeadStones"/>' judgement. Immutable.</summary>
public sealed record DeadStoneOptions
{
    /// <summary>
    /// Random playouts from the position (half with Black first, half with White first): at least 2, default 400.
    /// 0 selects the static rule instead (no playouts: a chain with a liberty in an empty region that borders only
    /// its own colour is alive, the seki rule as below, every other chain dead), which is fast but calls a wall
    /// dead when a dead stone sits in its territory; it is the baseline of <c>bench --only deadstones</c>.
    /// </summary>
    public int Playouts { get; init; } = 400;

    /// <summary>Seed of the playouts; <c>null</c> (the default) derives it from the stones and the side to move, so one position always gets one answer.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Playouts is < 0 or 1) throw new ArgumentException($"dead-stone playouts must be 0 (the static rule) or at least 2 (got {Playouts})", nameof(Playouts));
    }
}

/// <summary>
/// Which stones are dead at the end of a game: what <c>final_status_list</c> reports (GoGui and other controllers
/// score with it) and what <c>kgs-genmove_cleanup</c> captures before passing, since under Tromp-Taylor scoring
/// every stone left on the board counts.
/// </summary>
/// <remarks>
/// <para><b>Judgement.</b> From the position, <see cref="DeadStoneOptions.Playouts"/> random playouts
/// (<see cref="GoPlayout"/>: random legal moves that do not fill the mover's own eyes, until two passes) are
/// played to the end, and each point's <i>ownership</i> is the share of playouts in which it ends in Black's
/// Tromp-Taylor area minus the share in which it ends in White's (<see cref="Ownership"/>). A chain is dead when
/// the mean ownership of its points, seen from its own colour, is negative: more often than not the opponent ends
/// up owning where it stands. This is the Monte-Carlo ownership that playout engines score with; unlike a static
/// rule it does not let one dead stone in a territory make the wall around it dead (the territory still ends up
/// the wall's), and it calls nothing dead on an open board, where every stone is as likely to live as not.</para>
/// <para><b>Seki</b> is decided statically, because random playouts break it (whoever fills a shared liberty
/// first is captured, so each side is captured in about half of them). A chain is a seki candidate when none of
/// its liberties lies in an empty region bordering only its own colour (no eye or territory of its own) and it
/// has at least two liberties; a candidate with a liberty that touches no opposing candidate is dropped, and
/// dropping repeats until nothing changes. The candidates left are in seki: every liberty of theirs is shared with
/// an opposing chain in the same state, so whoever fills one first puts itself in atari.</para>
/// <para>Limits: random playouts misjudge what needs exact reading (a dead shape that random play lets live, a
/// capturing race decided by one move), and a seki in which a chain also has an eye of its own is judged by the
/// playouts. <c>docs/results.md</c> gives the agreement with GNU Go on finished games.</para>
/// </remarks>
public static class DeadStones
{
    /// <summary>The chains of <paramref name="colour"/> (<see cref="GoState.Black"/> or <see cref="GoState.White"/>) judged dead, each as its points in ascending order.</summary>
    public static IReadOnlyList<int[]> DeadChains(GoState state, int colour, DeadStoneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (colour is not (GoState.Black or GoState.White)) throw new ArgumentOutOfRangeException(nameof(colour), colour, "colour must be GoState.Black or GoState.White");
        return Classify(state, options).Where(c => c.Colour == colour && c.Status == ChainStatus.Dead).Select(c => c.Points).ToList();
    }

    /// <summary>
    /// Each point's ownership in <c>[−1, 1]</c>: the share of <paramref name="playouts"/> random playouts from the
    /// stones of <paramref name="state"/> (half with Black first) that end with the point in Black's area minus the
    /// share that end with it in White's. A finished game (two passes, the move cap, a resignation) is played on
    /// from its stones.
    /// </summary>
    public static double[] Ownership(GoState state, int playouts, int seed)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(playouts, 1);
        var game = state.GoGame;
        var rng = new Random(seed);
        var sum = new int[game.Points];
        var owners = new byte[game.Points];
        var starts = new GoState[2];
        for (int i = 0; i < playouts; i++)
        {
            int first = i % 2;
            var start = starts[first] ??= !state.IsTerminal && state.CurrentPlayer == first ? state : GoState.FromDiagram(game, state.ToDiagram(), first);
            GoPlayout.Run(start, rng).WriteAreaOwners(owners);
            for (int p = 0; p < owners.Length; p++)
                sum[p] += owners[p] switch { GoState.Black => 1, GoState.White => -1, _ => 0 };
        }
        return sum.Select(v => (double)v / playouts).ToArray();
    }

    /// <summary>Every chain on the board (points ascending, in the order of their lowest point) with its colour and the verdict (see the remarks).</summary>
    public static IReadOnlyList<(int[] Points, int Colour, ChainStatus Status)> Classify(GoState state, DeadStoneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        options ??= new DeadStoneOptions();
        options.Validate();
        var game = state.GoGame;
        int size = game.Size, points = game.Points;
        // Empty regions and whom each borders.
        var region = new int[points];
        Array.Fill(region, -1);
        var borders = new List<int>(); // bit 1: Black, bit 2: White
        var stack = new Stack<int>();
        for (int p = 0; p < points; p++)
        {
            if (state.At(p) != GoState.Empty || region[p] >= 0) continue;
            int id = borders.Count, mask = 0;
            region[p] = id;
            stack.Push(p);
            while (stack.Count > 0)
            {
                int q = stack.Pop();
                foreach (int r in Neighbours(q, size))
                {
                    int c = state.At(r);
                    if (c == GoState.Empty) { if (region[r] < 0) { region[r] = id; stack.Push(r); } }
                    else mask |= c;
                }
            }
            borders.Add(mask);
        }
        // Chains, their liberties, and whether one of the liberties is in a region of their own colour only (an eye or territory).
        var chains = new List<(int[] Points, int Colour, bool HasEye, HashSet<int> Liberties)>();
        var chainOf = new int[points];
        Array.Fill(chainOf, -1);
        for (int p = 0; p < points; p++)
        {
            int colour = state.At(p);
            if (colour == GoState.Empty || chainOf[p] >= 0) continue;
            var chain = new List<int>();
            var liberties = new HashSet<int>();
            bool hasEye = false;
            chainOf[p] = chains.Count;
            stack.Push(p);
            while (stack.Count > 0)
            {
                int q = stack.Pop();
                chain.Add(q);
                foreach (int r in Neighbours(q, size))
                {
                    int c = state.At(r);
                    if (c == GoState.Empty) { liberties.Add(r); hasEye |= borders[region[r]] == colour; }
                    else if (c == colour && chainOf[r] < 0) { chainOf[r] = chains.Count; stack.Push(r); }
                }
            }
            chain.Sort();
            chains.Add((chain.ToArray(), colour, hasEye, liberties));
        }
        // Seki: drop candidates with a liberty that touches no opposing candidate, until nothing changes.
        var candidate = chains.Select(c => !c.HasEye && c.Liberties.Count >= 2).ToArray();
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int i = 0; i < chains.Count; i++)
            {
                if (!candidate[i]) continue;
                int colour = chains[i].Colour;
                bool shared = chains[i].Liberties.All(l => Neighbours(l, size).Any(r =>
                    state.At(r) is var c && c != GoState.Empty && c != colour && candidate[chainOf[r]]));
                if (!shared) { candidate[i] = false; changed = true; }
            }
        }
        if (chains.Count == 0) return [];
        if (options.Playouts == 0)
            return chains.Select((c, i) => (c.Points, c.Colour, c.HasEye ? ChainStatus.Alive : candidate[i] ? ChainStatus.Seki : ChainStatus.Dead)).ToList();
        int seed = options.Seed ?? unchecked((int)(state.Hash ^ (state.Hash >> 32)) ^ (state.CurrentPlayer * 0x5bd1e995));
        var ownership = Ownership(state, options.Playouts, seed);
        return chains.Select((c, i) =>
        {
            if (candidate[i]) return (c.Points, c.Colour, ChainStatus.Seki);
            double own = c.Points.Average(p => ownership[p]) * (c.Colour == GoState.Black ? 1 : -1);
            return (c.Points, c.Colour, own < 0 ? ChainStatus.Dead : ChainStatus.Alive);
        }).ToList();
    }

    /// <summary>The empty points next to <paramref name="chain"/>, ascending.</summary>
    public static int[] Liberties(GoState state, IReadOnlyList<int> chain)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(chain);
        var set = new SortedSet<int>();
        foreach (int q in chain)
            foreach (int r in Neighbours(q, state.GoGame.Size))
                if (state.At(r) == GoState.Empty) set.Add(r);
        return [.. set];
    }

    private static IEnumerable<int> Neighbours(int p, int size)
    {
        int x = p % size, y = p / size;
        if (x > 0) yield return p - 1;
        if (x < size - 1) yield return p + 1;
        if (y > 0) yield return p - size;
        if (y < size - 1) yield return p + size;
    }
}
