namespace SelfPlayBN.Games.TicTacToe;

/// <summary>
/// Tic-tac-toe on a 3×3 board. Actions are cells <c>row·3 + column</c> (row 0 at the top), written
/// <c>a1</c>..<c>c3</c> with the column letter first and row 1 at the top. Player 0 plays X and moves first.
/// Observation: 2 planes of 3×3, the current player's marks then the opponent's.
/// </summary>
public sealed class TicTacToeGame : IGame
{
    /// <summary>The shared instance (the game has no parameters).</summary>
    public static readonly TicTacToeGame Instance = new();

    private static readonly int[][] Lines =
    [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6],
    ];

    private TicTacToeGame() => Symmetries = BoardSymmetries.Dihedral(3, 9);

    /// <inheritdoc />
    public string Name => "tictactoe";
    /// <inheritdoc />
    public int NumPlayers => 2;
    /// <inheritdoc />
    public int NumActions => 9;
    /// <inheritdoc />
    public int MaxGameLength => 9;
    /// <inheritdoc />
    public ObservationShape ObservationShape => new(2, 3, 3);
    /// <inheritdoc />
    public IReadOnlyList<Symmetry> Symmetries { get; }

    /// <inheritdoc />
    public IGameState NewInitialState() => new TicTacToeState(0, 0, 0);

    /// <inheritdoc />
    public string ActionToString(int action)
    {
        if ((uint)action >= 9) throw new ArgumentOutOfRangeException(nameof(action));
        return $"{(char)('a' + action % 3)}{action / 3 + 1}";
    }

    /// <inheritdoc />
    public bool TryParseAction(string text, out int action)
    {
        action = -1;
        if (text is not { Length: 2 }) return false;
        int col = text[0] - 'a', row = text[1] - '1';
        if ((uint)col >= 3 || (uint)row >= 3) return false;
        action = row * 3 + col;
        return true;
    }

    internal static bool HasLine(int marks)
    {
        foreach (var l in Lines)
            if ((marks >> l[0] & 1) != 0 && (marks >> l[1] & 1) != 0 && (marks >> l[2] & 1) != 0) return true;
        return false;
    }
}

/// <summary>An immutable tic-tac-toe position: one 9-bit mask of marks per player.</summary>
public sealed class TicTacToeState : IGameState
{
    private readonly int _x, _o; // marks of player 0 (X) and player 1 (O), bit = cell
    private readonly int _winner; // -1 none

    internal TicTacToeState(int x, int o, int moves)
    {
        _x = x;
        _o = o;
        MoveNumber = moves;
        _winner = TicTacToeGame.HasLine(x) ? 0 : TicTacToeGame.HasLine(o) ? 1 : -1;
    }

    /// <inheritdoc />
    public IGame Game => TicTacToeGame.Instance;
    /// <inheritdoc />
    public int CurrentPlayer => MoveNumber & 1;
    /// <inheritdoc />
    public int MoveNumber { get; }
    /// <inheritdoc />
    public bool IsTerminal => _winner >= 0 || MoveNumber == 9;

    /// <summary>The marks of player 0 (X) and player 1 (O), bit <c>c</c> for cell <c>c</c> (identifies the position).</summary>
    public (int X, int O) Marks => (_x, _o);

    /// <summary>The winning player, or −1 when nobody has three in a row.</summary>
    public int Winner => _winner;

    /// <inheritdoc />
    public bool IsLegal(int action) => (uint)action < 9 && !IsTerminal && ((_x | _o) >> action & 1) == 0;

    /// <inheritdoc />
    public void GetLegalMask(Span<bool> mask)
    {
        if (mask.Length != 9) throw new ArgumentException("mask must have 9 elements", nameof(mask));
        for (int a = 0; a < 9; a++) mask[a] = IsLegal(a);
    }

    /// <inheritdoc />
    public int GetLegalActions(Span<int> actions)
    {
        int n = 0;
        for (int a = 0; a < 9; a++) if (IsLegal(a)) actions[n++] = a;
        return n;
    }

    /// <inheritdoc />
    public IGameState Apply(int action)
    {
        if (!IsLegal(action)) throw new ArgumentException($"illegal tic-tac-toe action {action} at move {MoveNumber}", nameof(action));
        return CurrentPlayer == 0
            ? new TicTacToeState(_x | 1 << action, _o, MoveNumber + 1)
            : new TicTacToeState(_x, _o | 1 << action, MoveNumber + 1);
    }

    /// <inheritdoc />
    public double Returns(int player)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        return _winner < 0 ? 0 : _winner == player ? 1 : -1;
    }

    /// <inheritdoc />
    public void WriteObservation(Span<float> buffer)
    {
        if (buffer.Length != 18) throw new ArgumentException("observation buffer must have 18 elements", nameof(buffer));
        int mine = CurrentPlayer == 0 ? _x : _o, theirs = CurrentPlayer == 0 ? _o : _x;
        for (int c = 0; c < 9; c++)
        {
            buffer[c] = mine >> c & 1;
            buffer[9 + c] = theirs >> c & 1;
        }
    }

    /// <inheritdoc />
    public string Render()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("  a b c");
        for (int r = 0; r < 3; r++)
        {
            sb.Append(r + 1);
            for (int c = 0; c < 3; c++)
            {
                int i = r * 3 + c;
                sb.Append(' ').Append((_x >> i & 1) != 0 ? 'X' : (_o >> i & 1) != 0 ? 'O' : '.');
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Render();
}
