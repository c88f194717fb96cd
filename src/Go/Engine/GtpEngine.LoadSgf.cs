using System.Globalization;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

public sealed partial class GtpEngine
{
    /// <summary>
    /// <c>loadsgf file [move_number]</c>: board size, komi, setup stones and moves from the SGF file's main line
    /// (<see cref="Sgf"/>), replayed up to the position before <c>move_number</c> (1 = the position before the
    /// first move; omitted or past the end: the whole game). Moves stay in the history, so <c>undo</c> takes them
    /// back down to the setup. On failure (<c>? cannot load file: …</c>) the game is left as it was.
    /// </summary>
    private GtpOutcome LoadSgf(IReadOnlyList<string> a)
    {
        if (a.Count is < 1 or > 2) return Syntax("loadsgf takes a file name and an optional move number");
        int moveNumber = int.MaxValue;
        if (a.Count == 2 && (!int.TryParse(a[1], NumberStyles.None, CultureInfo.InvariantCulture, out moveNumber) || moveNumber < 1))
            return Syntax("the move number must be a positive integer");
        string path = a[0];
        if (!File.Exists(path)) return Fail($"cannot load file: {path} does not exist");
        SgfRecord record;
        try { record = Sgf.ReadFile(path); }
        catch (Exception e) when (e is SgfException or IOException or UnauthorizedAccessException or System.Text.DecoderFallbackException)
        {
            return Fail($"cannot load file: {e.Message}");
        }
        if (!_options.Accepts(record.Size)) return Fail($"cannot load file: board size {record.Size} is not supported");
        if (!double.IsFinite(record.Komi)) return Fail("cannot load file: the komi is not a finite number");
        var game = new GoGame(record.Size, record.Komi, inputs: _options.Inputs);
        try { record.Replay(game); } // checks every move (turn order, legality) and names the first bad one
        catch (SgfException e) { return Fail($"cannot load file: {e.Message}"); }

        GoState start;
        try { start = record.InitialState(game); }
        catch (SgfException e) { return Fail($"cannot load file: {e.Message}"); }
        var (oldGame, oldMoves, oldStates) = (_game, _moves.ToArray(), _states.ToArray());
        _game = game;
        Reset(start);
        foreach (var move in record.Moves.Take(moveNumber - 1))
        {
            if (Position.IsTerminal && move.Action == game.PassAction) continue; // extra passes after the end (GNU Go writes them)
            int player = (int)move.Colour;
            if (!ToMove(Position, player).IsLegal(move.Action))
            {
                int number = _moves.Count + 1;
                _game = oldGame;
                _moves.Clear();
                _moves.AddRange(oldMoves);
                _states.Clear();
                _states.AddRange(oldStates);
                return Fail($"cannot load file: move {number} ({move.Colour} {game.ActionToString(move.Action)}) is illegal");
            }
            Apply(player, move.Action);
        }
        return Ok("");
    }
}
