using SelfPlayBN.Games;

namespace SelfPlayBN.Search.Tests;

public sealed class OracleTests
{
    private static IGameState[] Positions()
    {
        var rng = new Random(8);
        var list = new List<IGameState>();
        var actions = new int[9];
        for (int g = 0; g < 30; g++)
        {
            var s = Ttt.Game.NewInitialState();
            while (!s.IsTerminal)
            {
                list.Add(s);
                s = s.Apply(actions[rng.Next(s.GetLegalActions(actions))]);
            }
        }
        return [.. list];
    }

    [Fact]
    public void Uniform_oracle_spreads_the_prior_over_legal_moves_and_has_no_opinion()
    {
        var states = Positions();
        var priors = new float[states.Length * 9];
        Array.Fill(priors, float.NaN);
        var values = new float[states.Length];
        Array.Fill(values, float.NaN);
        UniformOracle.Instance.Evaluate(states, priors, values);
        for (int i = 0; i < states.Length; i++)
        {
            int legal = 0;
            for (int a = 0; a < 9; a++) if (states[i].IsLegal(a)) legal++;
            for (int a = 0; a < 9; a++) Assert.Equal(states[i].IsLegal(a) ? 1f / legal : 0f, priors[i * 9 + a]);
            Assert.Equal(1.0, priors.AsSpan(i * 9, 9).ToArray().Sum(), 5);
            Assert.Equal(0f, values[i]);
        }
    }

    [Fact]
    public void Rollout_oracle_gives_uniform_priors_and_values_in_range()
    {
        var states = Positions();
        var priors = new float[states.Length * 9];
        var values = new float[states.Length];
        new RolloutOracle(1, rolloutsPerLeaf: 3).Evaluate(states, priors, values);
        for (int i = 0; i < states.Length; i++)
        {
            Assert.Equal(1.0, priors.AsSpan(i * 9, 9).ToArray().Sum(), 5);
            for (int a = 0; a < 9; a++) if (!states[i].IsLegal(a)) Assert.Equal(0f, priors[i * 9 + a]);
            Assert.InRange(values[i], -1f, 1f);
            Assert.Equal(0, Math.Round(values[i] * 3) - values[i] * 3, 4); // a mean of three results in {-1, 0, 1}
        }
    }

    [Fact]
    public void Rollout_values_are_exact_where_the_end_is_forced()
    {
        var oracle = new RolloutOracle(2);
        var legal = new int[9];
        var outcomes = new HashSet<double>();
        foreach (var s in Positions())
        {
            if (s.GetLegalActions(legal) != 1) continue;
            // One move left: the playout is forced, so the value is exact, for the player to move.
            double expected = s.Apply(legal[0]).Returns(s.CurrentPlayer);
            Assert.Equal(expected, oracle.Value(s));
            outcomes.Add(expected);
        }
        Assert.Contains(1.0, outcomes); // the last move won
        Assert.Contains(0.0, outcomes); // the last move drew

        // A terminal state is scored for its player to move: O, who has lost.
        var lost = Ttt.Play("a1", "a2", "b1", "b2", "c1");
        Assert.Equal(1, lost.CurrentPlayer);
        Assert.Equal(-1.0, oracle.Value(lost));

        // Two cells left, O to move: a3 wins for O (+1); c1 blocks X and the forced a3 draws (0).
        var twoLeft = Ttt.Play("b2", "a1", "c3", "a2", "b1", "b3", "c2");
        Assert.Equal(1, twoLeft.CurrentPlayer);
        Assert.Equal(1.0, twoLeft.Apply(Ttt.Action("a3")).Returns(1));
        Assert.InRange(new RolloutOracle(3, rolloutsPerLeaf: 4000).Value(twoLeft), 0.45, 0.55);
    }

    [Fact]
    public void Rollout_oracle_is_deterministic_for_a_seed()
    {
        var states = Positions();
        float[] Run(int seed)
        {
            var v = new float[states.Length];
            new RolloutOracle(seed).Evaluate(states, new float[states.Length * 9], v);
            return v;
        }
        Assert.Equal(Run(4), Run(4));
        Assert.NotEqual(Run(4), Run(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutOracle(1, 0));
    }
}
