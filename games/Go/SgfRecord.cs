using System.Collections.Immutable;

namespace SelfPlayBN.Games.Go;

/// <summary>A stone colour in a game record. The value is the player index of <see cref="GoState.CurrentPlayer"/> (0 Black, 1 White).</summary>
public enum SgfColour
{
    /// <summary>Black, player 0, moves first on an empty board.</summary>
    Black = 0,
    /// <summary>White, player 1.</summary>
    White = 1,
}

/// <summary>One move of a record's main line.</summary>
/// <param name="Colour">Who plays it.</param>
/// <param name="Action">
/// The point in <see cref="GoGame"/>'s numbering for the record's board size: <c>y·size + x</c> with row
/// <c>y = 0</c> at the bottom and column <c>x = 0</c> at the left; <c>size²</c> is a pass.
/// </param>
/// <param name="Comment">The node's comment (SGF <c>C</c>), or null.</param>
public sealed record SgfMove(SgfColour Colour, int Action, string? Comment = null);

/// <summary>A property the record does not interpret, kept as read (identifier and unescaped values) so that writing the record back preserves it.</summary>
/// <param name="Ident">Upper-case property identifier, e.g. <c>EV</c>.</param>
/// <param name="Values">Its values, at least one.</param>
public sealed record SgfExtraProperty(string Ident, ImmutableArray<string> Values);

/// <summary>
/// One Go game as an SGF FF[4] file holds it: the game information of the root node, the setup stones and
/// side to play, and the main line of moves with their comments. Read with <see cref="Sgf.Parse"/>, write
/// with <see cref="Sgf.Write"/>, turn into positions with <see cref="InitialState"/> and <see cref="Replay"/>,
/// and build from a played game with <see cref="FromMoves"/>.
/// </summary>
/// <remarks>
/// Points (setup lists and moves) use <see cref="GoGame"/>'s action numbering for <see cref="Size"/>
/// (<c>y·size + x</c>, <c>y = 0</c> the bottom row; <c>size²</c> is a pass). A record is plain data: it
/// does not check that its moves are legal until it is replayed. Side variations and unknown properties of
/// move nodes are not kept; unknown properties of the root node are (<see cref="ExtraProperties"/>).
/// </remarks>
public sealed record SgfRecord
{
    /// <summary>Largest board side SGF can write (points are two letters from <c>a</c>-<c>z</c>, <c>A</c>-<c>Z</c>).</summary>
    public const int MaxSgfSize = 52;

    /// <summary>Board side (SGF <c>SZ</c>; 19 when the file has none), 1..<see cref="MaxSgfSize"/>.</summary>
    public int Size { get; init; } = 19;
    /// <summary>Komi (SGF <c>KM</c>; 0 when the file has none).</summary>
    public double Komi { get; init; }
    /// <summary>Number of handicap stones (SGF <c>HA</c>; 0 when none). The stones themselves are in <see cref="AddBlack"/>.</summary>
    public int Handicap { get; init; }
    /// <summary>Rules (SGF <c>RU</c>, e.g. <c>Chinese</c>, <c>Japanese</c>, <c>Tromp-Taylor</c>), or null.</summary>
    public string? Rules { get; init; }
    /// <summary>Black's name (SGF <c>PB</c>), or null.</summary>
    public string? BlackName { get; init; }
    /// <summary>White's name (SGF <c>PW</c>), or null.</summary>
    public string? WhiteName { get; init; }
    /// <summary>Result (SGF <c>RE</c>): <c>B+3.5</c>, <c>W+R</c>, <c>B+T</c> (time), <c>B+F</c> (forfeit), <c>0</c> or <c>Draw</c>, <c>Void</c>, <c>?</c>; or null.</summary>
    public string? Result { get; init; }
    /// <summary>Date (SGF <c>DT</c>, ISO <c>YYYY-MM-DD</c>), or null.</summary>
    public string? Date { get; init; }
    /// <summary>Program that wrote the file (SGF <c>AP</c>, <c>name:version</c>), or null.</summary>
    public string? Application { get; init; }
    /// <summary>The root node's comment (SGF <c>C</c>), or null.</summary>
    public string? Comment { get; init; }
    /// <summary>Black setup stones (SGF <c>AB</c>).</summary>
    public ImmutableArray<int> AddBlack { get; init; } = [];
    /// <summary>White setup stones (SGF <c>AW</c>).</summary>
    public ImmutableArray<int> AddWhite { get; init; } = [];
    /// <summary>Points cleared by setup (SGF <c>AE</c>); on the empty board this changes nothing, but it is kept.</summary>
    public ImmutableArray<int> AddEmpty { get; init; } = [];
    /// <summary>Who plays first after the setup (SGF <c>PL</c>), or null: then the colour of the first move, else Black.</summary>
    public SgfColour? PlayerToMove { get; init; }
    /// <summary>The main line's moves in order.</summary>
    public ImmutableArray<SgfMove> Moves { get; init; } = [];
    /// <summary>Root properties this type does not interpret, in file order (e.g. <c>EV</c>, <c>GN</c>, <c>BR</c>, <c>TM</c>).</summary>
    public ImmutableArray<SgfExtraProperty> ExtraProperties { get; init; } = [];

