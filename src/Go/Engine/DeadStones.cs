using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

/// <summary>What <see cref="DeadStones"/>' rule says of a chain.</summary>
public enum ChainStatus
{
    /// <summary>It has a liberty in an empty region of its own colour only.</summary>
    Alive,
    /// <summary>Neither alive nor in seki: the opponent can capture it.</summary>
    Dead,
    /// <summary>Living on liberties it shares with opposing chains that cannot fill them either (mutual life).</summary>
    Seki,
}

/// <summary>
/// The simple dead-stone rule of <c>kgs-genmove_cleanup</c> and <c>final_status_list</c>: under Tromp-Taylor
/// scoring every stone left on the board counts, so before passing in the clean-up phase the engine captures the
/// opponent's stones that this rule calls dead.
/// </summary>
/// <remarks>
/// <para><b>Rule.</b> A chain of colour <c>c</c> is <i>alive</i> when at least one of its liberties lies in an
/// empty region that borders only stones of colour <c>c</c> (a region Tromp-Taylor scores for <c>c</c>: an
/// eye or territory of its own). Of the chains that are not alive, those with at least two liberties are seki
/// candidates; a candidate with a liberty that touches no opposing candidate is dropped (its opponent could
/// fill that liberty or has room of its own), and dropping repeats until none changes. The candidates left are in
/// <i>seki</i>: every liberty of theirs is shared with an opposing chain in the same state, so whoever fills one
/// first puts itself in atari. The other chains are <i>dead</i>. So stones inside the other side's area are
/// dead, a chain that touches its own territory is alive, and two eyeless chains sharing their last two or more
/// liberties are in seki.</para>
/// <para>The rule is deliberately simple: it does not see false eyes, a seki in which a chain also has an eye
/// counts that chain alive, and a dead chain may still live if the opponent answers well. It only decides when
/// passing is premature, and what <c>final_status_list</c> reports.</para>
/// </remarks>
public static class DeadStones
{
    /// <summary>The chains of <paramref name="colour"/> (<see cref="GoState.Black"/> or <see cref="GoState.White"/>) that the rule calls dead, each as its points in ascending order.</summary>
    public static IReadOnlyList<int[]> DeadChains(GoState state, int colour)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (colour is not (GoState.Black or GoState.White)) throw new ArgumentOutOfRangeException(nameof(colour), colour, "colour must be GoState.Black or GoState.White");
        return Classify(state).Where(c => c.Colour == colour && c.Status == ChainStatus.Dead).Select(c => c.Points).ToList();
    }

    /// <summary>Every chain on the board (points ascending, in the order of their lowest point) with its colour and the rule's verdict.</summary>
    public static IReadOnlyList<(int[] Points, int Colour, ChainStatus Status)> Classify(GoState state)
    {
        ArgumentNullException.ThrowIfNull(state);
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
        // Chains, their liberties, and whether one of the liberties is in a region of their own colour only.
        var chains = new List<(int[] Points, int Colour, bool Alive, HashSet<int> Liberties)>();
        var chainOf = new int[points];
        Array.Fill(chainOf, -1);
        for (int p = 0; p < points; p++)
        {
            int colour = state.At(p);
            if (colour == GoState.Empty || chainOf[p] >= 0) continue;
            var chain = new List<int>();
            var liberties = new HashSet<int>();
            bool alive = false;
            chainOf[p] = chains.Count;
            stack.Push(p);
            while (stack.Count > 0)
            {
                int q = stack.Pop();
                chain.Add(q);
                foreach (int r in Neighbours(q, size))
                {
                    int c = state.At(r);
                    if (c == GoState.Empty) { liberties.Add(r); alive |= borders[region[r]] == colour; }
                    else if (c == colour && chainOf[r] < 0) { chainOf[r] = chains.Count; stack.Push(r); }
                }
            }
            chain.Sort();
            chains.Add((chain.ToArray(), colour, alive, liberties));
        }
        // Seki: drop candidates with a liberty that touches no opposing candidate, until nothing changes.
        var candidate = chains.Select(c => !c.Alive && c.Liberties.Count >= 2).ToArray();
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
        return chains.Select((c, i) => (c.Points, c.Colour, c.Alive ? ChainStatus.Alive : candidate[i] ? ChainStatus.Seki : ChainStatus.Dead)).ToList();
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
