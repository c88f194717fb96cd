using System.Collections.Immutable;
using System.Text;

namespace SelfPlayBN.Games.Go;

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
