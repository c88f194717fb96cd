using SelfPlayBN.Games;

namespace SelfPlayBN.Search.Tests;

/// <summary>Bookkeeping of the tree: visit identities, noise, reuse, batches, determinism, action choice.</summary>
public sealed class MctsTreeTests
{
    private static readonly MctsOptions Quiet = new() { RootNoise = false, TemperatureMoves = 0, Seed = 7 };

    [Theory]
    [InlineData(1, true)]
    [InlineData(5, true)]
    [InlineData(1000, false)]
    public void Each_simulation_adds_one_root_visit_and_children_sum_to_parent_minus_one(int simulations, bool fromStart)
    {
        var mcts = new Mcts(new RolloutOracle(1), Quiet with { Simulations = simulations });
        mcts.Reset(fromStart ? Ttt.Game.NewInitialState() : Ttt.Play("b2"));
        var r = mcts.Search();
        Assert.Equal(simulations, r.RootVisits);
        Assert.Equal(simulations, mcts.Root.Visits);
        Assert.Equal(simulations - 1, r.Visits.Sum());
        TreeChecks.AssertConsistent(mcts);
        r = mcts.Search(37); // a second search on the same root adds to it
        Assert.Equal(simulations + 37, r.RootVisits);
        Assert.Equal(simulations + 36, r.Visits.Sum());
        TreeChecks.AssertConsistent(mcts);
    }

    [Fact]
    public void Oracle_priors_are_masked_and_normalised_below_the_root_and_noise_touches_only_the_root()
    {
        var oracle = new RecordingOracle(new SlopedOracle());
        var mcts = new Mcts(oracle, new MctsOptions { Simulations = 300, Seed = 3, DirichletAlpha = 0.5, DirichletEpsilon = 0.25 });
        mcts.Reset(Ttt.Play("a1"));
        mcts.Search();
        var root = mcts.Root;
        var rootState = root.State!;
        double distance = root.Children.Sum(c => Math.Abs(c.Prior - SlopedOracle.Expected(rootState, c.Action)));
        Assert.True(distance > 0.01, "root priors carry no noise");
        Assert.Equal(1.0, root.Children.Sum(c => (double)c.Prior), 5);
        int checkedNodes = 0;
        foreach (var n in TreeChecks.AllNodes(root).Skip(1).Where(n => n.IsExpanded))
        foreach (var c in n.Children)
        {
            Assert.Equal(SlopedOracle.Expected(n.State!, c.Action), c.Prior, 6);
            checkedNodes++;
        }
        Assert.True(checkedNodes > 100);
        TreeChecks.AssertConsistent(mcts);
    }

    [Fact]
    public void Noise_off_leaves_root_priors_equal_to_the_oracle()
    {
        var mcts = new Mcts(new SlopedOracle(), Quiet with { Simulations = 50 });
        mcts.Reset(Ttt.Play("a1"));
        var r = mcts.Search();
        for (int a = 0; a < 9; a++)
            Assert.Equal(mcts.RootState.IsLegal(a) ? SlopedOracle.Expected(mcts.RootState, a) : 0f, r.Priors[a], 6);
    }

    [Fact]
    public void Tree_reuse_keeps_the_played_subtree_and_its_statistics()
    {
        var mcts = new Mcts(new RolloutOracle(2), Quiet with { Simulations = 400 });
        mcts.Reset(Ttt.Game.NewInitialState());
        var r = mcts.Search();
        int action = r.Action;
        var child = mcts.Root.Children.Single(c => c.Action == action);
        int childVisits = child.Visits;
        var grandchildren = child.Children.Select(c => (c.Action, c.Visits, c.MeanValue, c.Prior)).ToArray();
        int subtreeSize = TreeChecks.AllNodes(child).Count();
        Assert.True(childVisits > 10);

        mcts.AdvanceTo(action);
        Assert.Equal(childVisits, mcts.Root.Visits);
        Assert.Equal(grandchildren, mcts.Root.Children.Select(c => (c.Action, c.Visits, c.MeanValue, c.Prior)).ToArray());
        Assert.Equal(subtreeSize, mcts.NodeCount); // the dead branches were dropped
        Assert.Equal(1, mcts.RootState.MoveNumber);
        TreeChecks.AssertConsistent(mcts);

        r = mcts.Search(100);
        Assert.Equal(childVisits + 100, r.RootVisits);
        Assert.Equal(childVisits + 99, r.Visits.Sum());
        TreeChecks.AssertConsistent(mcts);
    }

    [Fact]
    public void Without_reuse_advancing_starts_a_fresh_tree()
    {
        var mcts = new Mcts(new RolloutOracle(2), Quiet with { Simulations = 200, ReuseTree = false });
        mcts.Reset(Ttt.Game.NewInitialState());
        int action = mcts.Search().Action;
        mcts.AdvanceTo(action);
        Assert.Equal(0, mcts.Root.Visits);
        Assert.Equal(1, mcts.NodeCount);
        Assert.Equal(Ttt.Game.NewInitialState().Apply(action).Render(), mcts.RootState.Render());
        Assert.Equal(200, mcts.Search().RootVisits);
    }

