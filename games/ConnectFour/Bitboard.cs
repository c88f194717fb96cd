using System.Numerics;
using System.Runtime.CompilerServices;

namespace SelfPlayBN.Games.ConnectFour;

/// <summary>
/// Bitboard layout and bit tricks for 7×6 Connect Four.
/// </summary>
/// <remarks>
/// A set of cells is a <see cref="ulong"/> in which column <c>c</c> (0 = left) and row <c>r</c>
/// (0 = bottom) is bit <c>c·7 + r</c>. Each column takes 7 bits: the 6 playable rows and one sentinel bit
/// above the top row that is never a stone, so shifting a set of cells by 1 (vertical), 7 (horizontal),
/// 6 or 8 (diagonals) never wraps a line from one column into the next. Bits 49..63 are always zero.
/// A position is described by two sets: <c>mask</c> (all stones) and <c>current</c> (the stones of the
/// player to move); the opponent's stones are <c>current ^ mask</c>.
/// </remarks>
public static class ConnectFourBitboard
{
    /// <summary>Number of columns.</summary>
    public const int Width = 7;

    /// <summary>Number of playable rows.</summary>
    public const int Height = 6;

    /// <summary>Bits per column (the rows plus the sentinel bit).</summary>
    public const int ColumnBits = Height + 1;

    /// <summary>Number of cells on the board.</summary>
    public const int Cells = Width * Height;

    /// <summary>The bottom cell of every column.</summary>
    public const ulong BottomRow = 0b0000001_0000001_0000001_0000001_0000001_0000001_0000001UL;

    /// <summary>Every playable cell (sentinel bits excluded).</summary>
    public const ulong FullBoard = BottomRow * ((1UL << Height) - 1);

    /// <summary>The bottom cell of column <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BottomCell(int column) => 1UL << (column * ColumnBits);

    /// <summary>The top playable cell of column <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong TopCell(int column) => 1UL << (column * ColumnBits + Height - 1);

    /// <summary>All playable cells of column <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ColumnCells(int column) => ((1UL << Height) - 1) << (column * ColumnBits);

    /// <summary>The bit of the cell at <paramref name="column"/> and <paramref name="row"/> (row 0 = bottom).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Cell(int column, int row) => 1UL << (column * ColumnBits + row);

    /// <summary>The cells where a stone can be dropped now: the lowest empty cell of each non-full column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Playable(ulong mask) => (mask + BottomRow) & FullBoard;

    /// <summary>Whether <paramref name="stones"/> contain four in a row in any direction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasFour(ulong stones)
    {
        ulong m = stones & (stones >> 1); // vertical
        if ((m & (m >> 2)) != 0) return true;
        m = stones & (stones >> ColumnBits); // horizontal
        if ((m & (m >> (2 * ColumnBits))) != 0) return true;
        m = stones & (stones >> (ColumnBits - 1)); // diagonal going up to the left
        if ((m & (m >> (2 * (ColumnBits - 1)))) != 0) return true;
        m = stones & (stones >> (ColumnBits + 1)); // diagonal going up to the right
        return (m & (m >> (2 * (ColumnBits + 1)))) != 0;
    }

    /// <summary>
    /// The empty cells that would complete four in a row for the owner of <paramref name="stones"/>
    /// (whether or not they can be played now). <paramref name="mask"/> is the set of all stones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong WinningCells(ulong stones, ulong mask)
    {
        // Vertical: only the cell directly above three stacked stones.
        ulong w = (stones << 1) & (stones << 2) & (stones << 3);
        w |= LineCompletions(stones, ColumnBits);
        w |= LineCompletions(stones, ColumnBits - 1);
        w |= LineCompletions(stones, ColumnBits + 1);
        return w & (FullBoard ^ mask);
    }

    /// <summary>Cells that complete a four along the direction with bit step <paramref name="s"/>, for each of the four gap positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LineCompletions(ulong p, int s)
    {
        ulong below = (p << s) & (p << (2 * s)); // two stones on the lower-index side of the cell
        ulong above = (p >> s) & (p >> (2 * s)); // two stones on the higher-index side
        return (below & (p << (3 * s))) | (below & (p >> s)) | (above & (p << s)) | (above & (p >> (3 * s)));
    }

    /// <summary>Number of stones (set bits) in <paramref name="cells"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(ulong cells) => BitOperations.PopCount(cells);

    /// <summary>
    /// A unique 49-bit key of the position given by <paramref name="current"/> and <paramref name="mask"/>:
    /// per column, the current player's stones plus one marker bit just above the highest stone.
    /// The side to move follows from the stone count, so the key identifies the position completely.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Key(ulong current, ulong mask) => current + mask + BottomRow;

    /// <summary>The key of the left-right mirror image of a position, computed from its <see cref="Key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MirrorKey(ulong key)
    {
        const ulong col = (1UL << ColumnBits) - 1;
        return ((key & col) << 42) | ((key & (col << 7)) << 28) | ((key & (col << 14)) << 14) | (key & (col << 21))
             | ((key >> 14) & (col << 14)) | ((key >> 28) & (col << 7)) | ((key >> 42) & col);
    }
}
