using System.Collections.Immutable;
using System.Text;

namespace SelfPlayBN.Games.Go;

// The game and its state name each other (a game makes states; a state reads the board geometry, hashing keys and
// rules of its game), so they share this file.

/// <summary>
/// Go on a square board of side 5 to 19 under Tromp-Taylor rules: area scoring with komi, positional
/// superko, suicide illegal unless <see cref="AllowSuicide"/>; the game ends after two consecutive passes
/// or after <see cref="MaxGameLength"/> moves, and is then scored.
/// </summary>
/// <remarks>
/// Player 0 is Black and moves first; player 1 is White. Actions are the board points
/// <c>y·size + x</c> (row <c>y = 0</c> at the bottom, column <c>x = 0</c> at the left, so GTP <c>A1</c>
/// is action 0) and pass = <c>size²</c>. Action text is the GTP vertex (<c>A</c>..<c>T</c> without
/// <c>I</c>, rows numbered from 1 at the bottom) or <c>pass</c>.
/// The observation is from the side to move, planes of size×size with cell <c>y·size + x</c>; its layout is
/// chosen by <see cref="Inputs"/> (see <see cref="GoInputs"/>).
/// </remarks>
public sealed class GoGame : IGame, ISelfPlayRules
{
    /// <summary>Column letters of GTP vertices (no <c>I</c>).</summary>
    public const string ColumnLetters = "ABCDEFGHJKLMNOPQRST";

    /// <summary>Smallest supported board side.</summary>
    public const int MinSize = 5;

    /// <summary>Largest supported board side.</summary>
    public const int MaxSize = 19;

    /// <summary>Number of observation planes of <see cref="GoInputs.Basic"/>.</summary>
    public const int ObservationPlanes = 4;

    /// <summary>Number of past positions (the current one included) in the history input layouts.</summary>
    public const int HistoryLength = 8;

    private readonly int[] _neighbourStart; // neighbours of point p: _neighbours[_neighbourStart[p] .. _neighbourStart[p+1])
    private readonly int[] _neighbours;
    private readonly ulong[] _zobrist; // index 2·p + (colour − 1)

    /// <summary>Creates a game; throws <see cref="ArgumentOutOfRangeException"/> for a size outside 5..19.</summary>
    /// <param name="size">Board side.</param>
    /// <param name="komi">Points added to White's area.</param>
    /// <param name="allowSuicide">Whether a move that leaves its own group without liberties is legal (the group is then removed).</param>
    /// <param name="inputs">The observation layout (network input planes).</param>
    /// <param name="selfPlayPass">When self-play may pass (<see cref="GoSelfPlayPass"/>).</param>
    public GoGame(int size = 9, double komi = 7.5, bool allowSuicide = false, GoInputs inputs = GoInputs.Basic, GoSelfPlayPass selfPlayPass = GoSelfPlayPass.Settled)
    {
        if (!Enum.IsDefined(selfPlayPass)) throw new ArgumentOutOfRangeException(nameof(selfPlayPass), selfPlayPass, "unknown self-play pass rule");
        SelfPlayPass = selfPlayPass;
        if (size < MinSize || size > MaxSize) throw new ArgumentOutOfRangeException(nameof(size), size, $"board size must be {MinSize}..{MaxSize}");
        if (!double.IsFinite(komi)) throw new ArgumentOutOfRangeException(nameof(komi), komi, "komi must be finite");
        if (!Enum.IsDefined(inputs)) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "unknown Go input layout");
        Size = size;
        Komi = komi;
        AllowSuicide = allowSuicide;
        Inputs = inputs;
        Points = size * size;
        Symmetries = BoardSymmetries.Dihedral(size, Points + 1);

