using System.Text;
using static SelfPlayBN.Games.ConnectFour.ConnectFourBitboard;

namespace SelfPlayBN.Games.ConnectFour;

// The game and its state name each other, so they share this file (as Tic-tac-toe's do).

/// <summary>
/// Connect Four on the standard board of 7 columns and 6 rows. Action <c>c</c> (0..6) drops a stone in
/// column <c>c</c>, counted from the left, and is written <c>"1"</c>..<c>"7"</c>. Player 0 moves first.
/// A player who gets four stones in a row (horizontally, vertically or diagonally) wins; a full board
/// without four in a row is a draw.
/// </summary>
/// <remarks>
/// Observation: 2 planes of 6 rows × 7 columns, from the point of view of the player to move: plane 0
/// holds the current player's stones, plane 1 the opponent's (1 = stone, 0 = empty). Row 0 of the
/// observation is the TOP row of the board and row 5 the bottom row; column 0 is the leftmost column.
/// Symmetries: the identity and the left-right mirror (column <c>c</c> ↔ <c>6 − c</c>).
/// </remarks>
public sealed class ConnectFourGame : IGame
{
    /// <summary>The shared instance (the game has no parameters).</summary>
    public static readonly ConnectFourGame Instance = new();

    private ConnectFourGame()
    {
        const int w = ConnectFourBitboard.Width, h = ConnectFourBitboard.Height;
        var identityCells = new int[w * h];
        var mirrorCells = new int[w * h];
        for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
        {
            identityCells[r * w + c] = r * w + c;
            mirrorCells[r * w + c] = r * w + (w - 1 - c);
        }
        var identityActions = new int[w];
        var mirrorActions = new int[w];
        for (int a = 0; a < w; a++)
        {
            identityActions[a] = a;
            mirrorActions[a] = w - 1 - a;
        }
        Symmetries = [new Symmetry("identity", identityActions, identityCells), new Symmetry("mirror", mirrorActions, mirrorCells)];
        Initial = new ConnectFourState(0, 0, 0);
    }

    /// <inheritdoc />
    public string Name => "connect4";
    /// <inheritdoc />
    public int NumPlayers => 2;
    /// <inheritdoc />
    public int NumActions => ConnectFourBitboard.Width;
    /// <inheritdoc />
    public int MaxGameLength => ConnectFourBitboard.Cells;
    /// <inheritdoc />
    public ObservationShape ObservationShape => new(2, ConnectFourBitboard.Height, ConnectFourBitboard.Width);
    /// <inheritdoc />
    public IReadOnlyList<Symmetry> Symmetries { get; }

    /// <summary>The empty board (the same instance every time; states are immutable).</summary>
    public ConnectFourState Initial { get; }

    /// <inheritdoc />
    public IGameState NewInitialState() => Initial;

    /// <inheritdoc />
    public string ActionToString(int action)
    {
        if ((uint)action >= ConnectFourBitboard.Width) throw new ArgumentOutOfRangeException(nameof(action));
        return ((char)('1' + action)).ToString();
    }

    /// <inheritdoc />
    public bool TryParseAction(string text, out int action)
    {
        action = -1;
        if (text is not { Length: 1 } || text[0] < '1' || text[0] > '7') return false;
        action = text[0] - '1';
        return true;
    }
}

/// <summary>
/// An immutable Connect Four position, stored as two bitboards (see <see cref="ConnectFourBitboard"/> for
/// the layout): <see cref="Mask"/> (every stone) and <see cref="CurrentStones"/> (the stones of the
/// player to move).
/// </summary>
public sealed class ConnectFourState : IGameState
{
    private readonly int _winner; // -1 none

    internal ConnectFourState(ulong current, ulong mask, int moves)
    {
        CurrentStones = current;
        Mask = mask;
        MoveNumber = moves;
        // Only the player who just moved can have completed a four.
        _winner = moves > 0 && HasFour(current ^ mask) ? (moves - 1) & 1 : -1;
    }

    /// <inheritdoc />
    public IGame Game => ConnectFourGame.Instance;

    /// <inheritdoc />
    public int CurrentPlayer => MoveNumber & 1;

    /// <inheritdoc />
    public int MoveNumber { get; }

    /// <summary>Every stone on the board (bitboard).</summary>
    public ulong Mask { get; }

    /// <summary>The stones of the player to move (bitboard).</summary>
    public ulong CurrentStones { get; }

    /// <summary>The stones of the player who moved last (bitboard).</summary>
    public ulong OpponentStones => CurrentStones ^ Mask;

    /// <summary>
    /// A unique 49-bit key of the position (<see cref="ConnectFourBitboard.Key"/>); equal positions have
    /// equal keys whatever move order reached them.
    /// </summary>
    public ulong Key => ConnectFourBitboard.Key(CurrentStones, Mask);

    /// <summary>The winning player (0 or 1), or −1 when nobody has four in a row.</summary>
    public int Winner => _winner;

    /// <inheritdoc />
    public bool IsTerminal => _winner >= 0 || MoveNumber == Cells;

