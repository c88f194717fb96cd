using SelfPlayBN.Games.TicTacToe;

namespace SelfPlayBN.Games.Tests;

public sealed class TicTacToeConformance : GameConformanceTests
{
    protected override IGame Game => TicTacToeGame.Instance;
}

public sealed class TicTacToeTests
{
    private static IGameState Play(params string[] moves)
    {
        var s = TicTacToeGame.Instance.NewInitialState();
        foreach (var m in moves)
        {
            Assert.True(TicTacToeGame.Instance.TryParseAction(m, out int a));
            s = s.Apply(a);
        }
        return s;
    }

    [Fact]
    public void Three_in_a_row_wins_for_the_player_who_made_it()
    {
        var s = Play("a1", "a2", "b1", "b2", "c1");
        Assert.True(s.IsTerminal);
        Assert.Equal(1, s.Returns(0));
        Assert.Equal(-1, s.Returns(1));
        Assert.Equal(1, s.CurrentPlayer);
    }

    [Fact]
    public void Diagonal_win_for_second_player()
    {
        var s = Play("a2", "a1", "b1", "b2", "c1", "c3");
        Assert.True(s.IsTerminal);
        Assert.Equal(1, s.Returns(1));
    }

    [Fact]
    public void Full_board_without_line_is_a_draw()
    {
        var s = Play("a1", "b1", "c1", "b2", "a2", "c2", "b3", "a3", "c3");
        Assert.True(s.IsTerminal);
        Assert.Equal(0, s.Returns(0));
        Assert.Equal(0, s.Returns(1));
    }

    [Fact]
    public void Observation_is_from_the_side_to_move()
    {
        var s = Play("b2"); // X in the centre, O to move
        var obs = new float[18];
        s.WriteObservation(obs);
        Assert.Equal(0f, obs[4]);      // O's own plane is empty
        Assert.Equal(1f, obs[9 + 4]);  // the opponent (X) has the centre
    }

    [Fact]
    public void Symmetries_are_the_eight_of_the_square()
    {
        var syms = TicTacToeGame.Instance.Symmetries;
        Assert.Equal(8, syms.Count);
        // The corner a1 (cell 0) visits all four corners under the rotations.
        var images = syms.Select(g => g.MapAction(0)).ToHashSet();
        Assert.Equal(new HashSet<int> { 0, 2, 6, 8 }, images);
        Assert.All(syms, g => Assert.Equal(4, g.MapAction(4)));
        Assert.Equal(8, syms.Select(g => string.Join(",", g.ActionMap.ToArray())).Distinct().Count());
    }
}

public sealed class TicTacToePerfectPlayerTests
{
    private static readonly TicTacToeState Empty = (TicTacToeState)TicTacToeGame.Instance.NewInitialState();

    private static TicTacToeState Play(params int[] cells) =>
        cells.Aggregate(Empty, (s, c) => (TicTacToeState)s.Apply(c));

    [Fact]
    public void TheEmptyBoardIsADrawAndEveryOpeningDraws()
    {
        var perfect = new TicTacToePerfectPlayer();
        Assert.Equal(0, perfect.Value(Empty));
        Assert.All(perfect.ActionValues(Empty), v => Assert.Equal(0, v));
    }

    [Fact]
    public void ItTakesAWinAndBlocksAThreat()
    {
        var perfect = new TicTacToePerfectPlayer();
        // X: 0 1, O: 3 4; X to move wins at 2 (O would win at 5).
        Assert.Equal([2], perfect.OptimalActions(Play(0, 3, 1, 4)));
        // X: 0 8, O: 4, X's move was 8; after O 4... X 0, O 4, X 8, O must not lose: O's optimal moves avoid corners.
        var s = Play(0, 4, 8);
        Assert.Equal(0, perfect.Value(s));
        Assert.All(perfect.OptimalActions(s), a => Assert.Contains(a, new[] { 1, 3, 5, 7 }));
        // X: 0 1 threatens 2; O to move must block.
        Assert.Equal([2], perfect.OptimalActions(Play(0, 4, 1)));
    }

    [Fact]
    public void ValuesAgreeWithAPlainMinimaxOverEveryReachablePosition()
    {
        var perfect = new TicTacToePerfectPlayer();
        var seen = new HashSet<(int, int)>();
        int Minimax(TicTacToeState s)
        {
            if (s.IsTerminal) return (int)s.Returns(s.CurrentPlayer);
            int best = -1;
            for (int a = 0; a < 9; a++) if (s.IsLegal(a)) best = Math.Max(best, -Minimax((TicTacToeState)s.Apply(a)));
            return best;
        }
        void Visit(TicTacToeState s)
        {
            if (!seen.Add(s.Marks)) return;
            if (s.MoveNumber <= 3 || s.MoveNumber >= 6) Assert.Equal(Minimax(s), perfect.Value(s));
            else perfect.Value(s);
            if (!s.IsTerminal) for (int a = 0; a < 9; a++) if (s.IsLegal(a)) Visit((TicTacToeState)s.Apply(a));
        }
        Visit(Empty);
        Assert.Equal(5_478, seen.Count);
        Assert.Equal(5_478, perfect.KnownPositions);
    }

    [Fact]
    public void TwoPerfectPlayersAlwaysDraw()
    {
        var perfect = TicTacToePerfectPlayer.Instance;
        var rng = new Random(3);
        for (int g = 0; g < 20; g++)
        {
            var s = Empty;
            while (!s.IsTerminal) s = (TicTacToeState)s.Apply(perfect.ChooseAction(s, rng));
            Assert.Equal(-1, s.Winner);
        }
    }
}