        _neighbourStart = new int[Points + 1];
        var list = new List<int>(4 * Points);
        for (int p = 0; p < Points; p++)
        {
            _neighbourStart[p] = list.Count;
            int x = p % size, y = p / size;
            if (x > 0) list.Add(p - 1);
            if (x < size - 1) list.Add(p + 1);
            if (y > 0) list.Add(p - size);
            if (y < size - 1) list.Add(p + size);
        }
        _neighbourStart[Points] = list.Count;
        _neighbours = list.ToArray();

        _zobrist = new ulong[2 * Points];
        ulong seed = 0x9E3779B97F4A7C15UL ^ (ulong)size;
        for (int i = 0; i < _zobrist.Length; i++) _zobrist[i] = SplitMix64(ref seed);
    }

    /// <summary>Board side.</summary>
    public int Size { get; }

    /// <summary>Number of board points, <c>Size²</c>.</summary>
    public int Points { get; }

    /// <summary>Points added to White's area when scoring.</summary>
    public double Komi { get; }

    /// <summary>Whether suicide is legal (the suicided group is removed).</summary>
    public bool AllowSuicide { get; }

    /// <summary>The observation layout (network input planes).</summary>
    public GoInputs Inputs { get; }

    /// <summary>Number of observation planes of <see cref="Inputs"/>: 4, 17 or 18.</summary>
    public int InputPlanes => PlanesOf(Inputs);

    /// <summary>Number of observation planes of a layout.</summary>
    public static int PlanesOf(GoInputs inputs) => inputs switch
    {
        GoInputs.Basic => ObservationPlanes,
        GoInputs.AlphaGoZero => 2 * HistoryLength + 1,
        GoInputs.LeelaZero => 2 * HistoryLength + 2,
        _ => throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "unknown Go input layout"),
    };

    /// <summary>The same rules with another observation layout.</summary>
    public GoGame WithInputs(GoInputs inputs) => inputs == Inputs ? this : new GoGame(Size, Komi, AllowSuicide, inputs, SelfPlayPass);

    /// <summary>When self-play may pass; see <see cref="GoSelfPlayPass"/>.</summary>
    public GoSelfPlayPass SelfPlayPass { get; }

    /// <summary>
    /// Self-play's pass rule (<see cref="SelfPlayPass"/>): with <see cref="GoSelfPlayPass.Settled"/> a pass that would
    /// not end the game (the opponent did not just pass) is permitted only when every other legal move fills one of the
    /// mover's own eyes (<see cref="GoState.IsOwnEye"/>); a pass that ends the game is always permitted, since the
    /// search then scores the position exactly. Every other action is permitted.
    /// </summary>
    public bool PermitsInSelfPlay(IGameState state, int action)
    {
        if (action != PassAction || SelfPlayPass == GoSelfPlayPass.Free) return true;
        var s = (GoState)state;
        if (s.ConsecutivePasses > 0) return true;
        int colour = s.CurrentPlayer + 1;
        for (int p = 0; p < Points; p++)
            if (s.At(p) == GoState.Empty && !s.IsOwnEye(p, colour) && s.IsLegal(p)) return false;
        return true;
    }

    /// <summary>The pass action, <c>Size²</c>.</summary>
    public int PassAction => Points;

    /// <inheritdoc />
    public string Name => $"go{Size}";
    /// <inheritdoc />
    public int NumPlayers => 2;
    /// <inheritdoc />
    public int NumActions => Points + 1;
    /// <summary>3·size² moves; a game that reaches it ends and is scored.</summary>
    public int MaxGameLength => 3 * Points;
    /// <inheritdoc />
    public ObservationShape ObservationShape => new(InputPlanes, Size, Size);
    /// <inheritdoc />
    public IReadOnlyList<Symmetry> Symmetries { get; }

    /// <inheritdoc />
    public IGameState NewInitialState() => GoState.Initial(this);

    /// <summary>The empty board, typed.</summary>
    public GoState NewGame() => GoState.Initial(this);

    /// <summary>The action of the point at column <paramref name="x"/> and row <paramref name="y"/> (0 = bottom).</summary>
    public int PointAction(int x, int y)
    {
        if ((uint)x >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(x));
        if ((uint)y >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(y));
        return y * Size + x;
    }

    /// <inheritdoc />
    public string ActionToString(int action)
    {
        if ((uint)action > (uint)Points) throw new ArgumentOutOfRangeException(nameof(action));
        if (action == Points) return "pass";
        return $"{ColumnLetters[action % Size]}{action / Size + 1}";
    }

    /// <summary>Parses a GTP vertex (letters case-insensitive) or <c>pass</c>.</summary>
    public bool TryParseAction(string text, out int action)
    {
        action = -1;
        if (string.IsNullOrEmpty(text)) return false;
        if (string.Equals(text, "pass", StringComparison.OrdinalIgnoreCase))
        {
            action = Points;
            return true;
        }
        if (text.Length < 2 || text.Length > 3) return false;
        int x = ColumnLetters.IndexOf(char.ToUpperInvariant(text[0]));
        if (x < 0 || x >= Size) return false;
        if (text[1] is < '1' or > '9') return false; // no leading zero
        int row = 0;
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] is < '0' or > '9') return false;
            row = row * 10 + (text[i] - '0');
        }
        if (row < 1 || row > Size) return false;
        action = (row - 1) * Size + x;
        return true;
    }

    internal ReadOnlySpan<int> Neighbours(int p) => _neighbours.AsSpan(_neighbourStart[p], _neighbourStart[p + 1] - _neighbourStart[p]);

    /// <summary>Zobrist key of a stone of <paramref name="colour"/> (1 Black, 2 White) at <paramref name="p"/>.</summary>
    internal ulong Key(int p, int colour) => _zobrist[2 * p + colour - 1];

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// Observation layouts of <see cref="GoGame"/>: which planes of size×size a network sees. "Mine" and "theirs"
/// are the stones of the player to move now and of the other player, in every past position too; history
/// planes before the first move of the game are all zeros.
/// </summary>
public enum GoInputs
{
    /// <summary>4 planes: 0 mine, 1 theirs, 2 all ones when Black is to move, 3 all ones (marks the board inside zero padding).</summary>
    Basic,

