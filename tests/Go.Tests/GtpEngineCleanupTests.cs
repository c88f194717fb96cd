using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineCleanupTests
{
    [Fact]
    public void A_stone_inside_the_other_side_s_area_is_dead_and_the_wall_around_it_alive()
    {
        var game = new GoGame(5);
        var s = GoState.FromDiagram(game, """
            . . X O .
            . O X O .
            . . X O .
            . . X O O
            . . X O .
            """);
        var dead = DeadStones.DeadChains(s, GoState.White);
        var single = Assert.Single(dead);
        Assert.Equal([game.PointAction(1, 3)], single); // B4, inside Black's area
        Assert.Equal([game.PointAction(1, 2), game.PointAction(0, 3), game.PointAction(1, 4)], DeadStones.Liberties(s, single));
        // Black's wall touches only the region that holds the White stone; the region is still Black's, and so is the wall.
        Assert.Empty(DeadStones.DeadChains(s, GoState.Black));
    }

    /// <summary>Two eyeless chains that share their only two liberties (A3, D3): whoever fills one is captured, so
    /// neither can; Black's outer chain has three eyes of its own.</summary>
    private const string Seki = """
        . X . X . X
        X X X X X X
        O O O O O X
        . X X . O X
        O O O O O X
        X X X X X X
        """;

    [Fact]
    public void Chains_living_on_shared_liberties_are_in_seki_not_dead()
    {
        var game = new GoGame(6);
        var s = GoState.FromDiagram(game, Seki);
        var chains = DeadStones.Classify(s);
        Assert.Equal(3, chains.Count);
        var inner = Assert.Single(chains, c => c.Colour == GoState.Black && c.Points.Length == 2);
        Assert.Equal([game.PointAction(1, 2), game.PointAction(2, 2)], inner.Points); // B3 C3
        Assert.Equal(ChainStatus.Seki, inner.Status);
        Assert.Equal(ChainStatus.Seki, Assert.Single(chains, c => c.Colour == GoState.White).Status);
        Assert.Equal(ChainStatus.Alive, Assert.Single(chains, c => c.Colour == GoState.Black && c.Points.Length > 2).Status);
        Assert.Empty(DeadStones.DeadChains(s, GoState.Black)); // the clean-up phase leaves them alone
        Assert.Empty(DeadStones.DeadChains(s, GoState.White));

    }

    [Fact]
    public void An_eyeless_chain_against_a_chain_with_an_eye_is_dead_not_in_seki()
    {
        // White's chain has an eye at F4 besides the two liberties it shares with Black's inner chain (A4, D4), so
        // White can fill those and capture: the inner chain is dead. Black's outer chains have four eyes each.
        var game = new GoGame(7);
        var s = GoState.FromDiagram(game, """
            . X . X . X .
            X X X X X X X
            O O O O O O O
            . X X . O . O
            O O O O O O O
            X X X X X X X
            . X . X . X .
            """);
        var chains = DeadStones.Classify(s);
        Assert.DoesNotContain(chains, c => c.Status == ChainStatus.Seki);
        var dead = Assert.Single(chains, c => c.Status == ChainStatus.Dead);
        Assert.Equal([game.PointAction(1, 3), game.PointAction(2, 3)], dead.Points); // B4 C4
        Assert.All(chains.Where(c => c.Colour == GoState.White), c => Assert.Equal(ChainStatus.Alive, c.Status));
    }

    [Fact]
    public void One_position_gets_one_answer_and_an_open_board_has_no_dead_stones()
    {
        var game = new GoGame(9);
        var opening = game.NewGame().Play("J4", "E7");
        Assert.All(DeadStones.Classify(opening), c => Assert.Equal(ChainStatus.Alive, c.Status)); // GNU Go agrees: nothing is dead yet
        var ownership = DeadStones.Ownership(opening, 64, seed: 5);
        Assert.Equal(ownership, DeadStones.Ownership(opening, 64, seed: 5));
        Assert.All(ownership, o => Assert.InRange(o, -1, 1));
        Assert.Equal(DeadStones.Classify(opening).Select(c => c.Status), DeadStones.Classify(opening.Play("pass").Play("pass")).Select(c => c.Status));
        Assert.Throws<ArgumentException>(() => DeadStones.Classify(opening, new DeadStoneOptions { Playouts = 1 }));
    }

    [Fact]
    public void Final_status_list_reports_the_seki()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seki-{Guid.NewGuid():N}.sgf");
        try
        {
            var game = new GoGame(6);
            Sgf.WriteFile(path, SgfRecord.FromMoves(GoState.FromDiagram(game, Seki), []));
            using var s = new GtpSession(Engines.Uniform(size: 6));
            Assert.Equal("= ", s.Send($"loadsgf {path}"));
            Assert.Equal("= A2 B2 C2 D2 E2 E3 A4 B4 C4 D4 E4\nB3 C3", s.Send("final_status_list seki")); // one chain per line, in board order
            Assert.Equal("= ", s.Send("final_status_list dead"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Cleanup_captures_dead_stones_where_genmove_would_pass()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5, visits: 8, komi: -10, oracle: new PassLovingOracle()));
        // Black wall on C, White wall on D, a dead White stone at A1 in Black's area; with komi -10 Black wins by passing.
        foreach (var m in new[] { "b C1", "w D1", "b C2", "w D2", "b C3", "w D3", "b C4", "w D4", "b C5", "w D5", "b A5", "w A1" })
            Assert.Equal("= ", s.Send("play " + m));
        Assert.Equal("= pass", s.Send("genmove b"));
        Assert.Equal("= ", s.Send("undo"));
        var capturing = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var r = s.Send("kgs-genmove_cleanup b");
            capturing.Add(r[2..]);
            Assert.Equal("= ", s.Send("play w pass"));
        }
        Assert.Equal(["A2", "B1"], capturing.Order());
        Assert.Equal(GoState.Empty, s.Engine.Position.At(0, 0)); // A1 captured
        Assert.Equal("= pass", s.Send("kgs-genmove_cleanup b")); // nothing dead is left
    }

    [Fact]
    public void Cleanup_resumes_a_game_that_two_passes_ended()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5, visits: 8, komi: -10, oracle: new PassLovingOracle()));
        foreach (var m in new[] { "b C1", "w D1", "b C2", "w D2", "b C3", "w D3", "b C4", "w D4", "b C5", "w D5", "b A5", "w A1", "b pass", "w pass" })
            Assert.Equal("= ", s.Send("play " + m));
        Assert.True(s.Engine.Position.IsTerminal);
        string move = s.Send("kgs-genmove_cleanup b")[2..];
        Assert.Contains(move, new[] { "A2", "B1" });
        Assert.False(s.Engine.Position.IsTerminal);
        Assert.Equal(1, s.Engine.Position.CurrentPlayer);
    }
}
