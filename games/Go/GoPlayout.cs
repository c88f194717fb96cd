namespace SelfPlayBN.Games.Go;

/// <summary>
/// Random playouts: the usual light policy of Monte-Carlo Go, used by the rules benchmark and available to
/// rollout evaluators. Each move is a uniformly random legal point that does not fill one of the mover's own
/// eyes (<see cref="IsOwnEye"/>); a player with no such point passes. The game ends by the rules (two passes
/// or <see cref="GoGame.MaxGameLength"/>).
/// </summary>
public static class GoPlayout
{
    /// <summary>Plays random moves from <paramref name="start"/> to the end of the game; returns the terminal state.</summary>
    /// <param name="start">Where to start (not modified: states are immutable).</param>
    /// <param name="rng">The random source (seed it for a reproducible playout).</param>
    public static GoState Run(GoState start, Random rng)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(rng);
        var game = start.GoGame;
        var candidates = new int[game.Points];
        var s = start;
        while (!s.IsTerminal)
        {
            int n = 0;
            for (int p = 0; p < game.Points; p++) if (s.At(p) == GoState.Empty) candidates[n++] = p;
            int move = game.PassAction;
            while (n > 0)
            {
                int i = rng.Next(n);
                int p = candidates[i];
                if (!IsOwnEye(s, p, s.CurrentPlayer + 1) && s.IsLegal(p))
                {
                    move = p;
                    break;
                }
                candidates[i] = candidates[--n];
            }
            s = s.Play(move);
        }
        return s;
    }

    /// <summary>
    /// Whether the empty point <paramref name="point"/> is an eye of <paramref name="colour"/>: every orthogonal
    /// neighbour is that colour, and at most one diagonal neighbour (none on the edge or in a corner) is the
    /// other colour. Filling such a point can only hurt its owner, so random playouts skip it.
    /// </summary>
    public static bool IsOwnEye(GoState state, int point, int colour)
    {
        ArgumentNullException.ThrowIfNull(state);
        var game = state.GoGame;
        if (state.At(point) != GoState.Empty) return false;
        foreach (int q in game.Neighbours(point))
            if (state.At(q) != colour) return false;
        int size = game.Size, x = point % size, y = point / size, other = 3 - colour;
        int diagonals = 0, opponents = 0;
        for (int dy = -1; dy <= 1; dy += 2)
            for (int dx = -1; dx <= 1; dx += 2)
            {
                int cx = x + dx, cy = y + dy;
                if (cx < 0 || cy < 0 || cx >= size || cy >= size) continue;
                diagonals++;
                if (state.At(cy * size + cx) == other) opponents++;
            }
        return diagonals == 4 ? opponents <= 1 : opponents == 0;
    }
}
