using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Games.Tests;

public sealed class Go9Conformance : GameConformanceTests
{
    private static readonly GoGame Go9 = new(9);
    protected override IGame Game => Go9;
    protected override int Playouts => 40; // random 9×9 games mostly run to MaxGameLength (243 moves)
}

public sealed class Go5Conformance : GameConformanceTests
{
    private static readonly GoGame Go5 = new(5, komi: 0.5);
    protected override IGame Game => Go5;
    protected override int Playouts => 100;
}

public sealed class GoTests
{
    private static readonly GoGame Go9 = new(9);

    private static int Point(GoGame g, string vertex)
    {
        Assert.True(g.TryParseAction(vertex, out int a), vertex);
        return a;
    }

    [Fact]
    public void Single_stone_is_captured()
    {
        var s = Go9.NewGame().Play("B1", "B2", "A2", "pass", "C2", "pass");
        Assert.Equal(GoState.White, s.At(Point(Go9, "B2")));
        s = s.Play("B3");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "B2")));
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(4, s.StoneCount(GoState.Black)); // B1 A2 C2 B3
    }

    [Fact]
    public void Group_in_the_corner_is_captured()
    {
        var s = Go9.NewGame().Play("A2", "A1", "B2", "B1");
        Assert.Equal(2, s.StoneCount(GoState.White));
        s = s.Play("C1");
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(GoState.Empty, s.At(0, 0));
        Assert.Equal(GoState.Empty, s.At(1, 0));
        Assert.Equal(3, s.StoneCount(GoState.Black));
    }

    [Fact]
    public void Suicide_is_illegal_by_default()
    {
        var s = Go9.NewGame().Play("A2", "pass", "B1");
        Assert.Equal(1, s.CurrentPlayer);
        Assert.False(s.IsLegal(Point(Go9, "A1")));
        Assert.Throws<ArgumentException>(() => s.Play("A1"));
        // A multi-stone suicide too.
        var t = Go9.NewGame().Play("A3", "A2", "B2", "B1", "C1");
        Assert.False(t.IsLegal(Point(Go9, "A1")));
    }

    [Fact]
    public void Suicide_when_allowed_removes_the_own_group()
    {
        var g = new GoGame(9, allowSuicide: true);
        var s = g.NewGame().Play("A3", "A2", "B2", "B1", "C1");
        Assert.True(s.IsLegal(Point(g, "A1")));
        s = s.Play("A1");
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(3, s.StoneCount(GoState.Black));
        Assert.Equal(0, s.CurrentPlayer);
        // A one-stone suicide would repeat the position: superko forbids it even when suicide is allowed.
        var t = g.NewGame().Play("A2", "pass", "B1");
        Assert.False(t.IsLegal(Point(g, "A1")));
    }

    [Fact]
    public void Ko_cannot_be_retaken_at_once_but_can_after_a_threat_exchange()
    {
        var s = Go9.NewGame().Play("C4", "E5", "D5", "F4", "D3", "E3", "pass", "D4", "E4");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "D4")));
        Assert.Equal(1, s.CurrentPlayer);
        Assert.False(s.IsLegal(Point(Go9, "D4")));
        Assert.Throws<ArgumentException>(() => s.Play("D4"));
        s = s.Play("A9", "A1");
        Assert.True(s.IsLegal(Point(Go9, "D4")));
        s = s.Play("D4");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "E4")));
        Assert.False(s.IsLegal(Point(Go9, "E4"))); // Black now faces the same ko
    }

    [Fact]
    public void Two_passes_end_the_game_and_one_does_not()
    {
        var s = Go9.NewGame().Play("pass", "C3", "pass");
        Assert.False(s.IsTerminal); // a move between the passes
        Assert.Equal(1, s.ConsecutivePasses);
        s = s.Play("pass");
        Assert.True(s.IsTerminal);
        Assert.Equal(0, s.CurrentPlayer);
        Assert.False(s.IsLegal(Go9.PassAction));
        Assert.Equal(-81 - 7.5, s.Score()); // White's one stone owns the board
        Assert.Equal(-1, s.Returns(0));

        var b = Go9.NewGame().Play("E5", "pass", "pass");
        Assert.True(b.IsTerminal);
        Assert.Equal(1, b.CurrentPlayer);
        Assert.Equal(81 - 7.5, b.Score());
        Assert.Equal(1, b.Returns(0));
        Assert.Equal(-1, b.Returns(1));
    }

    [Fact]
    public void Empty_board_goes_to_white_by_komi_and_ties_without_komi()
    {
        var s = Go9.NewGame().Play("pass", "pass");
        Assert.Equal(-7.5, s.Score());
        Assert.Equal(-1, s.Returns(0));
        Assert.Equal(1, s.Returns(1));
        var tie = new GoGame(5, komi: 0).NewGame().Play("pass", "pass");
        Assert.Equal(0, tie.Returns(0));
        Assert.Equal(0, tie.Returns(1));
    }

    [Fact]
    public void Tromp_Taylor_score_of_a_small_position()
    {
        var g = new GoGame(5, komi: 0.5);
        var s = GoState.FromDiagram(g, """
            . X O . .
            . X O . .
            X X O . .
            . X O O O
            . X O . .
            """);
        Assert.Equal(GoState.Black, s.At(1, 0)); // B1
        Assert.Equal(GoState.White, s.At(4, 1)); // E2
        Assert.Equal(10 - 15 - 0.5, s.Score());
        var end = s.Play("pass", "pass");
        Assert.Equal(-1, end.Returns(0));
        Assert.Equal(1, end.Returns(1));
        // A neutral point (reaching both colours) counts for nobody.
        var d = GoState.FromDiagram(g, """
            X . O . .
            X . O . .
            X . O . .
            X . O . .
            X . O . .
            """);
        Assert.Equal(5 - 15 - 0.5, d.Score());
    }

    [Fact]
    public void Gtp_vertices_round_trip()
    {
        Assert.Equal(0, Point(Go9, "A1"));
        Assert.Equal(80, Point(Go9, "J9"));
        Assert.Equal("J9", Go9.ActionToString(80));
        Assert.Equal(8, Point(Go9, "J1"));
        Assert.Equal(9, Point(Go9, "A2"));
        Assert.Equal(81, Point(Go9, "pass"));
        Assert.Equal("pass", Go9.ActionToString(81));
        Assert.Equal(0, Point(Go9, "a1"));
        Assert.False(Go9.TryParseAction("I1", out _));
        Assert.False(Go9.TryParseAction("K1", out _));
        Assert.False(Go9.TryParseAction("A10", out _));
        Assert.False(Go9.TryParseAction("A0", out _));
        Assert.False(Go9.TryParseAction("A01", out _));
        var g19 = new GoGame(19);
        Assert.Equal(360, Point(g19, "T19"));
        Assert.Equal("T19", g19.ActionToString(360));
        Assert.Equal("pass", g19.ActionToString(361));
        for (int a = 0; a < g19.NumActions; a++) Assert.Equal(a, Point(g19, g19.ActionToString(a)));
    }

    [Fact]
    public void Sizes_outside_5_to_19_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoGame(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoGame(20));
        Assert.Equal("go5", new GoGame(5).Name);
        Assert.Equal("go13", new GoGame(13).Name);
        var g19 = new GoGame(19);
        Assert.Equal("go19", g19.Name);
        Assert.Equal(362, g19.NumActions);
        Assert.Equal(3 * 361, g19.MaxGameLength);
    }

    [Fact]
    public void Eight_symmetries_keep_pass_fixed()
    {
        Assert.Equal(8, Go9.Symmetries.Count);
        foreach (var g in Go9.Symmetries) Assert.Equal(Go9.PassAction, g.MapAction(Go9.PassAction));
    }

    [Fact]
    public void Game_ends_at_max_length()
    {
        var g = new GoGame(5);
        var s = g.NewGame();
        var rng = new Random(3);
        var legal = new int[g.NumActions];
        while (!s.IsTerminal)
        {
            int n = s.GetLegalActions(legal);
            int a = legal[rng.Next(n)];
            if (a == g.PassAction && n > 1) a = legal[0]; // avoid ending by passes
            s = s.Play(a);
        }
        Assert.True(s.ConsecutivePasses >= 2 || s.MoveNumber == g.MaxGameLength);
        Assert.True(s.MoveNumber <= g.MaxGameLength);
    }

    [Fact]
    public void Observation_planes_are_from_the_side_to_move()
    {
        var s = Go9.NewGame().Play("E5"); // White to move
        var obs = new float[Go9.ObservationShape.Size];
        s.WriteObservation(obs);
        int e5 = Point(Go9, "E5");
        Assert.Equal(0f, obs[e5]);          // White's own plane is empty
        Assert.Equal(1f, obs[81 + e5]);     // Black's stone is the opponent's
        Assert.Equal(0f, obs[2 * 81]);      // not Black to move
        Assert.Equal(1f, obs[3 * 81 + 40]); // ones plane
    }
}