    /// <summary>
    /// AlphaGo Zero's 17 planes: mine and theirs interleaved over the last 8 positions, newest first
    /// (plane 2k = mine k moves ago, plane 2k+1 = theirs k moves ago), and plane 16 = all ones when Black is to move.
    /// </summary>
    AlphaGoZero,

    /// <summary>
    /// Leela Zero's 18 planes: 0–7 mine at t, t−1, …, t−7; 8–15 theirs at t … t−7; 16 all ones when Black is to
    /// move; 17 all ones when White is to move.
    /// </summary>
    LeelaZero,
}

/// <summary>When Go self-play may pass (config <c>go.selfPlayPass</c>).</summary>
/// <remarks>
/// Under Tromp-Taylor scoring with komi, two passes at the start end the game in White's favour. A network that has
/// learnt little, searching few moves, finds that equilibrium easily (Black's moves look no better than a pass, White
/// answers a pass with a pass) and self-play collapses into games of a few moves that teach nothing.
/// <see cref="Settled"/> rules it out: the game goes on until the board is settled in the sense of random playouts
/// (only moves into one's own eyes left), and every stone left on the board is scored as it stands, so dead stones
/// must be captured: the games teach life, death and the count.
/// </remarks>
public enum GoSelfPlayPass
{
    /// <summary>A pass that does not end the game only when every other legal move fills one of one's own eyes (the default).</summary>
    Settled,
    /// <summary>A pass whenever it is legal.</summary>
    Free,
}

