namespace SelfPlayBN.Games.Go;

/// <summary>Handicap stones: the fixed layout of GTP v2, used by the GTP engine's handicap commands and by matches.</summary>
public static class GoHandicap
{
    /// <summary>
    /// The fixed handicap points of GTP v2 (section 4.1.1 of the specification): on the third line from the edge
    /// on boards up to 12, the fourth on 13 and larger; lower-left and upper-right first, then upper-left,
    /// lower-right, the centre for odd counts, the left and right side points, and the bottom and top side points.
    /// At most 4 stones on 7×7 and even-sized boards (no centre or side points there), 9 on odd boards from 9×9;
    /// none below 7×7.
    /// </summary>
    /// <returns>The points as (x, y) from the lower-left corner (0-based), or <c>null</c> when the specification
    /// defines no placement for that many stones on that board.</returns>
    public static IReadOnlyList<(int X, int Y)>? FixedPoints(int stones, int size)
    {
        if (stones < 2 || stones > MaxFixed(size)) return null;
        int low = size < 13 ? 2 : 3, high = size - 1 - low, middle = size / 2;
        (int X, int Y)[] corners = [(low, low), (high, high), (low, high), (high, low)]; // lower-left, upper-right, upper-left, lower-right
        (int X, int Y) centre = (middle, middle), left = (low, middle), right = (high, middle), bottom = (middle, low), top = (middle, high);
        return stones switch
        {
            <= 4 => corners[..stones],
            5 => [.. corners, centre],
            6 => [.. corners, left, right],
            7 => [.. corners, left, right, centre],
            8 => [.. corners, left, right, bottom, top],
            _ => [.. corners, left, right, bottom, top, centre],
        };
    }

    /// <summary>The most stones <c>fixed_handicap</c> places on a board of <paramref name="size"/> (0: none).</summary>
    public static int MaxFixed(int size) => size < 7 ? 0 : size % 2 == 0 || size == 7 ? 4 : 9;

    /// <summary>The start of a handicap game: Black's stones on <paramref name="points"/> (actions of
    /// <paramref name="game"/>), White to move; the position is the first of its superko history.</summary>
    public static GoState Start(GoGame game, IEnumerable<int> points)
    {
        ArgumentNullException.ThrowIfNull(game);
        ArgumentNullException.ThrowIfNull(points);
        var rows = Enumerable.Range(0, game.Size).Select(_ => Enumerable.Repeat('.', game.Size).ToArray()).ToArray();
        foreach (int p in points)
        {
            if ((uint)p >= (uint)game.Points) throw new ArgumentOutOfRangeException(nameof(points), p, "a handicap stone must be on the board");
            rows[game.Size - 1 - p / game.Size][p % game.Size] = 'X';
        }
        return GoState.FromDiagram(game, string.Join('\n', rows.Select(r => new string(r))), currentPlayer: 1);
    }

    /// <summary>The fixed layout as actions of <paramref name="game"/>, or <c>null</c> (see <see cref="FixedPoints"/>).</summary>
    public static IReadOnlyList<int>? FixedActions(GoGame game, int stones)
    {
        ArgumentNullException.ThrowIfNull(game);
        return FixedPoints(stones, game.Size)?.Select(p => p.Y * game.Size + p.X).ToList();
    }
}
