using System.Text;

namespace SelfPlayBN.Games.ConnectFour;

/// <summary>
/// A position labelled by the perfect solver: the move sequence that reaches it and, for each column, the result
/// for the player to move of playing there with perfect play after (<c>null</c> for a full column).
/// </summary>
/// <param name="Moves">Columns played, <c>1</c>..<c>7</c> per move, first player first (see <see cref="ConnectFourState.FromMoves"/>).</param>
/// <param name="Columns">Seven results, for columns 0..6, from the view of the player to move.</param>
public sealed record ConnectFourLabelledPosition(string Moves, IReadOnlyList<GameOutcome?> Columns)
{
    /// <summary>The position.</summary>
    public ConnectFourState State => ConnectFourState.FromMoves(Moves);

    /// <summary>The best result over the legal columns.</summary>
    public GameOutcome Best => Columns.Where(c => c is not null).Max(c => c!.Value);

    /// <summary>The columns (0-based actions) whose result is <see cref="Best"/>: the optimal moves.</summary>
    public IReadOnlyList<int> OptimalColumns => Enumerable.Range(0, Columns.Count).Where(c => Columns[c] == Best).ToArray();

    /// <summary>The line of the data file: the moves, then the seven symbols <c>W D L -</c> (as <see cref="ConnectFourSolver.AnswerLine"/> writes).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Moves);
        foreach (var c in Columns) sb.Append(' ').Append(ConnectFourSolver.Symbol(c));
        return sb.ToString();
    }

    /// <summary>Parses a line written by <see cref="ToString"/> (checks the shape, not the labels: the solver does).</summary>
    /// <exception cref="FormatException">Not seven symbols, a bad symbol, an invalid move sequence, a finished game, or a
    /// symbol that disagrees with whether its column is full.</exception>
    public static ConnectFourLabelledPosition Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 8) throw new FormatException($"expected moves and 7 column results, got '{line}'");
        var state = ConnectFourState.FromMoves(parts[0]);
        if (state.IsTerminal) throw new FormatException($"'{parts[0]}': the game is over");
        var columns = new GameOutcome?[ConnectFourBitboard.Width];
        for (int c = 0; c < columns.Length; c++)
        {
            columns[c] = parts[c + 1] switch
            {
                "W" => GameOutcome.Win,
                "D" => GameOutcome.Draw,
                "L" => GameOutcome.Loss,
                "-" => null,
                var s => throw new FormatException($"'{s}' is not one of W, D, L, - (line '{line}')"),
            };
            if ((columns[c] is null) != state.IsColumnFull(c))
                throw new FormatException($"column {c + 1} of '{parts[0]}' is {(state.IsColumnFull(c) ? "full" : "open")} but labelled '{parts[c + 1]}'");
        }
        return new ConnectFourLabelledPosition(parts[0], columns);
    }
}

/// <summary>
/// The fixed labelled set of Connect Four positions that measures move accuracy against the perfect solver, and its
/// generator. The set is generated once (<c>scripts/labelled-positions.cs</c>) and shipped as
/// <c>data/labelled-positions.txt</c>, embedded in this assembly; solving at evaluation time would cost seconds per position.
/// </summary>
public static class ConnectFourLabelledPositions
{
    /// <summary>Name of the embedded data file.</summary>
    public const string ResourceName = "SelfPlayBN.Games.ConnectFour.labelled-positions.txt";

    /// <summary>The shipped set, in file order (the first <c>n</c> lines are the set of size <c>n</c>).</summary>
    public static IReadOnlyList<ConnectFourLabelledPosition> Load()
    {
        using var stream = typeof(ConnectFourLabelledPositions).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Read(reader);
    }

    /// <summary>Reads a data file: one <see cref="ConnectFourLabelledPosition"/> line each; blank lines and lines
    /// starting with <c>#</c> are skipped.</summary>
    public static IReadOnlyList<ConnectFourLabelledPosition> Read(TextReader reader)
    {
        var list = new List<ConnectFourLabelledPosition>();
        int n = 0;
        while (reader.ReadLine() is { } line)
        {
            n++;
            if (line.Length == 0 || line[0] == '#') continue;
            try { list.Add(ConnectFourLabelledPosition.Parse(line)); }
            catch (FormatException e) { throw new FormatException($"line {n}: {e.Message}", e); }
        }
        return list;
    }

    /// <summary>
    /// Random move sequences (deterministic in <paramref name="seed"/>): for each, a length drawn uniformly from
    /// [<paramref name="minStones"/>, <paramref name="maxStones"/>], uniform random legal moves; sequences that end the
    /// game, repeat an earlier one, or are not <see cref="IsQuiet"/> are dropped (and so are positions that leave
    /// nothing to choose, every legal column with the same result — only known after solving, so <see cref="Label"/>
    /// filters those).
    /// </summary>
    public static IEnumerable<string> RandomSequences(int seed, int minStones, int maxStones)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minStones);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxStones, ConnectFourBitboard.Cells - 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minStones, maxStones);
        var rng = new Random(seed);
        var seen = new HashSet<string>();
        var legal = new int[ConnectFourBitboard.Width];
        while (true)
        {
            int stones = rng.Next(minStones, maxStones + 1);
            var state = ConnectFourGame.Instance.Initial;
            var moves = new StringBuilder(stones);
            while (moves.Length < stones && !state.IsTerminal)
            {
                int n = state.GetLegalActions(legal);
                int c = legal[rng.Next(n)];
                state = state.Play(c);
                moves.Append((char)('1' + c));
            }
            if (state.IsTerminal || !IsQuiet(state)) continue;
            string s = moves.ToString();
            if (seen.Add(s)) yield return s;
        }
    }

    /// <summary>
    /// Whether neither side can win at once: no playable cell completes a four for the player to move (an immediate
    /// win) or for the opponent (a forced block). Random positions are dominated by such one-move tactics, which any
    /// search finds; the labelled set keeps the positions where the choice is strategic.
    /// </summary>
    public static bool IsQuiet(ConnectFourState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ulong playable = ConnectFourBitboard.Playable(state.Mask);
        return (ConnectFourBitboard.WinningCells(state.CurrentStones, state.Mask) & playable) == 0
            && (ConnectFourBitboard.WinningCells(state.OpponentStones, state.Mask) & playable) == 0;
    }

    /// <summary>
    /// Labels <paramref name="count"/> positions from <see cref="RandomSequences"/> with <paramref name="solver"/>,
    /// keeping only those where some legal column is worse than the best (a position where every move is optimal
    /// measures nothing).
    /// </summary>
    public static IEnumerable<ConnectFourLabelledPosition> Label(ConnectFourSolver solver, int count, int seed, int minStones, int maxStones)
    {
        ArgumentNullException.ThrowIfNull(solver);
        int made = 0;
        foreach (var moves in RandomSequences(seed, minStones, maxStones))
        {
            if (made == count) yield break;
            var p = new ConnectFourLabelledPosition(moves, solver.SolveColumns(ConnectFourState.FromMoves(moves)));
            if (p.Columns.Count(c => c is not null && c != p.Best) == 0) continue;
            made++;
            yield return p;
        }
    }
}
