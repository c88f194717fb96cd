using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineCleanupTests
{
    [Fact]
    public void Stones_without_a_region_of_their_own_are_dead_and_stones_touching_their_territory_alive()
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
        Assert.Equal([game.PointAction(1, 3)], single); // B4: its only region also borders Black
        Assert.Equal([game.PointAction(1, 2), game.PointAction(0, 3), game.PointAction(1, 4)], DeadStones.Liberties(s, single));
        // Black's wall touches only the region that holds the White stone: by the rule it is dead too.
        Assert.Single(DeadStones.DeadChains(s, GoState.Black));
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