    /// <summary>The pass action of this record's board, <c>Size²</c>.</summary>
    public int PassAction => Size * Size;

    /// <summary>The rules engine for this record's size and komi; throws <see cref="SgfException"/> when the size is outside <see cref="GoGame.MinSize"/>..<see cref="GoGame.MaxSize"/>.</summary>
    public GoGame CreateGame(bool allowSuicide = false)
    {
        if (Size < GoGame.MinSize || Size > GoGame.MaxSize)
            throw new SgfException($"board size {Size} is not supported by the rules engine ({GoGame.MinSize}..{GoGame.MaxSize})");
        if (!double.IsFinite(Komi)) throw new SgfException($"komi {Komi} is not a finite number");
        return new GoGame(Size, Komi, allowSuicide);
    }

    /// <summary>
    /// The position before the first move: the setup stones (<see cref="AddBlack"/>, <see cref="AddWhite"/>,
    /// then <see cref="AddEmpty"/> cleared) with the side to move from <see cref="PlayerToMove"/>, else from
    /// the first move's colour, else Black. Throws <see cref="SgfException"/> when <paramref name="game"/>'s
    /// size differs from <see cref="Size"/> or a setup group has no liberty.
    /// </summary>
    public GoState InitialState(GoGame game)
    {
        ArgumentNullException.ThrowIfNull(game);
        if (game.Size != Size) throw new SgfException($"the record is {Size}×{Size} but the game is {game.Size}×{game.Size}");
        var first = PlayerToMove ?? (Moves.Length > 0 ? Moves[0].Colour : SgfColour.Black);
        bool anySetup = AddBlack.Length + AddWhite.Length > 0;
        if (!anySetup && first == SgfColour.Black) return game.NewGame();
        var cells = new char[Size * Size];
        Array.Fill(cells, '.');
        foreach (int p in AddBlack) cells[CheckPoint(p, "AB")] = 'X';
        foreach (int p in AddWhite) cells[CheckPoint(p, "AW")] = 'O';
        foreach (int p in AddEmpty) cells[CheckPoint(p, "AE")] = '.';
        var rows = new System.Text.StringBuilder();
        for (int y = Size - 1; y >= 0; y--) rows.Append(cells, y * Size, Size).Append('\n');
        try
        {
            return GoState.FromDiagram(game, rows.ToString(), (int)first);
        }
        catch (ArgumentException e)
        {
            throw new SgfException($"setup stones: {e.Message}");
        }
    }

    /// <summary>
    /// Every position of the main line: <see cref="InitialState"/> first, then the position after each move
    /// (so <c>Moves.Length + 1</c> states). Passes after two passes in a row (GNU Go writes two more) repeat
    /// the final position; any other move after the end of the game is an error. Throws <see cref="SgfException"/> naming the move number (1 = the
    /// first move), the colour and the vertex of the first move that is out of turn or illegal under
    /// <paramref name="game"/>'s rules.
    /// </summary>
    public IReadOnlyList<GoState> Replay(GoGame game)
    {
        var states = new List<GoState>(Moves.Length + 1) { InitialState(game) };
        var s = states[0];
        for (int i = 0; i < Moves.Length; i++)
        {
            var m = Moves[i];
            string where = $"move {i + 1} ({ColourLetter(m.Colour)} {Vertex(m.Action)})";
            if ((uint)m.Action > (uint)PassAction) throw new SgfException($"{where}: the point is not on the {Size}×{Size} board");
            if (s.IsTerminal && s.ConsecutivePasses >= 2 && m.Action == PassAction)
            {
                states.Add(s); // a pass after the game has ended (GNU Go writes them) repeats the final position
                continue;
            }
            if (s.IsTerminal)
                throw new SgfException($"{where}: the game is already over ({(s.ConsecutivePasses >= 2 ? "two passes in a row" : $"the move limit of {game.MaxGameLength}")})");
            if ((int)m.Colour != s.CurrentPlayer)
                throw new SgfException($"{where}: {(m.Colour == SgfColour.Black ? "White" : "Black")} is to play");
            if (!s.IsLegal(m.Action))
            {
                string why = s.At(m.Action) != GoState.Empty ? "the point is occupied" : "suicide or a repeated position (superko)";
                throw new SgfException($"{where}: illegal move: {why}");
            }
            s = s.Play(m.Action);
            states.Add(s);
        }
        return states;
    }

