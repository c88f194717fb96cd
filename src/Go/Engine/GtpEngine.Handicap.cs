using System.Globalization;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

public sealed partial class GtpEngine
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
    public static IReadOnlyList<(int X, int Y)>? FixedHandicapPoints(int stones, int size)
    {
        if (stones < 2 || stones > MaxFixedHandicap(size)) return null;
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
    public static int MaxFixedHandicap(int size) => size < 7 ? 0 : size % 2 == 0 || size == 7 ? 4 : 9;

    /// <summary><c>fixed_handicap N</c>: Black's handicap stones on the standard points of an empty board; White moves next.</summary>
    private GtpOutcome FixedHandicap(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !int.TryParse(a[0], NumberStyles.None, CultureInfo.InvariantCulture, out int stones))
            return Syntax("fixed_handicap takes a number of stones");
        if (!BoardEmpty) return Fail("board not empty");
        var points = FixedHandicapPoints(stones, _game.Size);
        if (points is null)
            return Fail(MaxFixedHandicap(_game.Size) == 0
                ? $"invalid number of stones: no fixed handicap on a {_game.Size}x{_game.Size} board"
                : $"invalid number of stones: 2 to {MaxFixedHandicap(_game.Size)} on a {_game.Size}x{_game.Size} board");
        return PlaceHandicap(points.Select(p => p.Y * _game.Size + p.X).ToList());
    }

    /// <summary><c>place_free_handicap N</c>: the engine chooses the points; it uses the fixed layout, so it places at
    /// most as many stones as <c>fixed_handicap</c> allows (the response lists the stones placed).</summary>
    private GtpOutcome PlaceFreeHandicap(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !int.TryParse(a[0], NumberStyles.None, CultureInfo.InvariantCulture, out int stones))
            return Syntax("place_free_handicap takes a number of stones");
        if (!BoardEmpty) return Fail("board not empty");
        if (stones < 2 || stones > _game.Points - 1) return Fail($"invalid number of stones: 2 to {_game.Points - 1}");
        var points = FixedHandicapPoints(Math.Min(stones, MaxFixedHandicap(_game.Size)), _game.Size);
        if (points is null) return Fail($"invalid number of stones: this engine places no handicap on a {_game.Size}x{_game.Size} board");
        return PlaceHandicap(points.Select(p => p.Y * _game.Size + p.X).ToList());
    }

    /// <summary><c>set_free_handicap v1 v2 …</c>: Black's handicap stones where the controller says; White moves next.</summary>
    private GtpOutcome SetFreeHandicap(IReadOnlyList<string> a)
    {
        if (!BoardEmpty) return Fail("board not empty");
        if (a.Count < 2 || a.Count > _game.Points - 1) return Fail($"bad vertex list: 2 to {_game.Points - 1} vertices");
        var points = new List<int>();
        foreach (var v in a)
        {
            if (!_game.TryParseAction(v, out int action) || action == _game.PassAction) return Fail($"bad vertex list: '{v}' is not a point of a {_game.Size}x{_game.Size} board");
            if (points.Contains(action)) return Fail($"bad vertex list: {v} is listed twice");
            points.Add(action);
        }
        PlaceHandicap(points);
        return Ok(""); // the controller chose the points: the response is empty
    }

    private bool BoardEmpty => Position.StoneCount(GoState.Black) + Position.StoneCount(GoState.White) == 0;

    /// <summary>Starts the game from the handicap stones (not moves: <c>undo</c> does not take them back), White to
    /// play; the reply lists the stones.</summary>
    private GtpReply PlaceHandicap(IReadOnlyList<int> points)
    {
        var board = Enumerable.Range(0, _game.Size).Select(_ => new char[_game.Size]).ToArray();
        foreach (var row in board) Array.Fill(row, '.');
        foreach (int p in points) board[_game.Size - 1 - p / _game.Size][p % _game.Size] = 'X';
        Reset(GoState.FromDiagram(_game, string.Join('\n', board.Select(r => new string(r))), currentPlayer: 1));
        return Ok(string.Join(' ', points.Select(_game.ActionToString)));
    }

    /// <summary><c>final_status_list alive|dead|seki</c>: the stones of that status by <see cref="DeadStones"/>' rule,
    /// one chain per line. The rule does not recognise seki, so <c>seki</c> lists nothing and such chains count as dead.</summary>
    private GtpOutcome FinalStatusList(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || a[0].ToLowerInvariant() is not ("alive" or "dead" or "seki"))
            return Syntax("final_status_list takes alive, dead or seki");
        string status = a[0].ToLowerInvariant();
        if (status == "seki") return Ok("");
        var chains = status == "dead"
            ? DeadStones.DeadChains(Position, GoState.Black).Concat(DeadStones.DeadChains(Position, GoState.White))
            : DeadStones.AliveChains(Position, GoState.Black).Concat(DeadStones.AliveChains(Position, GoState.White));
        return Ok(string.Join('\n', chains.Select(c => string.Join(' ', c.Select(_game.ActionToString)))));
    }
}
