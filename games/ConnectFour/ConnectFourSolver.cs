using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using static SelfPlayBN.Games.ConnectFour.ConnectFourBitboard;

namespace SelfPlayBN.Games.ConnectFour;

/// <summary>The game-theoretic value of a position or a move for the player to move.</summary>
public enum GameOutcome
{
    /// <summary>The player loses against perfect play.</summary>
    Loss = -1,

    /// <summary>Perfect play by both sides ends in a draw.</summary>
    Draw = 0,

    /// <summary>The player wins against any defence.</summary>
    Win = 1,
}

/// <summary>
/// A perfect (weak) Connect Four solver: it finds whether a position is won, drawn or lost for the player to
/// move under perfect play by both sides, but not how many moves the result takes.
/// </summary>
/// <remarks>
/// <para>
/// The search is negamax with alpha-beta pruning over the three values −1, 0, +1, always run with a null
/// window (one test "is the value ≥ 1?" and, if needed, "is it ≥ 0?"), which is much cheaper than an exact
/// search. At every node it first detects an immediate win, then keeps only the moves that do not lose at
/// once: a forced block when the opponent threatens to win (a loss when there are two such threats) and
/// never a stone directly below an opponent's winning cell.
/// </para>
/// <para>
/// Static rules from Connect Four's parity (zugzwang) theory settle many positions without search; each is a
/// complete strategy for one player, so the values stay exact. With the first player to move, the second
/// player answers in the column just played (<em>claimeven</em>) and pairs the lowest empty cells of columns
/// with an odd number of empty cells (<em>baseinverse</em>); if the first player cannot make four against
/// that, the first player cannot win, and if the second player's cells then contain four, the second player
/// wins. When the second player's cells contain four, the first player's fours that need a cell above that
/// four's empty cells in each of its columns come too late to count (<em>aftereven</em>): if the pairs spoil all
/// the others, the second player wins. With the second player to move, the first player wins when it threatens
/// to win on row 1, 3 or 5 of a column the second player will have to fill below that cell, and the second
/// player cannot make four against the first player's answering strategy (aftereven applies there too). The
/// rules are also applied to every child before the moves are searched.
/// </para>
/// <para>
/// Moves are tried in this order: the best move stored in the table, then by the number of winning cells they
/// create (not counting cells directly above an opponent's winning cell), ties broken by the killer moves (the
/// last two moves that gave a cutoff at the same depth), then centre first. The transposition table is a
/// fixed-size block of 64-bit words (native memory, backed by huge pages on Linux) in buckets of two (one kept for the larger subtree, one always
/// replaced) storing the position key, a lower and an upper bound and the best move; a position and its
/// mirror image share an entry. Enhanced transposition cutoffs look up the children before searching them;
/// the children's buckets are prefetched while the moves are being ordered.
/// </para>
/// <para>
/// With two threads (the default on a machine with more than one processor) each call runs the same search
/// on a second thread that shares the table; near the root the threads put off the moves the other is
/// searching (ABDADA), so they split the tree between them. The answers are the same as with one thread.
/// </para>
/// <para>
/// The table is kept between calls, so a solver can be reused across positions (results stay exact; the
/// table only speeds things up). An instance is not thread-safe: use one solver per thread.
/// </para>
/// </remarks>
public sealed unsafe class ConnectFourSolver
{
    /// <summary>Default size of the transposition table: 2^23 entries (64 MiB).</summary>
    public const int DefaultTableBits = 23;

    // Entry: log2(subtree nodes) << 56 | canonical key (49 bits) << 7 | (best column + 1) << 4
    // | (lower + 1) << 2 | (upper + 1). Zero marks an empty slot (a key is never zero).
    // The table lives in native memory aligned to 2 MiB, so that on Linux it can be backed by transparent
    // huge pages (the lookups are random, and with 4 KiB pages most of them miss the TLB); freed by the finalizer.
    private readonly ulong* _table;
    private readonly nuint _tableBytes;
    private readonly int _shift;
    private readonly bool _useRules;
    private long _nodes;

    // Two-thread search (see SearchInParallel): the helper shares the owner's table and busy marks.
    private readonly ConnectFourSolver? _owner; // set on a helper: it keeps the owner (and so the table) alive
    private readonly int _threads;
    private readonly ulong[] _busy;
    private readonly ulong _threadId; // 0 for the owner, 1 for the helper
    private ConnectFourSolver? _helper;
    private volatile bool _stop;

    /// <summary>
    /// Per stone count, the last two different moves (cells) that ended a search by a cutoff (killer moves,
    /// the latest at index 2·stones): among moves that create as many winning cells, they are tried first.
    /// Each thread has its own.
    /// </summary>
    private readonly ulong[] _killers = new ulong[2 * Cells];

