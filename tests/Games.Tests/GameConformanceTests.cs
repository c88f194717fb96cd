using SelfPlayBN.Games;

namespace SelfPlayBN.Games.Tests;

/// <summary>
/// The conformance suite every game runs: derive a class for the game and every test below runs on it.
/// Random playouts use fixed seeds, so a failure reproduces.
/// </summary>
public abstract class GameConformanceTests
{
    /// <summary>The game under test.</summary>
    protected abstract IGame Game { get; }

    /// <summary>Number of random games per test; large enough to reach terminal states of every kind.</summary>
    protected virtual int Playouts => 200;

    private IEnumerable<List<IGameState>> RandomGames(int seed)
    {
        var rng = new Random(seed);
        var actions = new int[Game.NumActions];
        for (int g = 0; g < Playouts; g++)
        {
            var states = new List<IGameState> { Game.NewInitialState() };
            while (!states[^1].IsTerminal)
            {
                Assert.True(states.Count <= Game.MaxGameLength, $"game longer than MaxGameLength={Game.MaxGameLength}");
                int n = states[^1].GetLegalActions(actions);
                Assert.True(n > 0, "a non-terminal state has no legal action");
                states.Add(states[^1].Apply(actions[rng.Next(n)]));
            }
            yield return states;
        }
    }

    [Fact]
    public void Initial_state_is_player_zero_at_move_zero()
    {
        var s = Game.NewInitialState();
        Assert.Equal(0, s.CurrentPlayer);
        Assert.Equal(0, s.MoveNumber);
        Assert.False(s.IsTerminal);
        Assert.Equal("identity", Game.Symmetries[0].Name);
        Assert.True(Game.NumPlayers >= 1);
    }

    [Fact]
    public void Random_playouts_end_with_returns_that_sum_to_zero_for_two_players()
    {
        int decisive = 0;
        foreach (var states in RandomGames(1))
        {
            var last = states[^1];
            double sum = 0;
            for (int p = 0; p < Game.NumPlayers; p++)
            {
                double r = last.Returns(p);
                Assert.InRange(r, -1, 1);
                sum += r;
            }
            if (Game.NumPlayers == 2) Assert.Equal(0, sum, 9);
            if (last.Returns(0) != 0) decisive++;
            for (int i = 0; i < states.Count - 1; i++)
            {
                Assert.Equal(i, states[i].MoveNumber);
                for (int p = 0; p < Game.NumPlayers; p++) Assert.Equal(0, states[i].Returns(p));
            }
        }
        Assert.True(decisive > 0, "no random game was decisive: terminal detection looks broken");
    }

    [Fact]
    public void Mask_and_legal_actions_agree()
    {
        var mask = new bool[Game.NumActions];
        var actions = new int[Game.NumActions];
        foreach (var states in RandomGames(2))
        foreach (var s in states)
        {
            s.GetLegalMask(mask);
            int n = s.GetLegalActions(actions);
            var fromMask = Enumerable.Range(0, Game.NumActions).Where(a => mask[a]).ToArray();
            Assert.Equal(fromMask, actions[..n]);
            for (int a = 0; a < Game.NumActions; a++) Assert.Equal(mask[a], s.IsLegal(a));
            Assert.False(s.IsLegal(-1));
            Assert.False(s.IsLegal(Game.NumActions));
        }
    }

    [Fact]
    public void Terminal_states_have_no_actions_and_refuse_to_move()
    {
        var mask = new bool[Game.NumActions];
        foreach (var states in RandomGames(3))
        {
            var last = states[^1];
            last.GetLegalMask(mask);
            Assert.DoesNotContain(true, mask);
            Assert.Equal(0, last.GetLegalActions(new int[Game.NumActions]));
            for (int a = 0; a < Game.NumActions; a++) Assert.Throws<ArgumentException>(() => last.Apply(a));
        }
    }

    [Fact]
    public void Illegal_actions_throw_and_leave_the_state_unchanged()
    {
        var mask = new bool[Game.NumActions];
        var obs = new float[Game.ObservationShape.Size];
        var obs2 = new float[Game.ObservationShape.Size];
        foreach (var states in RandomGames(4).Take(20))
        foreach (var s in states.Where(s => !s.IsTerminal))
        {
            string before = s.Render();
            s.WriteObservation(obs);
            s.GetLegalMask(mask);
            for (int a = 0; a < Game.NumActions; a++)
            {
                if (mask[a]) s.Apply(a); // legal moves must not change the source state either
                else Assert.Throws<ArgumentException>(() => s.Apply(a));
            }
            Assert.Throws<ArgumentException>(() => s.Apply(-1));
            Assert.Equal(before, s.Render());
            s.WriteObservation(obs2);
            Assert.Equal(obs, obs2);
        }
    }

