using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Search.Tests;

/// <summary>
/// The stepwise search (<c>BeginSearch</c>, <c>GatherLeaves</c>, <c>ApplyEvaluations</c>, <c>EndSearch</c>), which a
/// self-play worker drives to batch many games' leaves into one network call: driven with the oracle's answers it
/// must be the same search as <c>Search()</c>, move for move.
/// </summary>
public sealed class StepwiseSearchTests
{
    /// <summary>Drives <paramref name="mcts"/> stepwise, answering each gathered batch with <paramref name="oracle"/>.</summary>
    internal static SearchResult DriveStepwise(Mcts mcts, IOracle oracle, int simulations)
    {
        int actions = mcts.RootState.Game.NumActions;
        mcts.BeginSearch(simulations);
        while (!mcts.IsSearchComplete)
        {
            var leaves = mcts.GatherLeaves().ToArray();
            if (leaves.Length == 0) continue;
            var priors = new float[leaves.Length * actions];
            var values = new float[leaves.Length];
            oracle.Evaluate(leaves, priors, values);
            mcts.ApplyEvaluations(priors, values);
        }
        return mcts.EndSearch();
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(1, false)]
    [InlineData(8, true)]
    [InlineData(3, false)]
    public void Stepwise_games_equal_Search_games_move_for_move(int leavesPerBatch, bool reuse)
    {
        var game = ConnectFourGame.Instance;
        var options = new MctsOptions { Simulations = 60, LeavesPerBatch = leavesPerBatch, ReuseTree = reuse, TemperatureMoves = 6, Seed = 11 };
        var oracle = new SlopedOracle();
        var byOracle = new Mcts(oracle, options);
        var stepwise = new Mcts(options); // no oracle: stepwise only
        IGameState a = game.NewInitialState(), b = a;
        byOracle.Reset(a);
        stepwise.Reset(b);
        int moves = 0;
        while (!a.IsTerminal)
        {
            var expected = byOracle.Search();
            var actual = DriveStepwise(stepwise, oracle, options.Simulations);
            Assert.Equal(expected.Visits.ToArray(), actual.Visits.ToArray());
            Assert.Equal(expected.Priors.ToArray(), actual.Priors.ToArray());
            Assert.Equal(expected.ActionValues.ToArray(), actual.ActionValues.ToArray());
            Assert.Equal(expected.Action, actual.Action);
            Assert.Equal(expected.Statistics, actual.Statistics);
            Assert.Equal(expected.RootVisits, actual.RootVisits);
            a = a.Apply(expected.Action);
            byOracle.AdvanceTo(expected.Action);
            stepwise.AdvanceTo(actual.Action);
            moves++;
        }
        Assert.True(moves >= 7, $"a Connect Four game of {moves} moves");
    }

    [Fact]
    public void Gathered_leaves_are_distinct_pending_and_within_the_batch_size()
    {
        var mcts = new Mcts(new MctsOptions { Simulations = 100, LeavesPerBatch = 8, RootNoise = false, Seed = 1 });
        mcts.Reset(ConnectFourGame.Instance.NewInitialState());
        mcts.BeginSearch(100);
        var first = mcts.GatherLeaves().ToArray();
        Assert.Single(first); // only the root exists: one leaf, then a collision ends the batch
        Assert.Equal(1, mcts.PendingLeaves);
        Assert.Equal(1, mcts.Root.PendingEvaluations);
        var priors = new float[7];
        Array.Fill(priors, 1f);
        mcts.ApplyEvaluations(priors, [0f]);
        var second = mcts.GatherLeaves().ToArray();
        Assert.Equal(7, second.Length); // one per root child before any collision (Connect Four: 7 first moves)
        Assert.Equal(second.Length, second.Distinct().Count());
        Assert.All(second, s => Assert.Equal(1, s.MoveNumber));
        Assert.Equal(7, mcts.Root.PendingEvaluations);
        Assert.False(mcts.IsSearchComplete);
    }