/// <summary>
/// An immutable Go position: the stones, the side to move, the number of consecutive passes, the
/// Zobrist hashes of every position seen so far (for positional superko) and the state it was played from
/// (<see cref="Previous"/>: the history planes and <see cref="Undo"/>). Applying a move copies the board.
/// </summary>
public sealed class GoState : IGameState
{
    /// <summary>Value of an empty point in <see cref="At(int)"/>.</summary>
    public const int Empty = 0;
    /// <summary>Value of a Black stone (player 0) in <see cref="At(int)"/>.</summary>
    public const int Black = 1;
    /// <summary>Value of a White stone (player 1) in <see cref="At(int)"/>.</summary>
    public const int White = 2;

    private readonly GoGame _game;
    private readonly byte[] _board; // never modified after construction
    private readonly ImmutableHashSet<ulong> _history; // hashes of all positions so far, this one included

    private GoState(GoGame game, byte[] board, ulong hash, ImmutableHashSet<ulong> history, int moveNumber, int currentPlayer, int passes,
                    GoState? previous = null, int lastMove = -1, int resigned = -1)
    {
        _game = game;
        ResignedPlayer = resigned;
        Previous = previous;
        LastMove = lastMove;
        _board = board;
        Hash = hash;
        _history = history;
        MoveNumber = moveNumber;
        CurrentPlayer = currentPlayer;
        ConsecutivePasses = passes;
    }

    internal static GoState Initial(GoGame game) =>
        new(game, new byte[game.Points], 0, ImmutableHashSet.Create<ulong>(0UL), 0, 0, 0);

