using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Search.Tests;

/// <summary>KataGo's forced playouts and policy target pruning (<see cref="MctsOptions.ForcedPlayouts"/>).</summary>
public sealed class ForcedPlayoutsTests
{
    private const double K = 2;

    /// <summary>Prior weight 50 on column 4 (action 3), 1 on each other column. Value 0.6 for the second player to move while
    /// column 4 is empty, else 0: from the empty board every first move but column 4 looks bad, so plain PUCT leaves them at
    /// one visit each.</summary>
    private sealed class PeakedOracle : IOracle
    {
        public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
        {
            for (int i = 0; i < states.Length; i++)
            {
                var s = (ConnectFourState)states[i];
                int n = s.Game.NumActions;
                for (int a = 0; a < n; a++) priors[i * n + a] = a == 3 ? 50 : 1;
                values[i] = s.CurrentPlayer == 1 && s.ColumnHeight(3) == 0 ? 0.6f : 0f;
            }
        }
    }

    private static MctsOptions Options(double forced, int simulations, bool noise = true, double epsilon = 0, int seed = 5) => new()
    {
        Simulations = simulations, ForcedPlayouts = forced, RootNoise = noise, DirichletEpsilon = epsilon, CPuctBase = double.PositiveInfinity,
        TemperatureMoves = 0, Seed = seed,
    };

    private static SearchResult Run(IOracle oracle, MctsOptions options, string moves = "")
    {
        var search = new Mcts(oracle, options);
        search.Reset(ConnectFourState.FromMoves(moves));
        var r = search.Search();
        TreeChecks.AssertConsistent(search);
        return r;
    }

    private static int Forced(SearchResult r, int action) => (int)Math.Floor(Math.Sqrt(K * r.Priors[action] * (r.RootVisits - 1)));

    [Fact]
    public void Every_root_move_gets_its_forced_visits()
    {
        var forced = Run(new PeakedOracle(), Options(K, 1000));
        var plain = Run(new PeakedOracle(), Options(0, 1000));
        for (int a = 0; a < 7; a++)
            Assert.True(forced.Visits[a] >= Forced(forced, a) - 1, $"move {a}: {forced.Visits[a]} visits, {Forced(forced, a)} forced");
        // Without them the low-prior moves stay below that: the test can tell the two apart.
        Assert.Contains(Enumerable.Range(0, 7), a => a != 3 && plain.Visits[a] < Forced(plain, a) - 1);
        Assert.True(plain.TargetVisits.IsDefaultOrEmpty);
    }

    [Fact]
    public void Pruning_keeps_the_best_move_and_removes_at_most_the_forced_visits()
    {
        foreach (string moves in new[] { "", "4433", "112233", "1234567" })
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var r = Run(UniformOracle.Instance, Options(K, 400, epsilon: 0.25, seed: seed), moves);
            var target = r.TargetVisits.ToArray();
            Assert.Equal(7, target.Length);
            int best = Enumerable.Range(0, 7).MaxBy(a => r.Visits[a]);
            Assert.Equal(r.Visits[best], target[best]);
            double explore = new MctsOptions().CPuct * Math.Sqrt(r.RootVisits);
            double bestScore = r.ActionValues[best] + explore * r.Priors[best] / (1 + r.Visits[best]);
            for (int a = 0; a < 7; a++)
            {
                if (a == best) continue;
                Assert.InRange(target[a], 0, r.Visits[a]);
                Assert.NotEqual(1, target[a]);
                if (target[a] > 1) Assert.True(r.Visits[a] - target[a] <= Forced(r, a), $"{moves} seed {seed}: move {a} lost more than its forced visits");
                if (target[a] > 1 && target[a] < r.Visits[a])
                {
                    // Pruned to the fewest visits that keep its PUCT score at or below the best move's, unless the forced visits ran out.
                    double scoreAt(int n) => r.ActionValues[a] + explore * r.Priors[a] / (1 + n);
                    Assert.True(scoreAt(target[a]) <= bestScore + 1e-6, $"{moves} seed {seed}: move {a} pruned too far");
                    Assert.True(scoreAt(target[a] - 1) > bestScore - 1e-6 || r.Visits[a] - target[a] == Forced(r, a));
                }
            }
            var policy = r.Policy();
            Assert.Equal(1.0, policy.Sum(p => (double)p), 5);
            Assert.Equal(0f, policy.Where((_, a) => target[a] == 0).DefaultIfEmpty(0f).Max());
            // The move comes from the pruned visits (temperature 0: the most visited).
            Assert.Equal(best, r.Action);
        }
    }

    [Fact]
    public void A_losing_move_is_pruned_from_the_target_but_was_searched()
    {
        // "112233": column 4 wins at once. The other moves get their forced visits, then lose them all in the target.
        var r = Run(UniformOracle.Instance, Options(K, 300, epsilon: 0.25, seed: 4), "112233");
        Assert.Equal(3, r.Action);
        var policy = r.Policy();
        Assert.True(policy[3] > 0.9, $"target of the winning move {policy[3]}");
        Assert.True(Enumerable.Range(0, 7).Count(a => a != 3 && r.Visits[a] >= 2) >= 4, "the other moves were searched");
        Assert.True(r.VisitShare(3) < policy[3], "the visits give the win less than the target does");
    }

    [Fact]
    public void Without_root_noise_forced_playouts_change_nothing()
    {
        var withK = Run(new PeakedOracle(), Options(K, 200, noise: false));
        var without = Run(new PeakedOracle(), Options(0, 200, noise: false));
        Assert.Equal(without.Visits.ToArray(), withK.Visits.ToArray());
        Assert.True(withK.TargetVisits.IsDefaultOrEmpty);
    }

    [Fact]
    public void The_option_is_checked()
    {
        var e = Assert.Throws<ArgumentException>(() => new MctsOptions { ForcedPlayouts = -1 });
        Assert.Equal(nameof(MctsOptions.ForcedPlayouts), e.ParamName);
        Assert.Throws<ArgumentException>(() => new MctsOptions { ForcedPlayouts = double.NaN });
    }
}