    private static readonly int[] CentreFirst = [3, 2, 4, 1, 5, 0, 6];

    /// <summary>Creates a solver with a transposition table of 2^<paramref name="tableBits"/> entries (8 bytes each).</summary>
    /// <param name="tableBits">Between 10 and 28.</param>
    /// <param name="threads">
    /// 1 or 2 search threads per call (sharing the table); 0, the default, uses 2 when the machine has more than
    /// one processor.
    /// </param>
    public ConnectFourSolver(int tableBits = DefaultTableBits, int threads = 0)
        : this(tableBits, useStaticRules: true, threads)
    {
    }

    /// <summary>
    /// Creates a solver; with <paramref name="useStaticRules"/> false it searches without the claimeven /
    /// baseinverse / odd-threat rules (plain alpha-beta with the table), which tests use as a reference.
    /// </summary>
    internal ConnectFourSolver(int tableBits, bool useStaticRules, int threads = 0)
    {
        _useRules = useStaticRules;
        ArgumentOutOfRangeException.ThrowIfLessThan(tableBits, 10);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tableBits, 28);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 2);
        _threads = threads == 0 ? Math.Min(2, Environment.ProcessorCount) : threads;
        _busy = new ulong[BusySlots];
        _tableBytes = (nuint)sizeof(ulong) << tableBits;
        _table = (ulong*)NativeMemory.AlignedAlloc(_tableBytes, HugePageBytes);
        if (OperatingSystem.IsLinux() && _tableBytes >= HugePageBytes)
        {
            try { _ = Madvise(_table, _tableBytes, MadviseHugePage); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // only a speed hint
        }
        NativeMemory.Clear(_table, _tableBytes);
        GC.AddMemoryPressure((long)_tableBytes);
        _shift = 64 - tableBits;
    }

    /// <summary>A helper for the two-thread search: it shares the table and busy marks of <paramref name="owner"/>.</summary>
    private ConnectFourSolver(ConnectFourSolver owner)
    {
        _owner = owner;
        _useRules = owner._useRules;
        _table = owner._table;
        _tableBytes = owner._tableBytes;
        _shift = owner._shift;
        _busy = owner._busy;
        _threads = 1;
        _threadId = 1;
    }

    /// <summary>Frees the transposition table (a helper leaves it to its owner).</summary>
    ~ConnectFourSolver()
    {
        if (_owner is not null || _table == null) return; // a helper, or a constructor that threw before allocating
        NativeMemory.AlignedFree(_table);
        GC.RemoveMemoryPressure((long)_tableBytes);
    }

    private const nuint HugePageBytes = 2 << 20;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(void* address, nuint length, int advice);

    /// <summary>
    /// Number of positions searched (search-tree nodes) since the last <see cref="ResetNodeCount"/> or
    /// <see cref="Reset"/>. Every solve call adds to it, so read it before and after a call to count one position.
    /// </summary>
    public long NodeCount => _nodes;

    /// <summary>Sets <see cref="NodeCount"/> to zero; the transposition table is kept.</summary>
    public void ResetNodeCount() => _nodes = 0;

    /// <summary>Empties the transposition table and sets <see cref="NodeCount"/> to zero, as if the solver were new.</summary>
    public void Reset()
    {
        NativeMemory.Clear(_table, _tableBytes);
        Array.Clear(_killers);
        if (_helper is not null) Array.Clear(_helper._killers);
        _nodes = 0;
    }

    /// <summary>The value of <paramref name="state"/> for the player to move.</summary>
    /// <exception cref="ArgumentException">The game is already over.</exception>
    public GameOutcome Solve(ConnectFourState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.IsTerminal) throw new ArgumentException("the game is already over", nameof(state));
        ulong cur = state.CurrentStones, mask = state.Mask;
        int moves = state.MoveNumber;
        return (GameOutcome)SearchInParallel(s => s.SolveRoot(cur, mask, moves));
    }

    /// <summary>
    /// For each column 0..6: the value for the player to move of dropping a stone there, both sides playing
    /// perfectly afterwards; <c>null</c> for a full column.
    /// </summary>
    /// <exception cref="ArgumentException">The game is already over (a full board gives seven nulls instead).</exception>
    public GameOutcome?[] SolveColumns(ConnectFourState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var result = new GameOutcome?[Width];
        if (state.MoveNumber == Cells) return result;
        if (state.IsTerminal) throw new ArgumentException("the game is already over", nameof(state));
        ulong cur = state.CurrentStones, mask = state.Mask;
        int moves = state.MoveNumber;
        var values = SearchInParallel(s => s.ColumnValues(cur, mask, moves));
        for (int c = 0; c < Width; c++)
            if (values[c] != ColumnFull) result[c] = (GameOutcome)values[c];
        return result;
    }

    private const int ColumnFull = 2;

    /// <summary>
    /// Runs <paramref name="search"/> on this solver and, with two threads, at the same time on the helper,
    /// which shares the table. Both run the same sequence of searches; at the shallow nodes of the tree a thread
    /// puts off the moves the other is searching (ABDADA: the first move of a node is searched by both, the
    /// others are shared out), so they work on different subtrees and find each other's results in the table.
    /// The helper's result is not used: it is stopped once this thread is done. Table entries are single 64-bit
    /// words holding their own key and true bounds, so a race between the threads can lose an entry but
    /// never make one wrong, and the values found stay exact.
    /// </summary>
    private T SearchInParallel<T>(Func<ConnectFourSolver, T> search)
    {
        if (_threads < 2) return search(this);
        var helper = _helper ??= new ConnectFourSolver(this);
        Array.Clear(_busy);
        helper._stop = false;
        var task = Task.Factory.StartNew(() =>
        {
            try { search(helper); }
            catch (OperationCanceledException) { }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try { return search(this); }
        finally
        {
            helper._stop = true;
            task.Wait();
            _nodes += helper._nodes;
            helper._nodes = 0;
        }
    }

    /// <summary>The seven column values (−1, 0, 1, or <see cref="ColumnFull"/>) of a position that is not over.</summary>
    private int[] ColumnValues(ulong cur, ulong mask, int moves)
    {
        var result = new int[Width];
        Array.Fill(result, ColumnFull);
        ulong opp = cur ^ mask;
        // The value of the position bounds every column's value from above: a lost position needs no more
        // search, a drawn one needs one test per column (draw or loss?), a won one one or two.
        int value = SolveRoot(cur, mask, moves);
        ulong wins = WinningCells(cur, mask);
        foreach (int c in CentreFirst)
        {
            if ((mask & TopCell(c)) != 0) continue;
            ulong move = (mask + BottomCell(c)) & ColumnCells(c);
            int v;
            if ((move & wins) != 0) v = 1;
            else if (value < 0 || moves + 1 == Cells) v = value < 0 ? -1 : 0;
            // The child's player to move is the opponent: its value is minus the column's.
            // In a won position a column that is not the winning one is lost about as often as won, and a
            // lost column is settled by one test ("does the opponent win?"), so that test comes first.
            else if (value == 0) v = Negamax(opp, mask | move, moves + 1, 0, 1) >= 1 ? -1 : 0;
            else if (Negamax(opp, mask | move, moves + 1, 0, 1) >= 1) v = -1;
            else v = Negamax(opp, mask | move, moves + 1, -1, 0) < 0 ? 1 : 0;
            result[c] = v;
        }
        return result;
    }

    /// <summary>The symbol of a column result: <c>W</c>, <c>D</c>, <c>L</c>, or <c>-</c> for a full column (null).</summary>
    public static char Symbol(GameOutcome? outcome) => outcome switch
    {
        GameOutcome.Win => 'W',
        GameOutcome.Draw => 'D',
        GameOutcome.Loss => 'L',
        _ => '-',
    };

    /// <summary>
    /// Answers one line of the text protocol: <paramref name="line"/> is a move sequence as read by
    /// <see cref="ConnectFourState.FromMoves"/> (leading and trailing white space ignored; an empty line is
    /// the empty board); the answer is the sequence, a space, and the seven column results separated by
    /// spaces, e.g. <c>"4453 W D L W D L -"</c> (see <see cref="SolveColumns"/> and <see cref="Symbol"/>).
    /// A full board answers seven <c>-</c>.
    /// </summary>
    /// <exception cref="FormatException">The line is not a valid move sequence, or the game is already won.</exception>
    public string AnswerLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string moves = line.Trim();
        var state = ConnectFourState.FromMoves(moves);
        if (state.Winner >= 0)
            throw new FormatException(
                $"the game is already over: the {(state.Winner == 0 ? "first" : "second")} player has four in a row after {state.MoveNumber} moves");
        var columns = SolveColumns(state);
        var sb = new StringBuilder(moves.Length + 2 * Width);
        sb.Append(moves);
        foreach (var c in columns) sb.Append(' ').Append(Symbol(c));
        return sb.ToString();
    }

    /// <summary>The move loop for positions near the end, where the table costs more than it saves.</summary>
    private int SearchWithoutTable(ulong opp, ulong mask, ulong candidates, int moves, int alpha, int beta)
    {
        int best = -1;
        foreach (int c in CentreFirst)
        {
            ulong m = candidates & ColumnCells(c);
            if (m == 0) continue;
            int v = -Negamax(opp, mask | m, moves + 1, -beta, -alpha);
            if (v > best)
            {
                best = v;
                if (v > alpha)
                {
                    alpha = v;
                    if (alpha >= beta) break;
                }
            }
        }
        return best;
    }

    /// <summary>Value (−1, 0, +1) of a non-terminal position for the player to move.</summary>
    private int SolveRoot(ulong cur, ulong mask, int moves)
    {
        // Two null-window tests: win? then, if not, draw or loss?
        if (Negamax(cur, mask, moves, 0, 1) >= 1) return 1;
        return Negamax(cur, mask, moves, -1, 0) >= 0 ? 0 : -1;
    }

    /// <summary>Cells on rows 1, 3, 5 counted from 1 at the bottom (row indices 0, 2, 4).</summary>
    private const ulong EvenRowCells = BottomRow * 0b010101;

    /// <summary>Cells on rows 2, 4, 6 counted from 1 at the bottom (row indices 1, 3, 5).</summary>
    private const ulong OddRowCells = BottomRow * 0b101010;

    private const int RuleNotComputed = 2;

    /// <summary>
    /// What the static rules say about a position for the player to move: −1 a loss, 0 at most a draw, 1 nothing.
    /// </summary>
    internal static int StaticRule(ulong cur, ulong opp, ulong mask, int moves) =>
        (moves & 1) == 0 ? SecondPlayerBound(cur, opp, mask) : FirstPlayerWins(opp, cur, mask) ? -1 : 1;

    /// <summary>
    /// A static bound for positions with the first player to move, from a strategy of the second player:
    /// <em>claimeven</em> (answer in the column just played, which takes every empty cell on rows 2, 4, 6 of
    /// columns with an even number of empty cells) combined with <em>baseinverse</em> pairs (the lowest empty
    /// cells of two columns with an odd number of empty cells: when the first player takes one, the second
    /// takes the other, after which both columns are even). Returns 0 when the first player cannot make four
    /// against that strategy (value ≤ 0), −1 when moreover the second player's guaranteed cells contain four
    /// (the first player loses), 1 when the strategy proves nothing. With <paramref name="aftereven"/> (tests
    /// turn it off to see what it adds) a loss is also found when the fours the pairs leave to the first player can
    /// only be completed after a four of the second player (see <see cref="AfterevenSpoilsTheRest"/>).
    /// </summary>
    internal static int SecondPlayerBound(ulong first, ulong second, ulong mask, bool aftereven = true)
    {
        ulong empty = FullBoard & ~mask;
        ulong bottoms = (mask + BottomRow) & OddRowCells & FullBoard; // lowest empty cells of odd columns
        ulong firstMay = first | (empty & EvenRowCells) | bottoms;
        ulong secondSure = second | (empty & OddRowCells & ~bottoms);
        if (!HasFour(firstMay) || PairsSpoilAllFours(firstMay, bottoms))
            return HasFour(secondSure) ? -1 : 0;
        return aftereven && HasFour(secondSure) && AfterevenSpoilsTheRest(firstMay, bottoms, secondSure, empty) ? -1 : 1;
    }

    /// <summary>
    /// <em>Aftereven</em> on top of claimeven and baseinverse, for the player whose strategy answers every move of
    /// the other (the <em>controller</em>), when the cells it gets in every case (<paramref name="sure"/>) contain
    /// four: such a four is complete as soon as its empty cells are filled, so a four of the other player that
    /// needs, in every column of those empty cells, a cell above the highest of them can only be completed after
    /// the controller has won. Returns whether all the other fours inside <paramref name="otherMay"/> (the cells
    /// the other player may get) are spoiled by baseinverse pairs of <paramref name="bottoms"/>, so that the other
    /// player never makes four.
    /// </summary>
    [SkipLocalsInit]
    private static bool AfterevenSpoilsTheRest(ulong otherMay, ulong bottoms, ulong sure, ulong empty)
    {
        // The controller's sure fours, each as the cells above its empty cells, one set per column (at most 4).
        Span<ulong> above = stackalloc ulong[MaxAfterFours * 4];
        Span<int> columnsUsed = stackalloc int[MaxAfterFours];
        int fours = 0;
        AddSureFours(sure, empty, 1, above, columnsUsed, ref fours);
        AddSureFours(sure, empty, ColumnBits, above, columnsUsed, ref fours);
        AddSureFours(sure, empty, ColumnBits - 1, above, columnsUsed, ref fours);
        AddSureFours(sure, empty, ColumnBits + 1, above, columnsUsed, ref fours);
        if (BitOperations.PopCount(bottoms) > MaxPairedColumns) return false;
        Span<ulong> needs = stackalloc ulong[MaxLines];
        int lines = 0;
        ReadOnlySpan<ulong> a = above[..(4 * fours)];
        ReadOnlySpan<int> u = columnsUsed[..fours];
        return AddNeeds(otherMay, bottoms, 1, a, u, needs, ref lines)
            && AddNeeds(otherMay, bottoms, ColumnBits, a, u, needs, ref lines)
            && AddNeeds(otherMay, bottoms, ColumnBits - 1, a, u, needs, ref lines)
            && AddNeeds(otherMay, bottoms, ColumnBits + 1, a, u, needs, ref lines)
            && SomePairingCovers(bottoms, needs[..lines]);
    }

    private const int MaxAfterFours = 16;

    /// <summary>Adds the controller's fours inside <paramref name="sure"/> along step <paramref name="s"/>, each as the cells above its empty cells per column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSureFours(ulong sure, ulong empty, int s, Span<ulong> above, Span<int> columnsUsed, ref int fours)
    {
        for (ulong starts = sure & (sure >> s) & (sure >> (2 * s)) & (sure >> (3 * s)); starts != 0 && fours < MaxAfterFours; starts &= starts - 1)
        {
            ulong b = starts & (~starts + 1);
            ulong holes = (b | b << s | b << (2 * s) | b << (3 * s)) & empty;
            int used = 0;
            while (holes != 0)
            {
                ulong column = ColumnCells(BitOperations.TrailingZeroCount(holes) / ColumnBits);
                ulong top = 1UL << (63 - BitOperations.LeadingZeroCount(holes & column));
                above[4 * fours + used++] = column & ~((top << 1) - 1);
                holes &= ~column;
            }
            if (used > 0) columnsUsed[fours++] = used; // (a four without empty cells cannot occur in a game not over)
        }
    }

    /// <summary>
    /// Adds, for every four inside <paramref name="otherMay"/> along step <paramref name="s"/> that does not come
    /// after one of the sure fours (<paramref name="above"/>), the baseinverse bottoms it contains; false when
    /// such a four contains fewer than two of them (no pair can spoil it) or there are too many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AddNeeds(ulong otherMay, ulong bottoms, int s, ReadOnlySpan<ulong> above, ReadOnlySpan<int> columnsUsed, Span<ulong> needs, ref int lines)
    {
        for (ulong starts = otherMay & (otherMay >> s) & (otherMay >> (2 * s)) & (otherMay >> (3 * s)); starts != 0; starts &= starts - 1)
        {
            ulong b = starts & (~starts + 1);
            ulong line = b | b << s | b << (2 * s) | b << (3 * s);
            bool after = false;
            for (int f = 0; f < columnsUsed.Length && !after; f++)
            {
                after = true;
                for (int c = 0; c < columnsUsed[f] && after; c++) after = (line & above[4 * f + c]) != 0;
            }
            if (after) continue;
            ulong inLine = line & bottoms;
            if ((inLine & (inLine - 1)) == 0 || lines == needs.Length) return false;
            needs[lines++] = inLine;
        }
        return true;
    }

    /// <summary>
    /// Whether the cells of <paramref name="bottoms"/> can be split into pairs such that every four inside
    /// <paramref name="cells"/> contains both cells of one pair (so a player who gets only one cell of each
    /// pair completes none of them).
    /// </summary>
    private static bool PairsSpoilAllFours(ulong cells, ulong bottoms)
    {
        int k = BitOperations.PopCount(bottoms);
        if (k < 2 || k > MaxPairedColumns) return false;
        Span<ulong> needs = stackalloc ulong[MaxLines];
        int lines = 0;
        return CollectLines(cells, bottoms, 1, needs, ref lines)
            && CollectLines(cells, bottoms, ColumnBits, needs, ref lines)
            && CollectLines(cells, bottoms, ColumnBits - 1, needs, ref lines)
            && CollectLines(cells, bottoms, ColumnBits + 1, needs, ref lines)
            && SomePairingCovers(bottoms, needs[..lines]);
    }

    /// <summary>
    /// A static win for the first player when the second player is to move, from a strategy of the first
    /// player: answer in the column just played everywhere (the second player then gets the empty cells on rows
    /// 1, 3, 5 of columns with an even number of empty cells), pair the lowest cells of all but one column
    /// with an odd number of empty cells (baseinverse), and in the remaining odd column <c>u</c> the first player
    /// gets rows 1, 3, 5. If the first player already threatens to win on one of those cells of <c>u</c>, the
    /// second player must eventually play below it; if the second player cannot make four with the cells the
    /// strategy leaves it until then, the first player wins. With <paramref name="aftereven"/> (tests turn it off
    /// to see what it adds), the second player's fours that can only be completed after a four of the first
    /// player's sure cells do not count (see <see cref="AfterevenSpoilsTheRest"/>).
    /// </summary>
    internal static bool FirstPlayerWins(ulong first, ulong second, ulong mask, bool aftereven = true)
    {
        ulong threats = WinningCells(first, mask) & EvenRowCells;
        if (threats == 0) return false;
        ulong empty = FullBoard & ~mask;
        ulong bottoms = (mask + BottomRow) & OddRowCells & FullBoard; // lowest empty cells of odd columns
        for (ulong b = bottoms; b != 0; b &= b - 1)
        {
            int column = BitOperations.TrailingZeroCount(b) / ColumnBits;
            ulong col = ColumnCells(column);
            ulong t = threats & col;
            if (t == 0) continue;
            t &= ~t + 1; // the lowest threat in the column
            ulong others = bottoms & ~col;
            ulong secondMay = second | (empty & EvenRowCells & ~col) | others | (empty & col & OddRowCells & (t - 1));
            if (!HasFour(secondMay) || PairsSpoilAllFours(secondMay, others)) return true;
            // Aftereven: the first player's cells in every case (rows 2, 4, 6 of the claimeven columns, rows 1, 3, 5
            // of u below the threat).
            ulong firstSure = first | (empty & OddRowCells & ~col & ~others) | (empty & col & EvenRowCells & (t - 1));
            if (aftereven && HasFour(firstSure) && AfterevenSpoilsTheRest(secondMay, others, firstSure, empty)) return true;
        }
        return false;
    }

    private const int MaxPairedColumns = 6;
    private const int MaxLines = 24;

    /// <summary>
    /// Adds, for every four in <paramref name="cells"/> along step <paramref name="s"/>, the odd-column bottoms it
    /// contains. False when a four contains fewer than two of them (no pair can spoil it) or there are too many.
    /// </summary>
    private static bool CollectLines(ulong cells, ulong bottoms, int s, Span<ulong> needs, ref int count)
    {
        ulong starts = cells & (cells >> s) & (cells >> (2 * s)) & (cells >> (3 * s));
        while (starts != 0)
        {
            ulong b = starts & (~starts + 1);
            starts ^= b;
            ulong inLine = (b | b << s | b << (2 * s) | b << (3 * s)) & bottoms;
            if ((inLine & (inLine - 1)) == 0 || count == needs.Length) return false;
            needs[count++] = inLine;
        }
        return true;
    }

    /// <summary>Whether the cells of <paramref name="bottoms"/> can be split into pairs so that every set in <paramref name="needs"/> contains a whole pair.</summary>
    private static bool SomePairingCovers(ulong bottoms, ReadOnlySpan<ulong> needs)
    {
        if (needs.IsEmpty) return true;
        if (bottoms == 0) return false;
        ulong a = bottoms & (~bottoms + 1);
        ulong rest = bottoms ^ a;
        Span<ulong> left = stackalloc ulong[needs.Length];
        for (ulong r = rest; r != 0; r &= r - 1)
        {
            ulong pair = a | (r & (~r + 1));
            // Keep only the sets this pair does not already cover.
            int n = 0;
            foreach (ulong need in needs)
                if ((need & pair) != pair) left[n++] = need;
            if (SomePairingCovers(rest & ~pair, left[..n])) return true;
        }
        return false;
    }

    /// <summary>Positions with this many stones or more are searched without the transposition table.</summary>
    private const int TableMaxStones = 38;

    /// <summary>Enhanced transposition cutoffs are tried in positions with fewer stones than this.</summary>
    private const int EtcMaxStones = 34;
    private const int KeyShift = 7;
    private const ulong KeyBits = (1UL << 49) - 1;
    private const int WorkShift = 56;

    /// <summary>Nodes with fewer stones than this take part in sharing the work between two threads.</summary>
    private const int SplitMaxStones = 18;
    private const int BusyBits = 12;
    private const int BusySlots = 1 << BusyBits;

    /// <summary>Whether the other thread is searching the position with canonical key <paramref name="key"/> now.</summary>
    private bool IsBusyElsewhere(ulong key)
    {
        ulong mark = Volatile.Read(ref _busy[(int)((key * 0x9E3779B97F4A7C15UL) >> (64 - BusyBits))]);
        return mark >> 1 == key && (mark & 1) != _threadId;
    }

    /// <summary>
    /// Fail-soft negamax over the values −1, 0, +1 of the non-terminal position (<paramref name="cur"/>,
    /// <paramref name="mask"/>) with <paramref name="moves"/> stones, within the window
    /// (<paramref name="alpha"/>, <paramref name="beta"/>).
    /// </summary>
    private int Negamax(ulong cur, ulong mask, int moves, int alpha, int beta, int rule = RuleNotComputed)
    {
        if (_stop) throw new OperationCanceledException(); // only a helper is ever stopped
        long nodesBefore = _nodes++;
        ulong playable = (mask + BottomRow) & FullBoard;
        if ((WinningCells(cur, mask) & playable) != 0) return 1;
        if (moves >= Cells - 1) return 0; // one cell left and it does not win: draw
        ulong opp = cur ^ mask;
        ulong oppWins = WinningCells(opp, mask);
        ulong forced = playable & oppWins;
        if (forced != 0)
        {
            if ((forced & (forced - 1)) != 0) return -1; // two threats: cannot block both
            playable = forced;
        }
        ulong candidates = playable & ~(oppWins >> 1); // never play just below an opponent's winning cell
        if (candidates == 0) return -1;
        if ((candidates & (candidates - 1)) == 0) // a single move: no table, no ordering
            return -Negamax(opp, mask | candidates, moves + 1, -beta, -alpha);

        // Static bounds. A player who cannot make four even with every empty cell cannot win.
        ulong empty = FullBoard & ~mask;
        int lower = -1, upper = 1;
        if (!HasFour(cur | empty)) upper = 0;
        if (!HasFour(opp | empty)) lower = 0;
        if (rule == RuleNotComputed) rule = _useRules ? StaticRule(cur, opp, mask, moves) : 1;
        if (rule < 0) return -1;
        if (rule == 0) upper = 0;
        if (lower >= beta) return lower;
        if (upper <= alpha) return upper;
        if (lower > alpha) alpha = lower;
        if (upper < beta) beta = upper;

        if (moves >= TableMaxStones) return SearchWithoutTable(opp, mask, candidates, moves, alpha, beta);

        // Transposition table: buckets of two entries, the first keeps the bigger search (work), the second
        // is always replaced. A position and its mirror image share an entry (best moves are mirrored).
        ulong key = Key(cur, mask);
        ulong mirror = MirrorKey(key);
        bool mirrored = mirror < key;
        if (mirrored) key = mirror;
        ulong* bucket = _table + (((key * 0x9E3779B97F4A7C15UL) >> _shift) & ~1UL);
        ref ulong e0 = ref bucket[0];
        ref ulong e1 = ref bucket[1];
        int hint = -1;
        // Each slot is read once: with two threads, a second read could see another position's entry.
        ulong s0 = e0, s1 = e1;
        ulong entry = ((s0 >> KeyShift) & KeyBits) == key ? s0 : ((s1 >> KeyShift) & KeyBits) == key ? s1 : 0;
        if (entry != 0)
        {
            lower = Math.Max(lower, (int)((entry >> 2) & 3) - 1);
            upper = Math.Min(upper, (int)(entry & 3) - 1);
            if (lower >= beta) return lower;
            if (upper <= alpha) return upper;
            if (lower > alpha) alpha = lower;
            if (upper < beta) beta = upper;
            hint = (int)((entry >> 4) & 7) - 1;
            if (hint >= 0 && mirrored) hint = Width - 1 - hint;
        }

        // Order the candidate moves: the table's best move first, then most winning cells created, centre
        // first among equals.
        Span<ulong> order = stackalloc ulong[Width];
        Span<int> scores = stackalloc int[Width];
        Span<int> rules = stackalloc int[Width];
        ulong* childBuckets = stackalloc ulong[Width]; // (ulong*) of each child's bucket, in search order
        ulong* childKeys = stackalloc ulong[Width];
        bool childrenUseTable = moves + 1 < TableMaxStones;
        int n = 0;
        foreach (int c in CentreFirst)
        {
            ulong m = candidates & ColumnCells(c);
            if (m == 0) continue;
            ulong ck = 0, cb = 0;
            if (childrenUseTable)
            {
                // Fetch the child's bucket into the cache now: the cutoff test below and the child's own
                // lookup read it after the static rules have been computed.
                ck = Key(opp, mask | m);
                ulong cm = MirrorKey(ck);
                if (cm < ck) ck = cm;
                cb = (ulong)(_table + (((ck * 0x9E3779B97F4A7C15UL) >> _shift) & ~1UL));
                if (Sse.IsSupported) Sse.Prefetch0((void*)cb);
            }
            // Winning cells directly above an opponent's winning cell are left out: the opponent would take the
            // cell below first (or never let it be filled), so such a threat rarely counts. Ties go to the killers.
            int score = c == hint ? 1000
                : 2 * BitOperations.PopCount(WinningCells(cur | m, mask | m) & ~(oppWins << 1)) + (m == _killers[2 * moves] || m == _killers[2 * moves + 1] ? 1 : 0);
            int childRule = RuleNotComputed;
            if (_useRules)
            {
                // Static rules applied to the child: a move they prove good enough ends the search. (A move they
                // only prove to draw is not tried first when a win is sought: that ordering searched 12 % more nodes.)
                childRule = StaticRule(opp, cur | m, mask | m, moves + 1);
                if (-childRule >= beta) return -childRule;
            }
            int i = n++;
            while (i > 0 && scores[i - 1] < score)
            {
                order[i] = order[i - 1];
                scores[i] = scores[i - 1];
                rules[i] = rules[i - 1];
                childBuckets[i] = childBuckets[i - 1];
                childKeys[i] = childKeys[i - 1];
                i--;
            }
            order[i] = m;
            scores[i] = score;
            rules[i] = childRule;
            childBuckets[i] = cb;
            childKeys[i] = ck;
        }

        // Enhanced transposition cutoff: a child already known to be good enough ends the search.
        if (moves < EtcMaxStones)
        {
            for (int i = 0; i < n; i++)
            {
                ulong ck = childKeys[i];
                ulong* cb = (ulong*)childBuckets[i];
                ulong c0 = cb[0], c1 = cb[1];
                ulong ce = ((c0 >> KeyShift) & KeyBits) == ck ? c0 : ((c1 >> KeyShift) & KeyBits) == ck ? c1 : 0;
                if (ce != 0 && -((int)(ce & 3) - 1) >= beta) return -((int)(ce & 3) - 1);
            }
        }

        int alpha0 = alpha, best = -1;
        ulong bestMove = order[0];
        // Two threads: near the root, mark this node as being searched, and put off the moves (all but the
        // first) whose child the other thread is searching; they are searched last (often found in the table).
        bool split = _threads + (int)_threadId > 1 && moves < SplitMaxStones;
        int busySlot = (int)((key * 0x9E3779B97F4A7C15UL) >> (64 - BusyBits));
        ulong busyMark = key << 1 | _threadId;
        if (split) Volatile.Write(ref _busy[busySlot], busyMark);
        int putOff = 0;
        for (int i = 0; i < n; i++)
        {
            if (split && i > 0 && IsBusyElsewhere(childKeys[i]))
            {
                putOff |= 1 << i;
                continue;
            }
            int v = -Negamax(opp, mask | order[i], moves + 1, -beta, -alpha, rules[i]);
            if (v > best)
            {
                best = v;
                bestMove = order[i];
                if (v > alpha)
                {
                    alpha = v;
                    if (alpha >= beta)
                    {
                        if (_killers[2 * moves] != order[i])
                        {
                            _killers[2 * moves + 1] = _killers[2 * moves];
                            _killers[2 * moves] = order[i];
                        }
                        putOff = 0;
                        break;
                    }
                }
            }
        }
        for (; putOff != 0; putOff &= putOff - 1)
        {
            int i = BitOperations.TrailingZeroCount(putOff);
            int v = -Negamax(opp, mask | order[i], moves + 1, -beta, -alpha, rules[i]);
            if (v > best)
            {
                best = v;
                bestMove = order[i];
                if (v > alpha)
                {
                    alpha = v;
                    if (alpha >= beta) break;
                }
            }
        }
        if (split && _busy[busySlot] == busyMark) Volatile.Write(ref _busy[busySlot], 0);

        // best >= beta: a lower bound; best <= alpha (before the loop): an upper bound; otherwise exact.
        if (best >= beta) lower = best;
        else if (best <= alpha0) upper = best;
        else lower = upper = best;
        int bestColumn = BitOperations.TrailingZeroCount(bestMove) / ColumnBits;
        if (mirrored) bestColumn = Width - 1 - bestColumn;
        ulong work = (ulong)BitOperations.Log2((ulong)(_nodes - nodesBefore));
        ulong newEntry = work << WorkShift | key << KeyShift | (uint)(bestColumn + 1) << 4 | (uint)(lower + 1) << 2 | (uint)(upper + 1);
        if (((e0 >> KeyShift) & KeyBits) == key) e0 = newEntry;
        else if (work >= e0 >> WorkShift)
        {
            if (((e1 >> KeyShift) & KeyBits) != key) e1 = e0; // keep the displaced big entry in the second slot
            e0 = newEntry;
        }
        else e1 = newEntry;
        return best;
    }
}
