using System.Diagnostics;
using SelfPlayBN.Games.ConnectFour;
using Xunit.Abstractions;

namespace SelfPlayBN.Games.Tests;

/// <summary>
/// A deliberately naive Connect Four referee for the solver tests: its own array board and four-in-a-row
/// check, and plain exhaustive minimax (no pruning, no table), so it shares nothing with the solver.
/// </summary>
internal sealed class ReferenceMinimax
{
    private readonly int[,] _cells = new int[7, 6]; // 0 empty, 1 first player, 2 second player
    private readonly int[] _heights = new int[7];
    private int _moves;

    public long Nodes { get; private set; }

    /// <summary>Sets up the position of a move string; false when the game is already over.</summary>
    public bool Load(string moves)
    {
        Array.Clear(_cells);
        Array.Clear(_heights);
        _moves = 0;
        foreach (char ch in moves)
            if (Drop(ch - '1')) return false;
        return true;
    }

    /// <summary>Per column, 'W'/'D'/'L' for the player to move, '-' for a full column.</summary>
    public string Columns()
    {
        var result = new char[7];
        for (int c = 0; c < 7; c++)
        {
            if (_heights[c] == 6) { result[c] = '-'; continue; }
            int v = Drop(c) ? 1 : _moves == 42 ? 0 : -Value();
            Undo(c);
            result[c] = v > 0 ? 'W' : v < 0 ? 'L' : 'D';
        }
        return new string(result);
    }

    /// <summary>Value for the player to move of a position that is not over: +1, 0, −1.</summary>
    private int Value()
    {
        Nodes++;
        int best = -2;
        for (int c = 0; c < 7; c++)
        {
            if (_heights[c] == 6) continue;
            int v = Drop(c) ? 1 : _moves == 42 ? 0 : -Value();
            Undo(c);
            if (v > best) best = v;
        }
        return best;
    }

    /// <summary>Plays in column c; true when that move makes four in a row.</summary>
    private bool Drop(int c)
    {
        int player = _moves % 2 + 1, r = _heights[c];
        _cells[c, r] = player;
        _heights[c]++;
        _moves++;
        foreach (var (dc, dr) in new[] { (1, 0), (0, 1), (1, 1), (1, -1) })
        {
            int count = 1;
            for (int k = 1; k < 4 && At(c + k * dc, r + k * dr) == player; k++) count++;
            for (int k = 1; k < 4 && At(c - k * dc, r - k * dr) == player; k++) count++;
            if (count >= 4) return true;
        }
        return false;
    }

    private void Undo(int c)
    {
        _heights[c]--;
        _cells[c, _heights[c]] = 0;
        _moves--;
    }

    private int At(int c, int r) => (uint)c < 7 && (uint)r < 6 ? _cells[c, r] : 0;
}

public sealed class ConnectFourSolverTests(ITestOutputHelper output)
{
    /// <summary>The solver shared by the tests of this class (xunit runs a class's tests one at a time).</summary>
    private static readonly ConnectFourSolver Shared = new(20);

    /// <summary>Random move strings of exactly <paramref name="stones"/> moves whose game is not over.</summary>
    internal static List<string> RandomPositions(int seed, int count, int stones)
    {
        var rng = new Random(seed);
        var result = new List<string>();
        while (result.Count < count)
        {
            var s = ConnectFourGame.Instance.Initial;
            var moves = new System.Text.StringBuilder();
            while (s.MoveNumber < stones && !s.IsTerminal)
            {
                int c = rng.Next(7);
                if (!s.IsLegal(c)) continue;
                s = s.Play(c);
                moves.Append((char)('1' + c));
            }
            if (!s.IsTerminal) result.Add(moves.ToString());
        }
        return result;
    }

    private static string Symbols(ConnectFourSolver solver, string moves) =>
        new(solver.SolveColumns(ConnectFourState.FromMoves(moves)).Select(ConnectFourSolver.Symbol).ToArray());

