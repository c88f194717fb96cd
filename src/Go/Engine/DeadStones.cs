using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

/// <summary>
/// The simple dead-stone rule of <c>kgs-genmove_cleanup</c>: under Tromp-Taylor scoring every stone left on
/// the board counts, so before passing in the clean-up phase the engine captures the opponent's stones
/// that this rule calls dead.
/// </summary>
/// <remarks>
/// <para><b>Rule.</b> A chain of colour <c>c</c> is <i>alive</i> when at least one of its liberties lies in an
/// empty region that borders only stones of colour <c>c</c> (a region Tromp-Taylor scores for <c>c</c>: an
/// eye or territory of its own); otherwise it is <i>dead</i>. So stones inside the other side's area, or
/// sharing all their liberties with it, are dead; a chain that touches its own territory is not.</para>
/// <para>The rule is deliberately simple: it does not see seki (chains living on shared liberties are
/// called dead) nor false eyes, and a dead chain may still live if the opponent answers well. It only
/// decides when passing is premature.</para>
/// </remarks>
public static class DeadStones
{
    /// <summary>The chains of <paramref name="colour"/> (<see cref="GoState.Black"/> or <see cref="GoState.White"/>) that the rule calls dead, each as its points in ascending order.</summary>
    public static IReadOnlyList<int[]> DeadChains(GoState state, int colour) => Chains(state, colour).Where(c => !c.Alive).Select(c => c.Points).ToList();

    /// <summary>The chains of <paramref name="colour"/> that the rule calls alive, each as its points in ascending order.</summary>
    public static IReadOnlyList<int[]> AliveChains(GoState state, int colour) => Chains(state, colour).Where(c => c.Alive).Select(c => c.Points).ToList();

    /// <summary>Every chain of <paramref name="colour"/> (points ascending, in the order of their lowest point) with the rule's verdict.</summary>
    private static List<(int[] Points, bool Alive)> Chains(GoState state, int colour)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (colour is not (GoState.Black or GoState.White)) throw new ArgumentOutOfRangeException(nameof(colour), colour, "colour must be GoState.Black or GoState.White");
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
        var chains = new List<(int[] Points, bool Alive)>();
        var seen = new bool[points];
        for (int p = 0; p < points; p++)
        {
            if (state.At(p) != colour || seen[p]) continue;
            var chain = new List<int>();
            bool alive = false;
            seen[p] = true;
            stack.Push(p);
            while (stack.Count > 0)
            {
                int q = stack.Pop();
                chain.Add(q);
                foreach (int r in Neighbours(q, size))
                {
                    int c = state.At(r);
                    if (c == GoState.Empty) alive |= borders[region[r]] == colour;
                    else if (c == colour && !seen[r]) { seen[r] = true; stack.Push(r); }
                }
            }
            chain.Sort();
            chains.Add((chain.ToArray(), alive));
        }
        return chains;
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
