using System.Globalization;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

public sealed partial class GtpEngine
{
    /// <summary><c>fixed_handicap N</c>: Black's handicap stones on the standard points of an empty board; White moves next.</summary>
    private GtpOutcome FixedHandicap(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !int.TryParse(a[0], NumberStyles.None, CultureInfo.InvariantCulture, out int stones))
            return Syntax("fixed_handicap takes a number of stones");
        if (!BoardEmpty) return Fail("board not empty");
        var points = GoHandicap.FixedActions(_game, stones);
        if (points is null)
            return Fail(GoHandicap.MaxFixed(_game.Size) == 0
                ? $"invalid number of stones: no fixed handicap on a {_game.Size}x{_game.Size} board"
                : $"invalid number of stones: 2 to {GoHandicap.MaxFixed(_game.Size)} on a {_game.Size}x{_game.Size} board");
        return PlaceHandicap(points);
    }

    /// <summary><c>place_free_handicap N</c>: the engine chooses the points; it uses the fixed layout, so it places at
    /// most as many stones as <c>fixed_handicap</c> allows (the response lists the stones placed).</summary>
    private GtpOutcome PlaceFreeHandicap(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !int.TryParse(a[0], NumberStyles.None, CultureInfo.InvariantCulture, out int stones))
            return Syntax("place_free_handicap takes a number of stones");
        if (!BoardEmpty) return Fail("board not empty");
        if (stones < 2 || stones > _game.Points - 1) return Fail($"invalid number of stones: 2 to {_game.Points - 1}");
        var points = GoHandicap.FixedActions(_game, Math.Min(stones, GoHandicap.MaxFixed(_game.Size)));
        if (points is null) return Fail($"invalid number of stones: this engine places no handicap on a {_game.Size}x{_game.Size} board");
        return PlaceHandicap(points);
    }

    /// <summary>
    /// <c>set_free_handicap v1 v2 …</c>: Black's handicap stones where the controller says, played as Black moves
    /// one after the other (as Leela Zero does, so a network's history planes show them arriving; <c>undo</c> takes
    /// them back one by one); White moves next.
    /// </summary>
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
        foreach (int p in points) Apply(0, p);
        return Ok(""); // the controller chose the points: the response is empty
    }

    private bool BoardEmpty => Position.StoneCount(GoState.Black) + Position.StoneCount(GoState.White) == 0;

    /// <summary>Starts the game from the handicap stones (not moves: <c>undo</c> does not take them back, and the
    /// history is the handicap position alone, as Leela Zero anchors it after <c>fixed_handicap</c> and
    /// <c>place_free_handicap</c>), White to play; the reply lists the stones.</summary>
    private GtpReply PlaceHandicap(IReadOnlyList<int> points)
    {
        Reset(GoHandicap.Start(_game, points));
        return Ok(string.Join(' ', points.Select(_game.ActionToString)));
    }

    /// <summary><c>final_status_list alive|dead|seki</c>: the stones of that status by <see cref="DeadStones"/>' rule,
    /// one chain per line.</summary>
    private GtpOutcome FinalStatusList(IReadOnlyList<string> a)
    {
        var status = a.Count == 1 ? a[0].ToLowerInvariant() switch
        {
            "alive" => ChainStatus.Alive,
            "dead" => ChainStatus.Dead,
            "seki" => ChainStatus.Seki,
            _ => (ChainStatus?)null,
        } : null;
        if (status is null) return Syntax("final_status_list takes alive, dead or seki");
        var chains = DeadStones.Classify(Position).Where(c => c.Status == status).Select(c => c.Points);
        return Ok(string.Join('\n', chains.Select(c => string.Join(' ', c.Select(_game.ActionToString)))));
    }
}