    [Fact]
    public void Solver_agrees_with_exhaustive_minimax_near_the_end()
    {
        var reference = new ReferenceMinimax();
        var positions = RandomPositions(101, 10, 28)
            .Concat(RandomPositions(102, 20, 30))
            .Concat(RandomPositions(103, 20, 32))
            .Concat(RandomPositions(104, 20, 34))
            .ToList();
        var sw = Stopwatch.StartNew();
        var seen = new HashSet<char>();
        foreach (string moves in positions)
        {
            Assert.True(reference.Load(moves));
            string expected = reference.Columns();
            Assert.Equal(expected, Symbols(Shared, moves));
            foreach (char ch in expected) seen.Add(ch);
        }
        output.WriteLine($"{positions.Count} positions, {reference.Nodes:N0} minimax nodes, {sw.Elapsed.TotalSeconds:F1} s");
        Assert.Contains('W', seen);
        Assert.Contains('D', seen);
        Assert.Contains('L', seen);
    }

    [Fact]
    public void Static_rules_do_not_change_any_value_in_the_middle_game()
    {
        // The plain alpha-beta search (no claimeven / baseinverse / odd-threat rules) is the reference here;
        // it is itself checked against exhaustive minimax above.
        var plain = new ConnectFourSolver(20, useStaticRules: false);
        foreach (string moves in RandomPositions(201, 10, 14).Concat(RandomPositions(202, 10, 18)).Concat(RandomPositions(203, 10, 22)))
            Assert.Equal(Symbols(plain, moves), Symbols(Shared, moves));
    }

    [Fact]
    public void A_tiny_table_gives_the_same_answers()
    {
        var tiny = new ConnectFourSolver(10);
        foreach (string moves in RandomPositions(301, 10, 16))
            Assert.Equal(Symbols(Shared, moves), Symbols(tiny, moves));
    }

    [Fact]
    public void Two_threads_give_the_same_answers_as_one()
    {
        // The two-thread search shares one table between the threads; only its speed may differ.
        var one = new ConnectFourSolver(20, threads: 1);
        var two = new ConnectFourSolver(20, threads: 2);
        foreach (string moves in RandomPositions(501, 3, 10).Concat(RandomPositions(502, 10, 14)).Concat(RandomPositions(503, 10, 20)))
        {
            Assert.Equal(Symbols(one, moves), Symbols(two, moves));
            var state = ConnectFourState.FromMoves(moves);
            Assert.Equal(one.Solve(state), two.Solve(state));
        }
    }

