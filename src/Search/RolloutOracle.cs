using SelfPlayBN.Games;

namespace SelfPlayBN.Search;

/// <summary>
/// The pure-MCTS baseline: a uniform prior, and as value the average result of random playouts
/// (uniformly random legal moves to the end of the game), scored for the player to move in the
/// evaluated state. Deterministic for a given seed and sequence of calls.
/// </summary>
/// <remarks>
/// Not thread-safe (it owns a <see cref="Random"/>): give each search thread its own instance.
/// Each playout allocates one state per move (states are immutable).
/// </remarks>
public sealed class RolloutOracle : IOracle
{
    private readonly Random _rng;
    private int[] _legal = [];

    /// <summary>Creates a rollout oracle.</summary>
    /// <param name="seed">Seed of the playout random generator.</param>
    /// <param name="rolloutsPerLeaf">Playouts averaged per evaluated state (at least 1).</param>
    public RolloutOracle(int seed, int rolloutsPerLeaf = 1)
    {
        if (rolloutsPerLeaf < 1)
            throw new ArgumentOutOfRangeException(nameof(rolloutsPerLeaf), rolloutsPerLeaf, "at least one rollout per leaf is needed");
        _rng = new Random(seed);
        RolloutsPerLeaf = rolloutsPerLeaf;
    }

    /// <summary>Playouts averaged per evaluated state.</summary>
    public int RolloutsPerLeaf { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Prior: uniform over legal actions. Value: mean over <see cref="RolloutsPerLeaf"/> playouts of
    /// <c>final.Returns(state.CurrentPlayer)</c>, so in <c>[−1, 1]</c> from the point of view of the player
    /// to move. A terminal state is scored exactly (no playout).
    /// </remarks>
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i];
            int numActions = s.Game.NumActions;
            UniformOracle.WriteUniformPrior(s, priors.Slice(i * numActions, numActions));
            values[i] = (float)Value(s);
        }
    }

    /// <summary>The mean playout result for the player to move in <paramref name="state"/>.</summary>
    public double Value(IGameState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int player = state.CurrentPlayer;
        if (state.IsTerminal) return state.Returns(player);
        if (_legal.Length < state.Game.NumActions) _legal = new int[state.Game.NumActions];
        double sum = 0;
        for (int r = 0; r < RolloutsPerLeaf; r++)
        {
            var s = state;
            while (!s.IsTerminal)
            {
                int n = s.GetLegalActions(_legal);
                s = s.Apply(_legal[_rng.Next(n)]);
            }
            sum += s.Returns(player);
        }
        return sum / RolloutsPerLeaf;
    }
}