    [Fact]
    public void Action_text_round_trips()
    {
        var seen = new HashSet<string>();
        for (int a = 0; a < Game.NumActions; a++)
        {
            string text = Game.ActionToString(a);
            Assert.True(seen.Add(text), $"two actions print as '{text}'");
            Assert.True(Game.TryParseAction(text, out int back), $"'{text}' does not parse");
            Assert.Equal(a, back);
        }
        Assert.False(Game.TryParseAction("", out _));
        Assert.False(Game.TryParseAction("not-an-action", out _));
    }

    [Fact]
    public void Same_actions_give_the_same_states()
    {
        var actions = new int[Game.NumActions];
        var obsA = new float[Game.ObservationShape.Size];
        var obsB = new float[Game.ObservationShape.Size];
        foreach (var states in RandomGames(5).Take(50))
        {
            var replay = Game.NewInitialState();
            for (int i = 1; i < states.Count; i++)
            {
                int action = FindAction(states[i - 1], states[i], actions);
                replay = replay.Apply(action);
                Assert.Equal(states[i].Render(), replay.Render());
                Assert.Equal(states[i].CurrentPlayer, replay.CurrentPlayer);
                states[i].WriteObservation(obsA);
                replay.WriteObservation(obsB);
                Assert.Equal(obsA, obsB);
            }
        }
    }

    [Fact]
    public void Observation_is_fully_written()
    {
        var a = new float[Game.ObservationShape.Size];
        var b = new float[Game.ObservationShape.Size];
        foreach (var states in RandomGames(6).Take(20))
        foreach (var s in states)
        {
            Array.Fill(a, float.NaN);
            Array.Fill(b, 12345f);
            s.WriteObservation(a);
            s.WriteObservation(b);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Symmetries_map_states_observations_and_masks_consistently()
    {
        var shape = Game.ObservationShape;
        var obs = new float[shape.Size];
        var expected = new float[shape.Size];
        var actual = new float[shape.Size];
        var mask = new bool[Game.NumActions];
        var expectedMask = new bool[Game.NumActions];
        var actualMask = new bool[Game.NumActions];
        var legal = new int[Game.NumActions];
        foreach (var states in RandomGames(7).Take(30))
        {
            var actions = new List<int>();
            for (int i = 1; i < states.Count; i++) actions.Add(FindAction(states[i - 1], states[i], legal));
            foreach (var g in Game.Symmetries)
            {
                var t = Game.NewInitialState();
                for (int i = 0; i < states.Count; i++)
                {
                    states[i].WriteObservation(obs);
                    g.TransformObservation(obs, expected, shape);
                    t.WriteObservation(actual);
                    Assert.Equal(expected, actual);
                    states[i].GetLegalMask(mask);
                    g.TransformPolicy<bool>(mask, expectedMask);
                    t.GetLegalMask(actualMask);
                    Assert.Equal(expectedMask, actualMask);
                    Assert.Equal(states[i].IsTerminal, t.IsTerminal);
                    Assert.Equal(states[i].Returns(0), t.Returns(0));
                    if (i < actions.Count) t = t.Apply(g.MapAction(actions[i]));
                }
            }
        }
    }

    [Fact]
    public void Render_is_non_empty_and_differs_after_a_move()
    {
        var s = Game.NewInitialState();
        var legal = new int[Game.NumActions];
        int n = s.GetLegalActions(legal);
        Assert.False(string.IsNullOrWhiteSpace(s.Render()));
        Assert.NotEqual(s.Render(), s.Apply(legal[0]).Render());
        Assert.True(n > 0);
    }

    /// <summary>The legal action of <paramref name="from"/> that leads to a state rendering like <paramref name="to"/>.</summary>
    private static int FindAction(IGameState from, IGameState to, int[] buffer)
    {
        int n = from.GetLegalActions(buffer);
        string target = to.Render();
        for (int i = 0; i < n; i++)
            if (from.Apply(buffer[i]).Render() == target) return buffer[i];
        throw new InvalidOperationException("no legal action reproduces the next state");
    }
}
