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
