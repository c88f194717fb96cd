using SelfPlayBN.Games;

namespace SelfPlayBN.Search.Tests;

/// <summary>Tactics and strength on Tic-tac-toe, where the exact answer is known.</summary>
public sealed class TicTacToeSearchTests
{
    private static readonly MctsOptions Match = new() { RootNoise = false, TemperatureMoves = 0, Seed = 1 };

    private static SearchResult SearchOnce(IGameState s, IOracle oracle, MctsOptions options)
    {
        var mcts = new Mcts(oracle, options);
        mcts.Reset(s);
        var result = mcts.Search();
        TreeChecks.AssertConsistent(mcts);
        return result;
    }

    public static TheoryData<int> LeafBatches => new() { 1, 8 };

    [Theory, MemberData(nameof(LeafBatches))]
    public void Takes_an_immediate_win_rather_than_blocking(int leaves)
    {
        // X: a1 b1, O: a2 b2. X wins at c1; O threatens c2.
        var s = Ttt.Play("a1", "a2", "b1", "b2");
        foreach (var oracle in new IOracle[] { UniformOracle.Instance, new RolloutOracle(3) })
        {
            var r = SearchOnce(s, oracle, Match with { Simulations = 200, LeavesPerBatch = leaves });
            Assert.Equal(Ttt.Action("c1"), r.Action);
            Assert.Equal(0, r.RootPlayer);
            Assert.True(r.RootValue > 0.8, $"root value {r.RootValue} for the side that wins at once");
            Assert.Equal(1.0, r.ActionValues[Ttt.Action("c1")], 6);
            Assert.Equal([Ttt.Action("c1")], r.PrincipalVariation.ToArray());
        }
    }

    [Theory, MemberData(nameof(LeafBatches))]
    public void Blocks_an_immediate_loss(int leaves)
    {
        // X: a1 c3, O: b2 b1 threatens b3; X has no win of its own.
        var s = Ttt.Play("a1", "b2", "c3", "b1");
        foreach (var oracle in new IOracle[] { UniformOracle.Instance, new RolloutOracle(4) })
        {
            var r = SearchOnce(s, oracle, Match with { Simulations = 400, LeavesPerBatch = leaves });
            Assert.Equal(Ttt.Action("b3"), r.Action);
        }
    }

    [Theory, MemberData(nameof(LeafBatches))]
    public void Finds_a_fork_two_moves_deep(int leaves)
    {
        // X: b2 a1, O: b1 c3. No immediate win or threat; a2 and a3 make two threats at once.
        var s = Ttt.Play("b2", "b1", "a1", "c3");
        var winning = Ttt.OptimalMoves(s);
        Assert.Equal(1, Ttt.Solve(s));
        Assert.True(winning.Count < 5, "the position must not be trivially won");
        for (int a = 0; a < 9; a++)
            if (s.IsLegal(a)) Assert.False(s.Apply(a).IsTerminal, "the test needs a win deeper than one move");
        var r = SearchOnce(s, new RolloutOracle(5), Match with { Simulations = 1500, LeavesPerBatch = leaves });
        Assert.Contains(r.Action, winning);
        Assert.True(r.RootValue > 0.3, $"root value {r.RootValue}");
    }

    [Fact]
    public void Root_value_is_for_the_side_to_move_and_sees_a_lost_position()
    {
        // O to move, X has a fork (two threats): O is lost.
        var s = Ttt.Play("b2", "b1", "a1", "c3", "a3");
        Assert.Equal(1, s.CurrentPlayer);
        Assert.Equal(-1, Ttt.Solve(s));
        var r = SearchOnce(s, UniformOracle.Instance, Match with { Simulations = 500 });
        Assert.Equal(1, r.RootPlayer);
        Assert.True(r.RootValue < -0.5, $"root value {r.RootValue} in a lost position");
    }

    [Fact]
    public void Never_loses_to_random_play_with_rollouts()
    {
        var options = Match with { Simulations = 300 };
        var actions = new int[9];
        for (int game = 0; game < 20; game++)
        {
            var rng = new Random(100 + game);
            int mctsPlayer = game % 2;
            var mcts = new Mcts(new RolloutOracle(game), options with { Seed = game });
            var s = Ttt.Game.NewInitialState();
            mcts.Reset(s);
            while (!s.IsTerminal)
            {
                int action;
                if (s.CurrentPlayer == mctsPlayer) action = mcts.Search().Action;
                else action = actions[rng.Next(s.GetLegalActions(actions))];
                s = s.Apply(action);
                mcts.AdvanceTo(action);
            }
            Assert.True(s.Returns(mctsPlayer) >= 0, $"game {game}: MCTS (player {mctsPlayer}) lost:\n{s.Render()}");
        }
    }
}
