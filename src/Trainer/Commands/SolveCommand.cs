using System.CommandLine;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>solve GAME</c>: reads positions from standard input, one per line, and prints the perfect-play result
/// of every move. Only <c>connect4</c> is supported: a line is a move sequence such as <c>4453</c> (columns
/// 1-7, first player first) and the answer is the sequence followed by seven symbols, one per column:
/// <c>W</c>/<c>D</c>/<c>L</c> for the result of playing there for the player to move, <c>-</c> for a full
/// column (e.g. <c>121212 W L L L L L L</c>: only column 1 wins).
/// </summary>
/// <remarks>
/// Leading and trailing white space of a line is ignored, and a blank line is the empty board (answered
/// like any other position, so the answer line then starts with a space; it takes about 15 s on two quiet cores in a
/// Release build; positions with 8 or more stones take about 0.1 s on average on two cores and up to about 0.5 s for
/// the hardest 8-stone ones, see docs/benchmarks.md). An invalid line (a bad character, a
/// move in a full column, moves after the game is won) prints <c>error: line N: '&lt;text&gt;': &lt;problem&gt;</c>
/// to standard error and the command goes on with the next line; the exit code is 1 when some line was
/// invalid, 0 otherwise. Every answer is flushed at once, so the command can be driven line by line through
/// a pipe. One solver (with its transposition table) serves all lines.
/// </remarks>
internal static class SolveCommand
{
    /// <summary>The games <c>solve</c> knows.</summary>
    internal static readonly string[] KnownGames = ["connect4"];

    public static Command Create(TextWriter output, TextWriter error) => Create(output, error, () => Console.In);

    /// <summary>Builds the command reading its positions from the reader <paramref name="input"/> returns (for tests).</summary>
    internal static Command Create(TextWriter output, TextWriter error, Func<TextReader> input)
    {
        var game = new Argument<string>("game") { Description = "The game: connect4." };
        var cmd = new Command("solve",
            "Solve positions read from standard input, one per line. For connect4 a line is a move sequence " +
            "such as 4453 (columns 1-7, first player first) and the answer is the sequence and, per column, " +
            "W/D/L for the player to move (perfect play by both sides) or - for a full column, e.g. " +
            "'121212 W L L L L L L'. A blank line is the empty board (slower: about 15 s). Invalid lines " +
            "are reported on standard error as 'error: line N: ...' and skipped; the exit code is then 1.");
        cmd.Arguments.Add(game);
        cmd.SetAction(parse =>
        {
            string name = parse.GetValue(game) ?? "";
            if (!KnownGames.Contains(name))
                throw new UserInputException($"unknown game '{name}' for solve (known: {string.Join(", ", KnownGames)})");
            return Run(input(), output, error);
        });
        return cmd;
    }

    /// <summary>Answers every line of <paramref name="input"/>; returns the exit code (1 if any line was invalid).</summary>
    internal static int Run(TextReader input, TextWriter output, TextWriter error, ConnectFourSolver? solver = null)
    {
        solver ??= new ConnectFourSolver();
        return LineAnswers.AnswerEach(input, output, error, solver.AnswerLine, (line, e) => $"'{line}': {e.Message}");
    }
}
