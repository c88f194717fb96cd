namespace SelfPlayBN.Games.ConnectFour;

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