    [Fact]
    public void The_steps_refuse_to_run_out_of_order_and_say_why()
    {
        var mcts = new Mcts(new MctsOptions { Simulations = 10, Seed = 1 });
        mcts.Reset(Ttt.Game.NewInitialState());
        Assert.Contains("BeginSearch", Assert.Throws<InvalidOperationException>(() => mcts.GatherLeaves().Length).Message);
        Assert.Contains("no oracle", Assert.Throws<InvalidOperationException>(() => mcts.Search()).Message);
        mcts.BeginSearch(10);
        Assert.Contains("GatherLeaves", Assert.Throws<InvalidOperationException>(() => mcts.ApplyEvaluations(new float[9], new float[1])).Message);
        Assert.Equal(1, mcts.GatherLeaves().Length);
        Assert.Contains("pending", Assert.Throws<InvalidOperationException>(() => mcts.GatherLeaves().Length).Message);
        Assert.Contains("not complete", Assert.Throws<InvalidOperationException>(() => mcts.EndSearch()).Message);
        Assert.Throws<ArgumentException>(() => mcts.ApplyEvaluations(new float[8], new float[1])); // 9 priors needed
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => mcts.ApplyEvaluations(new float[9], [float.NaN])).Message);
        Assert.Equal(0, mcts.PendingLeaves); // the NaN batch was taken back
        Assert.Equal(0, mcts.Root.PendingEvaluations);
    }

    [Fact]
    public void Abandoned_leaves_leave_the_tree_consistent_and_the_search_can_go_on()
    {
        var mcts = new Mcts(new MctsOptions { Simulations = 40, LeavesPerBatch = 4, RootNoise = false, Seed = 2 });
        var oracle = new SlopedOracle();
        mcts.Reset(Ttt.Play("b2"));
        mcts.BeginSearch(40);
        var priors = new float[4 * 9];
        var values = new float[4];
        for (int k = 0; k < 3; k++)
        {
            var leaves = mcts.GatherLeaves();
            oracle.Evaluate(leaves, priors, values);
            mcts.ApplyEvaluations(priors, values);
        }
        int visits = mcts.Root.Visits;
        Assert.True(mcts.GatherLeaves().Length > 0);
        mcts.AbandonLeaves();
        Assert.Equal(visits, mcts.Root.Visits);
        TreeChecks.AssertConsistent(mcts);
        var result = DriveStepwise(mcts, oracle, 20); // BeginSearch again: a fresh count of 20
        Assert.Equal(visits + 20, result.RootVisits);
        TreeChecks.AssertConsistent(mcts);
    }

    [Fact]
    public void A_search_of_terminal_leaves_only_completes_without_asking_for_evaluations()
    {
        // X to move can win at c3 or lose the chance: after many simulations every leaf is terminal or evaluated; with a
        // single move left every simulation ends at a terminal position.
        var state = Ttt.Play("a1", "b1", "a2", "b2", "c1", "a3", "b3", "c2"); // one empty cell (c3)
        Assert.False(state.IsTerminal);
        var mcts = new Mcts(new MctsOptions { Simulations = 5, RootNoise = false, Seed = 3 });
        mcts.Reset(state);
        mcts.BeginSearch(5);
        Assert.Equal(1, mcts.GatherLeaves().Length); // the root itself is a leaf first
        mcts.ApplyEvaluations(Enumerable.Repeat(1f, 9).ToArray(), [0f]);
        Assert.Equal(0, mcts.GatherLeaves().Length); // the other 4 simulations end at the terminal child
        Assert.True(mcts.IsSearchComplete);
        var result = mcts.EndSearch();
        Assert.Equal(4, result.Statistics.TerminalVisits);
        Assert.Equal(Ttt.Action("c3"), result.Action);
        Assert.False(mcts.IsSearching);
    }

    [Fact]
    public void Reseeding_makes_a_reused_search_behave_as_a_new_one_with_that_seed()
    {
        var options = new MctsOptions { Simulations = 30, Seed = 5 };
        var reused = new Mcts(new SlopedOracle(), options);
        reused.Reset(Ttt.Play("a1"));
        reused.Search();
        reused.Reseed(99);
        reused.Reset(Ttt.Game.NewInitialState());
        var fresh = new Mcts(new SlopedOracle(), options with { Seed = 99 });
        fresh.Reset(Ttt.Game.NewInitialState());
        var a = reused.Search();
        var b = fresh.Search();
        Assert.Equal(b.Priors.ToArray(), a.Priors.ToArray()); // same root noise
        Assert.Equal(b.Visits.ToArray(), a.Visits.ToArray());
        Assert.Equal(b.Action, a.Action);
    }
}