    /// <summary>
    /// A position from a diagram: one line per row, top row (row <c>size</c>) first, one character per point
    /// (<c>X</c> Black, <c>O</c> White, <c>.</c> empty; spaces are ignored). The position counts as move 0
    /// and is the only one in the superko history. Throws <see cref="ArgumentException"/> for a malformed
    /// diagram or a group without liberties.
    /// </summary>
    public static GoState FromDiagram(GoGame game, string diagram, int currentPlayer = 0)
    {
        ArgumentNullException.ThrowIfNull(game);
        ArgumentNullException.ThrowIfNull(diagram);
        if ((uint)currentPlayer >= 2) throw new ArgumentOutOfRangeException(nameof(currentPlayer));
        var rows = diagram.Split('\n').Select(r => r.Replace(" ", "").Trim()).Where(r => r.Length > 0).ToArray();
        if (rows.Length != game.Size) throw new ArgumentException($"diagram has {rows.Length} rows, expected {game.Size}", nameof(diagram));
        var board = new byte[game.Points];
        ulong hash = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != game.Size) throw new ArgumentException($"diagram row {i} has {rows[i].Length} points, expected {game.Size}", nameof(diagram));
            int y = game.Size - 1 - i;
            for (int x = 0; x < game.Size; x++)
            {
                int p = y * game.Size + x;
                board[p] = rows[i][x] switch
                {
                    'X' or 'x' => Black,
                    'O' or 'o' => White,
                    '.' => Empty,
                    var c => throw new ArgumentException($"bad point '{c}' in diagram", nameof(diagram)),
                };
                if (board[p] != Empty) hash ^= game.Key(p, board[p]);
            }
        }
        Span<int> stack = stackalloc int[game.Points];
        Span<bool> mark = stackalloc bool[game.Points];
        for (int p = 0; p < game.Points; p++)
            if (board[p] != Empty && !HasLiberty(game, board, p, stack, mark))
                throw new ArgumentException($"the group at {game.ActionToString(p)} has no liberty", nameof(diagram));
        return new GoState(game, board, hash, ImmutableHashSet.Create(hash), 0, currentPlayer, 0);
    }

    /// <inheritdoc />
    public IGame Game => _game;
    /// <summary>The game, typed.</summary>
    public GoGame GoGame => _game;
    /// <summary>The player to move: 0 Black, 1 White. At a terminal state, the player who would move next.</summary>
    public int CurrentPlayer { get; }
    /// <inheritdoc />
    public int MoveNumber { get; }
    /// <summary>Number of passes in a row that ended in this position (2 ends the game).</summary>
    public int ConsecutivePasses { get; }
    /// <summary>Zobrist hash of the stones alone (what positional superko compares).</summary>
    public ulong Hash { get; }
    /// <inheritdoc />
    public bool IsTerminal => ResignedPlayer >= 0 || ConsecutivePasses >= 2 || MoveNumber >= _game.MaxGameLength;

    /// <summary>The player who resigned (0 Black, 1 White), or −1 when nobody has.</summary>
    public int ResignedPlayer { get; }

    /// <summary>
    /// The player to move resigns: a terminal state with the same stones in which the other player wins
    /// (<see cref="Returns"/>), whatever the score. Resignation is not an action of the action space (networks
    /// never choose it); engines and match runners decide it from the search's winrate, as GTP's <c>resign</c>.
    /// <see cref="Undo"/> takes it back. Throws <see cref="InvalidOperationException"/> at a terminal state.
    /// </summary>
    public GoState Resign()
    {
        if (IsTerminal) throw new InvalidOperationException("the game is over: nobody can resign");
        return new GoState(_game, _board, Hash, _history, MoveNumber, CurrentPlayer, ConsecutivePasses, this, -1, CurrentPlayer);
    }

    /// <summary>
    /// The same position with <paramref name="player"/> to move, standing in this state's place: same stones,
    /// superko history, move number and passes, and the same <see cref="Previous"/> (no pass is added to the
    /// history). This is how a controller's setup move out of turn (GTP's <c>play b</c> twice) is played, as Leela
    /// Zero does, so the history planes a network reads hold only the positions that were really on the board.
    /// Returns this state when <paramref name="player"/> is already to move. Throws
    /// <see cref="InvalidOperationException"/> at a terminal state.
    /// </summary>
    public GoState WithPlayerToMove(int player)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        if (IsTerminal) throw new InvalidOperationException("the game is over: no player is to move");
        return player == CurrentPlayer ? this
            : new GoState(_game, _board, Hash, _history, MoveNumber, player, ConsecutivePasses, Previous, LastMove);
    }

    /// <summary>The point's content: <see cref="Empty"/>, <see cref="Black"/> or <see cref="White"/>.</summary>
    public int At(int point)
    {
        if ((uint)point >= (uint)_game.Points) throw new ArgumentOutOfRangeException(nameof(point));
        return _board[point];
    }

    /// <summary>The content of the point at column <paramref name="x"/>, row <paramref name="y"/> (0 = bottom).</summary>
    public int At(int x, int y) => _board[_game.PointAction(x, y)];

    /// <summary>Number of stones of <paramref name="colour"/> (<see cref="Black"/> or <see cref="White"/>) on the board.</summary>
    public int StoneCount(int colour)
    {
        int n = 0;
        foreach (byte b in _board) if (b == colour) n++;
        return n;
    }

    /// <inheritdoc />
    public bool IsLegal(int action)
    {
        if ((uint)action > (uint)_game.Points || IsTerminal) return false;
        if (action == _game.Points) return true;
        if (_board[action] != Empty) return false;
        int colour = CurrentPlayer + 1;
        bool anyEmpty = false, onlyEmptyOrOwn = true;
        foreach (int q in _game.Neighbours(action))
        {
            if (_board[q] == Empty) anyEmpty = true;
            else if (_board[q] != colour) { onlyEmptyOrOwn = false; break; }
        }
        // Common case: no capture is possible and the new stone has a liberty, so the new position is this
        // one plus the stone; only superko can forbid it.
        if (anyEmpty && onlyEmptyOrOwn) return !_history.Contains(Hash ^ _game.Key(action, colour));
        Span<byte> board = stackalloc byte[_game.Points];
        _board.CopyTo(board);
        ulong hash = Hash;
        return Place(_game, board, action, colour, ref hash) && !_history.Contains(hash);
    }

    /// <inheritdoc />
    public void GetLegalMask(Span<bool> mask)
    {
        if (mask.Length != _game.NumActions) throw new ArgumentException($"mask must have {_game.NumActions} elements", nameof(mask));
        for (int a = 0; a < mask.Length; a++) mask[a] = IsLegal(a);
    }

    /// <inheritdoc />
    public int GetLegalActions(Span<int> actions)
    {
        int n = 0;
        for (int a = 0; a < _game.NumActions; a++) if (IsLegal(a)) actions[n++] = a;
        return n;
    }

    /// <inheritdoc />
    public IGameState Apply(int action) => Play(action);

    /// <summary><see cref="Apply"/>, typed.</summary>
    public GoState Play(int action)
    {
        if (!IsLegal(action)) throw new ArgumentException($"illegal Go action {action} at move {MoveNumber}", nameof(action));
        if (action == _game.Points)
            return new GoState(_game, _board, Hash, _history, MoveNumber + 1, 1 - CurrentPlayer, ConsecutivePasses + 1, this, action);
        var board = (byte[])_board.Clone();
        ulong hash = Hash;
        Place(_game, board, action, CurrentPlayer + 1, ref hash);
        return new GoState(_game, board, hash, _history.Add(hash), MoveNumber + 1, 1 - CurrentPlayer, 0, this, action);
    }

    /// <summary>The state this one was played from; null for the empty board or a position set up by <see cref="FromDiagram"/>.</summary>
    public GoState? Previous { get; }

    /// <summary>The action that led here from <see cref="Previous"/> (a point or pass); −1 when there is no previous state or the step was a resignation.</summary>
    public int LastMove { get; }

    /// <summary>Takes back the last move: the state it was played from. Throws <see cref="InvalidOperationException"/> when there is none.</summary>
    public GoState Undo() => Previous ?? throw new InvalidOperationException("no move to undo: this is the first position of the game");

    /// <summary>Plays the moves written as GTP vertices (or <c>pass</c>) one after the other.</summary>
    public GoState Play(params string[] moves)
    {
        var s = this;
        foreach (var m in moves)
        {
            if (!_game.TryParseAction(m, out int a)) throw new ArgumentException($"'{m}' is not a move on {_game.Name}", nameof(moves));
            s = s.Play(a);
        }
        return s;
    }

    /// <summary>
    /// Tromp-Taylor score: Black's area minus White's area minus komi. A player's area is their stones plus
    /// the empty points that reach only their stones (<see cref="WriteAreaOwners"/>).
    /// </summary>
    public double Score()
    {
        Span<byte> owners = stackalloc byte[_game.Points];
        WriteAreaOwners(owners);
        int black = 0, white = 0;
        foreach (byte o in owners)
        {
            if (o == Black) black++;
            else if (o == White) white++;
        }
        return black - white - _game.Komi;
    }

    /// <summary>
    /// Whose area each point is under Tromp-Taylor scoring: <see cref="Black"/> or <see cref="White"/> for a
    /// stone of that colour and for an empty point that reaches stones of that colour only, <see cref="Empty"/>
    /// for an empty point that reaches both colours or none.
    /// </summary>
    /// <param name="owners">One element per point; overwritten.</param>
    public void WriteAreaOwners(Span<byte> owners)
    {
        int n = _game.Points;
        if (owners.Length != n) throw new ArgumentException($"owners must have {n} elements", nameof(owners));
        _board.CopyTo(owners);
        Span<bool> seen = stackalloc bool[n];
        Span<int> stack = stackalloc int[n];
        Span<int> region = stackalloc int[n];
        for (int p = 0; p < n; p++)
        {
            if (_board[p] != Empty || seen[p]) continue;
            int size = 0, top = 0;
            bool reachesBlack = false, reachesWhite = false;
            stack[top++] = p;
            seen[p] = true;
            while (top > 0)
            {
                int q = stack[--top];
                region[size++] = q;
                foreach (int r in _game.Neighbours(q))
                {
                    if (_board[r] == Black) reachesBlack = true;
                    else if (_board[r] == White) reachesWhite = true;
                    else if (!seen[r]) { seen[r] = true; stack[top++] = r; }
                }
            }
            byte owner = (byte)(reachesBlack == reachesWhite ? Empty : reachesBlack ? Black : White);
            foreach (int q in region[..size]) owners[q] = owner;
        }
    }

    /// <summary>
    /// +1/−1 for the winner/loser at a terminal state: the player who did not resign, else by <see cref="Score"/>
    /// (0 for an exact tie); 0 before the end.
    /// </summary>
    public double Returns(int player)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        if (!IsTerminal) return 0;
        if (ResignedPlayer >= 0) return player == ResignedPlayer ? -1 : 1;
        double s = Score();
        int blackResult = s > 0 ? 1 : s < 0 ? -1 : 0;
        return player == 0 ? blackResult : -blackResult;
    }

    /// <inheritdoc />
    /// <remarks>The layout is the game's <see cref="GoGame.Inputs"/>; see <see cref="GoInputs"/>.</remarks>
    public void WriteObservation(Span<float> buffer)
    {
        int n = _game.Points, planes = _game.InputPlanes;
        if (buffer.Length != planes * n)
            throw new ArgumentException($"observation buffer must have {planes * n} elements ({planes} planes of {n})", nameof(buffer));
        int mine = CurrentPlayer + 1, theirs = 3 - mine;
        switch (_game.Inputs)
        {
            case GoInputs.Basic:
                WriteStones(_board, mine, buffer.Slice(0, n));
                WriteStones(_board, theirs, buffer.Slice(n, n));
                buffer.Slice(2 * n, n).Fill(CurrentPlayer == 0 ? 1f : 0f);
                buffer.Slice(3 * n, n).Fill(1f);
                break;
            case GoInputs.AlphaGoZero:
            case GoInputs.LeelaZero:
            {
                bool interleaved = _game.Inputs == GoInputs.AlphaGoZero;
                int h = GoGame.HistoryLength;
                GoState? s = this;
                for (int k = 0; k < h; k++)
                {
                    var minePlane = buffer.Slice((interleaved ? 2 * k : k) * n, n);
                    var theirPlane = buffer.Slice((interleaved ? 2 * k + 1 : h + k) * n, n);
                    if (s is null)
                    {
                        minePlane.Clear();
                        theirPlane.Clear();
                        continue;
                    }
                    WriteStones(s._board, mine, minePlane);
                    WriteStones(s._board, theirs, theirPlane);
                    s = s.Previous;
                }
                var black = buffer.Slice(2 * h * n, n);
                black.Fill(CurrentPlayer == 0 ? 1f : 0f);
                if (!interleaved) buffer.Slice((2 * h + 1) * n, n).Fill(CurrentPlayer == 1 ? 1f : 0f);
                break;
            }
        }
    }

    private static void WriteStones(ReadOnlySpan<byte> board, int colour, Span<float> plane)
    {
        for (int p = 0; p < board.Length; p++) plane[p] = board[p] == colour ? 1f : 0f;
    }

    /// <inheritdoc />
    public string Render()
    {
        int size = _game.Size;
        var sb = new StringBuilder();
        string header = "   " + string.Join(' ', GoGame.ColumnLetters[..size].ToCharArray());
        sb.AppendLine(header);
        for (int y = size - 1; y >= 0; y--)
        {
            sb.Append((y + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(2));
            for (int x = 0; x < size; x++)
                sb.Append(' ').Append(_board[y * size + x] switch { Black => 'X', White => 'O', _ => '.' });
            sb.Append(' ').Append(y + 1).AppendLine();
        }
        sb.AppendLine(header);
        sb.Append(ResignedPlayer >= 0 ? (ResignedPlayer == 0 ? "Black resigned" : "White resigned") : IsTerminal ? "game over" : CurrentPlayer == 0 ? "Black (X) to play" : "White (O) to play")
          .Append(", move ").Append(MoveNumber).Append(", passes ").Append(ConsecutivePasses).AppendLine();
        return sb.ToString();
    }

    /// <summary>
    /// The stones as <see cref="FromDiagram"/> reads them: one line per row, top row first, <c>X</c> Black,
    /// <c>O</c> White, <c>.</c> empty, each line ended by a line feed.
    /// </summary>
    public string ToDiagram()
    {
        int size = _game.Size;
        var sb = new StringBuilder((size + 1) * size);
        for (int y = size - 1; y >= 0; y--)
        {
            for (int x = 0; x < size; x++)
                sb.Append(_board[y * size + x] switch { Black => 'X', White => 'O', _ => '.' });
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Render();

    /// <summary>
    /// Whether the empty point <paramref name="point"/> is an eye of <paramref name="colour"/>: every orthogonal
    /// neighbour is that colour, and at most one diagonal neighbour (none on the edge or in a corner) is the
    /// other colour. Filling such a point can only hurt its owner, so random playouts skip it.
    /// </summary>
    public bool IsOwnEye(int point, int colour)
    {
        var game = _game;
        if (At(point) != Empty) return false;
        foreach (int q in game.Neighbours(point))
            if (At(q) != colour) return false;
        int size = game.Size, x = point % size, y = point / size, other = 3 - colour;
        int diagonals = 0, opponents = 0;
        for (int dy = -1; dy <= 1; dy += 2)
            for (int dx = -1; dx <= 1; dx += 2)
            {
                int cx = x + dx, cy = y + dy;
                if (cx < 0 || cy < 0 || cx >= size || cy >= size) continue;
                diagonals++;
                if (At(cy * size + cx) == other) opponents++;
            }
        return diagonals == 4 ? opponents <= 1 : opponents == 0;
    }

    /// <summary>
    /// Puts a stone of <paramref name="colour"/> on the empty point <paramref name="p"/> of
    /// <paramref name="board"/>, removes the opponent groups it leaves without liberties and then, with
    /// suicide allowed, its own group if that has none. Returns false (board in an unspecified state) for a
    /// suicide that the game forbids. <paramref name="hash"/> follows the stones.
    /// </summary>
    private static bool Place(GoGame game, Span<byte> board, int p, int colour, ref ulong hash)
    {
        Span<int> stack = stackalloc int[game.Points];
        Span<bool> mark = stackalloc bool[game.Points];
        board[p] = (byte)colour;
        hash ^= game.Key(p, colour);
        int opponent = 3 - colour;
        foreach (int q in game.Neighbours(p))
            if (board[q] == opponent && !HasLiberty(game, board, q, stack, mark))
                Remove(game, board, q, ref hash, stack);
        if (!HasLiberty(game, board, p, stack, mark))
        {
            if (!game.AllowSuicide) return false;
            Remove(game, board, p, ref hash, stack);
        }
        return true;
    }

    private static bool HasLiberty(GoGame game, ReadOnlySpan<byte> board, int start, Span<int> stack, Span<bool> mark)
    {
        mark.Clear();
        int colour = board[start], top = 0;
        stack[top++] = start;
        mark[start] = true;
        while (top > 0)
        {
            int q = stack[--top];
            foreach (int r in game.Neighbours(q))
            {
                if (board[r] == Empty) return true;
                if (board[r] == colour && !mark[r]) { mark[r] = true; stack[top++] = r; }
            }
        }
        return false;
    }

    private static void Remove(GoGame game, Span<byte> board, int start, ref ulong hash, Span<int> stack)
    {
        int colour = board[start], top = 0;
        stack[top++] = start;
        board[start] = Empty;
        hash ^= game.Key(start, colour);
        while (top > 0)
        {
            int q = stack[--top];
            foreach (int r in game.Neighbours(q))
                if (board[r] == colour)
                {
                    board[r] = Empty;
                    hash ^= game.Key(r, colour);
                    stack[top++] = r;
                }
        }
    }
}
