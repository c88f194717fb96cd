using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Search.Tests;

/// <summary>Immediate tactics on Connect Four (moves written as 1-based column digits, first player first).</summary>
public sealed class ConnectFourSearchTests
{
    private static readonly MctsOptions Match = new() { RootNoise = false, TemperatureMoves = 0, Seed = 2, Simulations = 800 };

    private static SearchResult SearchOnce(IGameState s, IOracle oracle, int leaves)
    {
        var mcts = new Mcts(oracle, Match with { LeavesPerBatch = leaves });
        mcts.Reset(s);
        var r = mcts.Search();
        TreeChecks.AssertConsistent(mcts);
        return r;
    }

    private static IEnumerable<IOracle> Oracles() => [UniformOracle.Instance, new RolloutOracle(6)];

    [Theory]
    [InlineData("112233", 3, 1)] // bottom row 1-2-3 for the first player; the second threatens 4 on row 2
    [InlineData("112233", 3, 8)]
    [InlineData("121212", 0, 1)] // three high in column 1; the second player threatens column 2
    [InlineData("121212", 0, 8)]
    [InlineData("1232527", 1, 1)] // the second player: three high in column 2
    [InlineData("1232527", 1, 8)]
    public void Takes_an_immediate_win(string moves, int win, int leaves)
    {
        var s = ConnectFourState.FromMoves(moves);
        Assert.False(s.IsTerminal, "position must be open");
        Assert.True(((ConnectFourState)s.Apply(win)).IsTerminal, "the expected move must win at once");
        foreach (var oracle in Oracles())
        {
            var r = SearchOnce(s, oracle, leaves);
            Assert.Equal(win, r.Action);
            Assert.True(r.RootValue > 0.8, $"root value {r.RootValue}");
        }
    }

    [Theory]
    [InlineData("17273", 3, 1)] // the first player has 1-2-3 on the bottom row: block at 4
    [InlineData("17273", 3, 8)]
    [InlineData("12131", 0, 1)] // the first player has three in column 1: block on top
    [InlineData("12131", 0, 8)]
    public void Blocks_an_immediate_loss(string moves, int block, int leaves)
    {
        var s = ConnectFourState.FromMoves(moves);
        var legal = new int[7];
        int n = s.GetLegalActions(legal);
        for (int k = 0; k < n; k++) Assert.False(s.Apply(legal[k]).IsTerminal, "the side to move must have no win of its own");
        foreach (var oracle in Oracles())
        {
            var r = SearchOnce(s, oracle, leaves);
            Assert.Equal(block, r.Action);
        }
    }
}