    [Fact]
    public void Advancing_to_an_unvisited_move_restarts_at_that_position()
    {
        var mcts = new Mcts(UniformOracle.Instance, Quiet);
        mcts.Reset(Ttt.Game.NewInitialState());
        mcts.Search(3); // root + two children visited
        int unvisited = mcts.Root.Children.First(c => c.Visits == 0).Action;
        mcts.AdvanceTo(unvisited);
        Assert.Equal(0, mcts.Root.Visits);
        Assert.Equal(1, mcts.RootState.MoveNumber);
        Assert.Throws<ArgumentException>(() => mcts.AdvanceTo(unvisited)); // the cell is taken now
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Leaves_per_batch_gives_batches_of_distinct_states_and_exact_totals(int leaves)
    {
        var oracle = new RecordingOracle(new RolloutOracle(9));
        const int simulations = 600;
        var mcts = new Mcts(oracle, Quiet with { Simulations = simulations, LeavesPerBatch = leaves });
        mcts.Reset(Ttt.Game.NewInitialState());
        var r = mcts.Search();

        Assert.All(oracle.Batches, b => Assert.InRange(b.Length, 1, leaves));
        Assert.All(oracle.Batches, b => Assert.Equal(b.Length, b.Distinct(ReferenceEqualityComparer.Instance).Count()));
        Assert.Single(oracle.Batches[0]); // the root alone
        Assert.Equal(leaves, oracle.Batches[1].Length); // then `leaves` different children of the root
        Assert.All(oracle.Batches[1], s => Assert.Equal(1, s.MoveNumber));
        Assert.True(oracle.Batches.Count(b => b.Length == leaves) > oracle.Batches.Count / 2, "virtual loss rarely filled a batch");

        // Every simulation was either one oracle evaluation or one visit to a terminal node.
        int terminalVisits = TreeChecks.AllNodes(mcts.Root).Where(n => n.IsTerminal).Sum(n => n.Visits);
        Assert.Equal(simulations, oracle.StatesEvaluated + terminalVisits);
        Assert.Equal(new SearchStatistics(oracle.Batches.Count, oracle.StatesEvaluated, terminalVisits, r.Statistics.Collisions), r.Statistics);
        Assert.True(r.Statistics.Collisions < oracle.Batches.Count, "at most one collision ends each batch");
        Assert.Equal(oracle.StatesEvaluated, TreeChecks.AllNodes(mcts.Root).Count(n => n.IsExpanded));
        TreeChecks.AssertConsistent(mcts);
    }

    [Fact]
    public void One_leaf_per_batch_calls_the_oracle_once_per_non_terminal_simulation()
    {
        var oracle = new RecordingOracle(UniformOracle.Instance);
        var mcts = new Mcts(oracle, Quiet with { Simulations = 300 });
        mcts.Reset(Ttt.Game.NewInitialState());
        mcts.Search();
        Assert.All(oracle.Batches, b => Assert.Single(b));
        int terminalVisits = TreeChecks.AllNodes(mcts.Root).Where(n => n.IsTerminal).Sum(n => n.Visits);
        Assert.Equal(300, oracle.Batches.Count + terminalVisits);
    }

    [Fact]
    public void Temperature_zero_plays_the_most_visited_move()
    {
        var mcts = new Mcts(new RolloutOracle(4), Quiet with { Simulations = 300 });
        mcts.Reset(Ttt.Game.NewInitialState());
        var r = mcts.Search();
        Assert.Equal(0, r.Temperature);
        Assert.Equal(r.Visits.Max(), r.Visits[r.Action]);
        Assert.Equal(r.Action, r.PrincipalVariation[0]);
        Assert.Equal(r.Visits.IndexOf(r.Visits.Max()), r.Action); // ties go to the lowest action
    }

    [Fact]
    public void Temperature_schedule_follows_the_move_number()
    {
        var options = new MctsOptions { Temperature = 1.5, TemperatureMoves = 2, FinalTemperature = 0.25 };
        Assert.Equal(1.5, options.TemperatureAt(0));
        Assert.Equal(1.5, options.TemperatureAt(1));
        Assert.Equal(0.25, options.TemperatureAt(2));
        var mcts = new Mcts(UniformOracle.Instance, options with { Simulations = 20, Seed = 1 });
        mcts.Reset(Ttt.Play("a1", "b1"));
        Assert.Equal(0.25, mcts.Search().Temperature);
    }

    [Fact]
    public void Sampling_at_temperature_follows_visit_powers()
    {
        int[] visits = [0, 10, 30, 60];
        var rng = new Random(5);
        var counts = new int[4];
        const int draws = 200_000;
        for (int i = 0; i < draws; i++) counts[Mcts.SelectAction(visits, 1.0, rng)]++;
        Assert.Equal(0, counts[0]);
        Assert.InRange(counts[1] / (double)draws, 0.1 - 0.005, 0.1 + 0.005);
        Assert.InRange(counts[2] / (double)draws, 0.3 - 0.005, 0.3 + 0.005);
        Assert.InRange(counts[3] / (double)draws, 0.6 - 0.005, 0.6 + 0.005);

        Array.Clear(counts);
        for (int i = 0; i < draws; i++) counts[Mcts.SelectAction(visits, 2.0, rng)]++; // ∝ √visits
        double z = Math.Sqrt(10) + Math.Sqrt(30) + Math.Sqrt(60);
        Assert.InRange(counts[1] / (double)draws, Math.Sqrt(10) / z - 0.005, Math.Sqrt(10) / z + 0.005);
        Assert.InRange(counts[3] / (double)draws, Math.Sqrt(60) / z - 0.005, Math.Sqrt(60) / z + 0.005);

        Assert.Equal(3, Mcts.SelectAction(visits, 0, rng));
        Assert.Equal(1, Mcts.SelectAction([0, 5, 5], 0, rng));
        Assert.Equal(-1, Mcts.SelectAction([0, 0], 1, rng));
    }

    [Fact]
    public void Same_seed_same_game_with_noise_and_temperature()
    {
        string Play(int seed)
        {
            var options = new MctsOptions { Simulations = 100, Seed = seed, TemperatureMoves = 4, LeavesPerBatch = 3 };
            var mcts = new Mcts(new RolloutOracle(seed), options);
            var s = Ttt.Game.NewInitialState();
            mcts.Reset(s);
            var log = new System.Text.StringBuilder();
            while (!s.IsTerminal)
            {
                var r = mcts.Search();
                log.Append(r.Action).Append(':').AppendJoin(',', r.Visits).Append(':').Append(string.Join(',', r.Priors)).Append(';');
                s = s.Apply(r.Action);
                mcts.AdvanceTo(r.Action);
            }
            return log.ToString();
        }
        Assert.Equal(Play(11), Play(11));
        Assert.NotEqual(Play(11), Play(12));
    }

    [Fact]
    public void Misuse_is_reported()
    {
        var mcts = new Mcts(UniformOracle.Instance, Quiet);
        Assert.Throws<InvalidOperationException>(() => mcts.Search());
        Assert.Throws<InvalidOperationException>(() => mcts.RootState);
        mcts.Reset(Ttt.Play("a1", "a2", "b1", "b2", "c1")); // X has won
        Assert.Throws<InvalidOperationException>(() => mcts.Search());
        mcts.Reset(Ttt.Play("a1"));
        Assert.Throws<ArgumentException>(() => mcts.AdvanceTo(Ttt.Action("a1")));
        Assert.Throws<ArgumentOutOfRangeException>(() => mcts.Search(0));
    }

    [Fact]
    public void Reset_clears_the_previous_game_and_reuses_storage()
    {
        var mcts = new Mcts(UniformOracle.Instance, Quiet with { Simulations = 2000 });
        mcts.Reset(Ttt.Game.NewInitialState());
        mcts.Search();
        int capacity = mcts.Capacity;
        Assert.True(mcts.NodeCount > 1000);
        mcts.Reset(Ttt.Play("b2"));
        Assert.Equal(1, mcts.NodeCount);
        Assert.Equal(0, mcts.Root.Visits);
        Assert.False(mcts.Root.IsExpanded);
        mcts.Search();
        Assert.Equal(capacity, mcts.Capacity);
        TreeChecks.AssertConsistent(mcts);
    }
}

/// <summary>An oracle that fails on chosen calls (throws, or answers NaN), to check that the tree survives.</summary>
internal sealed class FaultyOracle(int failOnCall, bool nan) : IOracle
{
    private int _calls;

    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        _calls++;
        UniformOracle.Instance.Evaluate(states, priors, values);
        if (_calls != failOnCall) return;
        if (nan) values[states.Length - 1] = float.NaN;
        else throw new TimeoutException("inference server went away");
    }
}

public sealed class OracleFailureTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 4)]
    [InlineData(true, 4)]
    public void A_failed_batch_is_taken_back_and_the_search_can_go_on(bool nan, int leaves)
    {
        var mcts = new Mcts(new FaultyOracle(failOnCall: 5, nan), new MctsOptions { Simulations = 100, LeavesPerBatch = leaves, Seed = 1 });
        mcts.Reset(Ttt.Game.NewInitialState());
        if (nan) Assert.Throws<InvalidOperationException>(() => mcts.Search());
        else Assert.Throws<TimeoutException>(() => mcts.Search());
        int kept = mcts.Root.Visits;
        Assert.True(kept > 0);
        TreeChecks.AssertConsistent(mcts); // the failed batch left no pending leaf and no virtual loss
        var r = mcts.Search();
        Assert.Equal(kept + 100, r.RootVisits);
        TreeChecks.AssertConsistent(mcts); // includes: no virtual loss left behind
        Assert.Equal(100, r.Statistics.LeavesEvaluated + r.Statistics.TerminalVisits);
    }
}