    /// <summary>The stones of <paramref name="player"/> (0 = first player) as a bitboard.</summary>
    public ulong StonesOf(int player)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        return player == CurrentPlayer ? CurrentStones : OpponentStones;
    }

    /// <summary>Number of stones in <paramref name="column"/> (0..6).</summary>
    public int ColumnHeight(int column)
    {
        if ((uint)column >= Width) throw new ArgumentOutOfRangeException(nameof(column));
        return Count(Mask & ColumnCells(column));
    }

    /// <summary>Whether <paramref name="column"/> (0..6) is full. Out-of-range columns throw.</summary>
    public bool IsColumnFull(int column)
    {
        if ((uint)column >= Width) throw new ArgumentOutOfRangeException(nameof(column));
        return (Mask & TopCell(column)) != 0;
    }

    /// <inheritdoc />
    public bool IsLegal(int action) => (uint)action < Width && !IsTerminal && (Mask & TopCell(action)) == 0;

    /// <inheritdoc />
    public void GetLegalMask(Span<bool> mask)
    {
        if (mask.Length != Width) throw new ArgumentException($"mask must have {Width} elements", nameof(mask));
        for (int a = 0; a < Width; a++) mask[a] = IsLegal(a);
    }

    /// <inheritdoc />
    public int GetLegalActions(Span<int> actions)
    {
        int n = 0;
        for (int a = 0; a < Width; a++) if (IsLegal(a)) actions[n++] = a;
        return n;
    }

    /// <inheritdoc />
    public IGameState Apply(int action) => Play(action);

    /// <summary>The state after dropping a stone in <paramref name="column"/> (0..6); like <see cref="Apply"/> but typed.</summary>
    /// <exception cref="ArgumentException">The column is out of range or full, or the game is over.</exception>
    public ConnectFourState Play(int column)
    {
        if (!IsLegal(column))
        {
            string why = (uint)column >= Width ? "no such column" : IsTerminal ? "the game is over" : "the column is full";
            throw new ArgumentException($"illegal Connect Four action {column} at move {MoveNumber}: {why}", nameof(column));
        }
        ulong newMask = Mask | (Mask + BottomCell(column));
        // The player to move next is the opponent, whose stones are the old CurrentStones ^ Mask.
        return new ConnectFourState(CurrentStones ^ Mask, newMask, MoveNumber + 1);
    }

    /// <inheritdoc />
    public double Returns(int player)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        return _winner < 0 ? 0 : _winner == player ? 1 : -1;
    }

    /// <inheritdoc />
    /// <remarks>Plane 0: the current player's stones; plane 1: the opponent's. Row 0 is the top row.</remarks>
    public void WriteObservation(Span<float> buffer)
    {
        const int cells = Width * Height;
        if (buffer.Length != 2 * cells) throw new ArgumentException($"observation buffer must have {2 * cells} elements", nameof(buffer));
        ulong mine = CurrentStones, theirs = OpponentStones;
        for (int r = 0; r < Height; r++)
        for (int c = 0; c < Width; c++)
        {
            ulong bit = Cell(c, Height - 1 - r);
            int i = r * Width + c;
            buffer[i] = (mine & bit) != 0 ? 1f : 0f;
            buffer[cells + i] = (theirs & bit) != 0 ? 1f : 0f;
        }
    }

    /// <summary>
    /// A text board: 6 lines of cells (top row first; <c>X</c> = player 0, <c>O</c> = player 1,
    /// <c>.</c> = empty) followed by a line of column numbers 1..7.
    /// </summary>
    public string Render()
    {
        ulong x = StonesOf(0), o = StonesOf(1);
        var sb = new StringBuilder();
        for (int r = Height - 1; r >= 0; r--)
        {
            for (int c = 0; c < Width; c++)
            {
                ulong bit = Cell(c, r);
                sb.Append(c == 0 ? "" : " ").Append((x & bit) != 0 ? 'X' : (o & bit) != 0 ? 'O' : '.');
            }
            sb.AppendLine();
        }
        sb.AppendLine("1 2 3 4 5 6 7");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Render();

    /// <summary>
    /// The position reached by playing <paramref name="moves"/> from the empty board: one digit
    /// <c>1</c>..<c>7</c> per move (the column, counted from the left), first player first, e.g.
    /// <c>"4453"</c>. The empty string is the empty board. No separators or spaces are allowed.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="moves"/> is null.</exception>
    /// <exception cref="FormatException">
    /// A character is not a column digit, a move is played in a full column, or a move follows the end of
    /// the game; the message names the character and its 1-based position.
    /// </exception>
    public static ConnectFourState FromMoves(string moves)
    {
        ArgumentNullException.ThrowIfNull(moves);
        if (!TryFromMoves(moves, out var state, out string? error)) throw new FormatException(error);
        return state;
    }

    /// <summary>
    /// Like <see cref="FromMoves"/> but returns false (with a message in <paramref name="error"/>) instead of throwing.
    /// </summary>
    public static bool TryFromMoves(string moves, out ConnectFourState state, out string? error)
    {
        ArgumentNullException.ThrowIfNull(moves);
        state = ConnectFourGame.Instance.Initial;
        for (int i = 0; i < moves.Length; i++)
        {
            char ch = moves[i];
            int pos = i + 1;
            if (ch < '1' || ch > '7')
            {
                error = $"character {Describe(ch)} at position {pos} is not a column number 1-7";
                return false;
            }
            int column = ch - '1';
            if (state.IsTerminal)
            {
                string how = state.Winner switch { 0 => "the first player has four in a row", 1 => "the second player has four in a row", _ => "the board is full" };
                error = $"move '{ch}' at position {pos} comes after the end of the game ({how} after {state.MoveNumber} moves)";
                return false;
            }
            if (state.IsColumnFull(column))
            {
                error = $"move '{ch}' at position {pos} is played in column {ch}, which is full";
                return false;
            }
            state = state.Play(column);
        }
        error = null;
        return true;
    }

    private static string Describe(char ch) =>
        char.IsControl(ch) || char.IsWhiteSpace(ch) ? $"U+{(int)ch:X4}" : $"'{ch}'";
}
