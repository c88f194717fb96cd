namespace SelfPlayBN.Games.TicTacToe;

/// <summary>
/// Perfect Tic-tac-toe play: full minimax over the 5,478 reachable positions, memoised (values are computed once per
/// position, on first use). Every position's value is a draw, a win or a loss for the player to move, and an optimal
/// move keeps it. Thread-safe after construction (the table is filled lazily under a lock).
/// </summary>
public sealed class TicTacToePerfectPlayer
{
    private readonly Dictionary<(int X, int O), int> _values = [];
    private readonly Lock _lock = new();

    /// <summary>The shared instance.</summary>
    public static readonly TicTacToePerfectPlayer Instance = new();

    /// <summary>Positions valued so far (5,478 once every reachable one has been asked, terminal ones included).</summary>
    public int KnownPositions { get { lock (_lock) return _values.Count; } }

    /// <summary>The minimax value of <paramref name="state"/> for the player to move: +1 win, 0 draw, −1 loss
    /// (at a terminal state, its returns for the player who would move).</summary>
    public int Value(TicTacToeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock) return Negamax(state);
    }

    /// <summary>The value for the player to move of each action (<c>null</c> for an illegal one), with perfect play after.</summary>
    public int?[] ActionValues(TicTacToeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var result = new int?[9];
        lock (_lock)
            for (int a = 0; a < 9; a++)
                if (state.IsLegal(a)) result[a] = -Negamax((TicTacToeState)state.Apply(a));
        return result;
    }

    /// <summary>The optimal actions of a position that is not over (every action whose value is the position's).</summary>
    public IReadOnlyList<int> OptimalActions(TicTacToeState state)
    {
        if (state.IsTerminal) throw new ArgumentException("the game is over", nameof(state));
        var values = ActionValues(state);
        int best = values.Max(v => v ?? -2);
        return Enumerable.Range(0, 9).Where(a => values[a] == best).ToArray();
    }

    /// <summary>An optimal action, drawn uniformly among the optimal ones with <paramref name="rng"/> (the lowest one
    /// when <paramref name="rng"/> is null).</summary>
    public int ChooseAction(TicTacToeState state, Random? rng = null)
    {
        var best = OptimalActions(state);
        return rng is null ? best[0] : best[rng.Next(best.Count)];
    }

    private int Negamax(TicTacToeState s)
    {
        var key = s.Marks;
        if (_values.TryGetValue(key, out int v)) return v;
        if (s.IsTerminal) v = (int)s.Returns(s.CurrentPlayer);
        else
        {
            v = -1;
            for (int a = 0; a < 9 && v < 1; a++)
                if (s.IsLegal(a)) v = Math.Max(v, -Negamax((TicTacToeState)s.Apply(a)));
        }
        // Values with a cut-off (v = 1 found early) are still exact: a win cannot be improved on.
        _values[key] = v;
        return v;
    }
}