    [Fact]
    public void Thread_counts_other_than_one_or_two_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectFourSolver(12, threads: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectFourSolver(12, threads: -1));
    }

    [Fact]
    public void An_immediate_win_is_a_win()
    {
        // X has the bottom row of columns 1-3 and plays next: column 4 wins at once.
        Assert.Equal(GameOutcome.Win, Shared.Solve(ConnectFourState.FromMoves("112233")));
        Assert.Equal('W', Symbols(Shared, "112233776655")[3]);
    }

    [Fact]
    public void A_threat_must_be_blocked()
    {
        // O (to move second) has the bottom row of columns 1-3; X to move must block column 4 or lose at once.
        string s = Symbols(Shared, "717263");
        for (int c = 0; c < 7; c++)
            if (c != 3) Assert.Equal('L', s[c]);
        Assert.NotEqual('L', s[3]);
    }

    [Fact]
    public void Two_threats_cannot_both_be_blocked()
    {
        // X to move: playing column 3 or 6 makes three in a row on the bottom row with both ends open, so O,
        // to move next, loses whatever it plays.
        Assert.Equal("LLLLLLL", Symbols(Shared, "44553"));
        Assert.Equal("LLLLLLL", Symbols(Shared, "44556"));
        Assert.Equal(GameOutcome.Win, Shared.Solve(ConnectFourState.FromMoves("4455")));
    }

    [Fact]
    public void A_lost_position_is_lost_in_every_column()
    {
        // Known from the literature: whatever the side to move plays here, the opponent wins on its next move.
        Assert.Equal("LLLLLLL", Symbols(Shared, "44455554221"));
        Assert.Equal(GameOutcome.Loss, Shared.Solve(ConnectFourState.FromMoves("44455554221")));
    }

    [Fact]
    public void The_centre_opening_beats_the_centre_reply()
    {
        // Known result: the first player wins by starting in the centre column, whatever the reply (the whole
        // empty board is ConnectFourEmptyBoardTests). The main line: after 4 4 the first player, to move, wins.
        var solver = new ConnectFourSolver();
        var sw = Stopwatch.StartNew();
        Assert.Equal(GameOutcome.Win, solver.Solve(ConnectFourState.FromMoves("44")));
        output.WriteLine($"44: {sw.Elapsed.TotalSeconds:F1} s, {solver.NodeCount:N0} nodes");
    }

    [Fact]
    public void Full_columns_are_dashes_and_a_full_board_is_all_dashes()
    {
        string s = Shared.AnswerLine("444444172617");
        Assert.StartsWith("444444172617 ", s);
        Assert.Equal('-', s.Split(' ')[4][0]);
        Assert.Equal(ConnectFourTests.DrawGame + " - - - - - - -", Shared.AnswerLine(ConnectFourTests.DrawGame));
        // One cell left and it does not win: a draw.
        Assert.Equal(ConnectFourTests.DrawGame[..^1] + " - - - - - D -", Shared.AnswerLine(ConnectFourTests.DrawGame[..^1]));
    }

    [Fact]
    public void Answer_lines_have_the_sequence_and_seven_symbols()
    {
        string answer = Shared.AnswerLine("  4353453321 \t");
        var parts = answer.Split(' ');
        Assert.Equal(8, parts.Length);
        Assert.Equal("4353453321", parts[0]);
        Assert.All(parts.Skip(1), p => Assert.Contains(p, new[] { "W", "D", "L", "-" }));
        Assert.Equal(Symbols(Shared, "4353453321"), string.Concat(parts.Skip(1)));
    }

    [Theory]
    [InlineData("44a", "'a' at position 3")]
    [InlineData("4 4", "position 2")]
    [InlineData("1111111", "full")]
    [InlineData("1212121", "already over")]
    [InlineData("12121213", "end of the game")]
    public void Bad_lines_throw_format_exceptions(string line, string message)
    {
        var e = Assert.Throws<FormatException>(() => Shared.AnswerLine(line));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Node_count_grows_and_reset_clears_it()
    {
        var solver = new ConnectFourSolver(12);
        solver.SolveColumns(ConnectFourState.FromMoves("43534533211267"));
        long nodes = solver.NodeCount;
        Assert.True(nodes > 0);
        solver.ResetNodeCount();
        Assert.Equal(0, solver.NodeCount);
        solver.Reset();
        Assert.Equal(0, solver.NodeCount);
    }

    [Fact]
    public void After_a_reset_a_reused_solver_searches_exactly_like_a_new_one()
    {
        // Reset empties the table and the move-ordering memory (killer moves): one thread then visits exactly the
        // same nodes as a new solver, so node counts are reproducible benchmark figures.
        var positions = RandomPositions(601, 4, 12);
        var used = new ConnectFourSolver(16, threads: 1);
        foreach (string moves in positions) used.SolveColumns(ConnectFourState.FromMoves(moves));
        used.Reset();
        foreach (string moves in RandomPositions(602, 3, 12))
        {
            var fresh = new ConnectFourSolver(16, threads: 1);
            var state = ConnectFourState.FromMoves(moves);
            Assert.Equal(fresh.SolveColumns(state), used.SolveColumns(state));
            Assert.True(fresh.NodeCount > 0);
            Assert.Equal(fresh.NodeCount, used.NodeCount);
            used.Reset();
        }
    }

    [Fact]
    public void Positions_with_ten_stones_are_solved_quickly()
    {
        // A timing smoke test (generous bound, Debug build, shared CI machine): the benchmark reports real figures.
        var solver = new ConnectFourSolver();
        var sw = Stopwatch.StartNew();
        var positions = RandomPositions(401, 5, 10);
        foreach (string moves in positions) solver.SolveColumns(ConnectFourState.FromMoves(moves));
        output.WriteLine($"{positions.Count} positions of 10 stones: {sw.Elapsed.TotalSeconds:F2} s, {solver.NodeCount:N0} nodes");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
    }
}
