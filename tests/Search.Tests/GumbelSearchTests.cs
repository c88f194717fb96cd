using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Search.Tests;

/// <summary>The Gumbel root search (<see cref="RootSearch.Gumbel"/>): its schedule, its move and its improved policy.</summary>
public sealed class GumbelSearchTests
{
    private static MctsOptions Gumbel(int simulations, bool noise = false, int actions = 16, int leaves = 1, int seed = 1) => new()
    {
        RootSearch = RootSearch.Gumbel, GumbelActions = actions, Simulations = simulations, RootNoise = noise, LeavesPerBatch = leaves, Seed = seed,
    };

    [Fact]
    public void The_schedule_halves_the_considered_actions_each_phase()
    {
        // 4 actions, 16 visits: two phases; 2 visits each to all 4, then 4 visits each to the best 2.
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], Mcts.SequentialHalvingSchedule(4, 16));
        // One action takes every visit; fewer visits than actions visit the first ones once.
        Assert.Equal([0, 1, 2, 3], Mcts.SequentialHalvingSchedule(1, 4));
        Assert.Equal([0, 0, 0], Mcts.SequentialHalvingSchedule(7, 3));
        // 7 actions, 50 visits: 3 phases (⌈log₂ 7⌉); 2 visits each to 7, then 4 each to 3, then 8 each to 2 (the last phase
        // goes on to the end).
        var table = Mcts.SequentialHalvingSchedule(7, 50);
        Assert.Equal(50, table.Length);
        Assert.Equal(Enumerable.Repeat(0, 7).Concat(Enumerable.Repeat(1, 7)), table[..14]);
        Assert.Equal([2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5], table[14..26]);
    }

    [Theory]
    [InlineData("112233", 3, 1)]
    [InlineData("112233", 3, 4)]
    [InlineData("1232527", 1, 1)]
    public void Finds_an_immediate_win_with_few_simulations(string moves, int win, int leaves)
    {
        var s = ConnectFourState.FromMoves(moves);
        var search = new Mcts(UniformOracle.Instance, Gumbel(8, leaves: leaves));
        search.Reset(s);
        var r = search.Search();
        Assert.Equal(win, r.Action);
        var policy = r.Policy();
        Assert.Equal(1.0, policy.Sum(p => (double)p), 5);
        Assert.Equal(policy.Max(), policy[win]);
        Assert.True(policy[win] > 0.5, $"the improved policy gives the win {policy[win]}");
        Assert.Equal(r.ImprovedPolicy.ToArray(), policy);
        Assert.Equal(8, r.Visits.Sum() + 1); // the root's own first visit expanded it
        TreeChecks.AssertConsistent(search);
    }

    [Fact]
    public void Only_the_considered_actions_are_visited_and_the_policy_is_zero_at_illegal_moves()
    {
        // Priors grow with the action: without noise the two considered actions are the two highest.
        var s = ConnectFourState.FromMoves("111111"); // column 1 is full
        var search = new Mcts(new SlopedOracle(), Gumbel(20, actions: 2));
        search.Reset(s);
        var r = search.Search();
        for (int a = 0; a < 5; a++) Assert.Equal(0, r.Visits[a]);
        Assert.Equal(19, r.Visits[5] + r.Visits[6]);
        Assert.Equal(0f, r.Policy()[0]);
        Assert.All(Enumerable.Range(1, 6), a => Assert.True(r.Policy()[a] > 0));
    }

    [Fact]
    public void With_noise_the_move_is_drawn_and_seeds_repeat_it()
    {
        var s = ConnectFourGame.Instance.NewInitialState();
        var moves = new HashSet<int>();
        for (int seed = 0; seed < 60; seed++)
        {
            var a = new Mcts(UniformOracle.Instance, Gumbel(4, noise: true, seed: seed));
            var b = new Mcts(UniformOracle.Instance, Gumbel(4, noise: true, seed: seed));
            a.Reset(s);
            b.Reset(s);
            int move = a.Search().Action;
            Assert.Equal(move, b.Search().Action);
            moves.Add(move);
        }
        Assert.Equal(7, moves.Count); // uniform priors: every column is drawn in 60 searches
        // Without noise the same position always gives the same move.
        var quiet = Enumerable.Range(0, 5).Select(seed =>
        {
            var m = new Mcts(UniformOracle.Instance, Gumbel(4, seed: seed));
            m.Reset(s);
            return m.Search().Action;
        }).Distinct();
        Assert.Single(quiet);
    }

    [Fact]
    public void A_reused_tree_still_spends_the_schedule_on_this_search()
    {
        var s = ConnectFourState.FromMoves("44");
        var search = new Mcts(new RolloutOracle(3), Gumbel(16) with { ReuseTree = true });
        search.Reset(s);
        var first = search.Search();
        search.AdvanceTo(first.Action);
        int before = search.Root.Visits;
        var second = search.Search();
        Assert.Equal(before + 16, second.RootVisits);
        Assert.Equal(1.0, second.Policy().Sum(p => (double)p), 5);
        TreeChecks.AssertConsistent(search);
    }

    [Fact]
    public void Stepwise_driving_gives_the_same_search()
    {
        var s = ConnectFourState.FromMoves("4453");
        var options = Gumbel(24, noise: true, leaves: 4, seed: 9);
        var whole = new Mcts(new SlopedOracle(), options);
        whole.Reset(s);
        var expected = whole.Search();
        var stepwise = new Mcts(options);
        stepwise.Reset(s);
        var result = StepwiseSearchTests.DriveStepwise(stepwise, new SlopedOracle(), 24);
        Assert.Equal(expected.Action, result.Action);
        Assert.Equal(expected.Visits.ToArray(), result.Visits.ToArray());
        Assert.Equal(expected.ImprovedPolicy.ToArray(), result.ImprovedPolicy.ToArray());
    }

    [Fact]
    public void Options_refuse_bad_gumbel_settings()
    {
        Assert.Equal("GumbelActions", Assert.Throws<ArgumentException>(() => new MctsOptions { GumbelActions = 0 }).ParamName);
        Assert.Equal("GumbelCScale", Assert.Throws<ArgumentException>(() => new MctsOptions { GumbelCScale = 0 }).ParamName);
        Assert.Equal("GumbelCVisit", Assert.Throws<ArgumentException>(() => new MctsOptions { GumbelCVisit = -1 }).ParamName);
        Assert.Equal("RootSearch", Assert.Throws<ArgumentException>(() => new MctsOptions { RootSearch = (RootSearch)7 }).ParamName);
    }
}