    /// <summary>The position after the last move (see <see cref="Replay"/>).</summary>
    public GoState FinalState(GoGame game) => Replay(game)[^1];

    /// <summary>
    /// A record of the game that starts at <paramref name="start"/> (its stones become the setup, its side to
    /// move <see cref="PlayerToMove"/> when there are setup stones or White moves first) and continues with
    /// <paramref name="actions"/>. The moves are checked by replaying them: an illegal one throws
    /// <see cref="ArgumentException"/> naming it. Size and komi come from the start's game; set the other
    /// fields with <c>with</c>.
    /// </summary>
    public static SgfRecord FromMoves(GoState start, IEnumerable<int> actions)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(actions);
        var game = start.GoGame;
        var black = ImmutableArray.CreateBuilder<int>();
        var white = ImmutableArray.CreateBuilder<int>();
        for (int p = 0; p < game.Points; p++)
        {
            if (start.At(p) == GoState.Black) black.Add(p);
            else if (start.At(p) == GoState.White) white.Add(p);
        }
        var moves = ImmutableArray.CreateBuilder<SgfMove>();
        var s = start;
        int n = 0;
        foreach (int a in actions)
        {
            n++;
            if (!s.IsLegal(a))
                throw new ArgumentException($"move {n} ({(s.CurrentPlayer == 0 ? "B" : "W")} {((uint)a <= (uint)game.Points ? game.ActionToString(a) : a.ToString(System.Globalization.CultureInfo.InvariantCulture))}) is illegal", nameof(actions));
            moves.Add(new SgfMove((SgfColour)s.CurrentPlayer, a));
            s = s.Play(a);
        }
        bool setup = black.Count + white.Count > 0;
        return new SgfRecord
        {
            Size = game.Size,
            Komi = game.Komi,
            AddBlack = black.ToImmutable(),
            AddWhite = white.ToImmutable(),
            PlayerToMove = setup || start.CurrentPlayer != 0 ? (SgfColour)start.CurrentPlayer : null,
            Moves = moves.ToImmutable(),
        };
    }

    /// <summary>
    /// A record of the game that led to <paramref name="last"/>: the moves found by following
    /// <see cref="GoState.Previous"/> back to the first position (the empty board or a set-up position, which
    /// becomes the setup), as <see cref="FromMoves"/> builds it.
    /// </summary>
    public static SgfRecord FromGame(GoState last)
    {
        ArgumentNullException.ThrowIfNull(last);
        var actions = new List<int>();
        var s = last;
        for (; s.Previous is { } previous; s = previous) actions.Add(s.LastMove);
        actions.Reverse();
        return FromMoves(s, actions);
    }

    /// <summary>The two SGF letters of a point (action <c>y·size + x</c>, <c>y = 0</c> the bottom row) on a board of side <paramref name="size"/>.</summary>
    public static string PointText(int size, int action)
    {
        if (size < 1 || size > MaxSgfSize) throw new ArgumentOutOfRangeException(nameof(size));
        if ((uint)action >= (uint)(size * size)) throw new ArgumentOutOfRangeException(nameof(action));
        int x = action % size, row = size - 1 - action / size;
        return $"{Letter(x)}{Letter(row)}";
    }

    /// <summary>The GTP vertex of a point of this record (<c>D4</c>, <c>pass</c>) for messages; SGF letters beyond column T for boards over 19.</summary>
    public string Vertex(int action)
    {
        if (action == PassAction) return "pass";
        if ((uint)action >= (uint)PassAction) return $"point {action}";
        int x = action % Size, y = action / Size;
        return Size <= GoGame.MaxSize
            ? $"{GoGame.ColumnLetters[x]}{y + 1}"
            : $"{PointText(Size, action)}";
    }

    private int CheckPoint(int p, string ident)
    {
        if ((uint)p >= (uint)PassAction) throw new SgfException($"{ident}: point {p} is not on the {Size}×{Size} board");
        return p;
    }

    private static char Letter(int i) => i < 26 ? (char)('a' + i) : (char)('A' + i - 26);

    private static string ColourLetter(SgfColour c) => c == SgfColour.Black ? "B" : "W";
}
