using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Games.TicTacToe;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// A position written in its game's own notation, as <c>analyze</c> reads it from a line: the moves from the start.
/// Connect Four: the column digits <c>1</c>–<c>7</c> as <c>solve connect4</c> reads them (<c>4453</c>). Tic-tac-toe: the
/// cells played, <c>a1</c> to <c>c3</c> (column letter, row digit), first player first, with or without spaces
/// (<c>b2 a1</c>, <c>b2a1</c>). Go: GTP vertices or <c>pass</c> separated by spaces, Black first and alternating
/// (<c>D4 Q16 pass</c>), or the path of an SGF file ending in <c>.sgf</c> (its main line's last position). An empty line is
/// the start of the game.
/// </summary>
internal static class PositionText
{
    /// <summary>The position <paramref name="line"/> describes; throws <see cref="FormatException"/> naming the problem.</summary>
    public static IGameState Parse(IGame game, string line)
    {
        ArgumentNullException.ThrowIfNull(game);
        ArgumentNullException.ThrowIfNull(line);
        string text = line.Trim();
        switch (game)
        {
            case ConnectFourGame:
                return ConnectFourState.FromMoves(text.Replace(" ", "", StringComparison.Ordinal));
            case TicTacToeGame:
            {
                string cells = text.Replace(" ", "", StringComparison.Ordinal);
                if (cells.Length % 2 != 0) throw new FormatException($"'{text}' is not a list of cells a1 to c3");
                return Play(game, Enumerable.Range(0, cells.Length / 2).Select(i => cells.Substring(2 * i, 2)));
            }
            case GoGame go when text.EndsWith(".sgf", StringComparison.OrdinalIgnoreCase):
            {
                if (!File.Exists(text)) throw new FormatException($"SGF file '{text}' does not exist");
                try { return Sgf.ReadFile(text).FinalState(go); }
                catch (SgfException e) { throw new FormatException($"{text}: {e.Message}", e); }
                catch (IOException e) { throw new FormatException($"cannot read {text}: {e.Message}", e); }
            }
            default:
                return Play(game, text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    private static IGameState Play(IGame game, IEnumerable<string> moves)
    {
        var state = game.NewInitialState();
        int n = 0;
        foreach (string move in moves)
        {
            n++;
            if (!game.TryParseAction(move, out int action)) throw new FormatException($"move {n}, '{move}', is not a move of {game.Name}");
            if (state.IsTerminal) throw new FormatException($"move {n}, '{move}', comes after the end of the game");
            if (!state.IsLegal(action)) throw new FormatException($"move {n}, '{move}', is illegal there");
            state = state.Apply(action);
        }
        return state;
    }
}
