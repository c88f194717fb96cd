namespace SelfPlayBN.Games.Go;

/// <summary>
/// Random playouts: the usual light policy of Monte-Carlo Go, used by the rules benchmark and available to
/// rollout evaluators. Each move is a uniformly random legal point that does not fill one of the mover's own
/// eyes (<see cref="GoState.IsOwnEye"/>); a player with no such point passes. The game ends by the rules (two passes
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
                if (!s.IsOwnEye(p, s.CurrentPlayer + 1) && s.IsLegal(p))
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
}
