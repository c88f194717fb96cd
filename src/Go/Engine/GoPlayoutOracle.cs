using SelfPlayBN.Games;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Search;

namespace SelfPlayBN.Go.Engine;

/// <summary>
/// The network-free Go oracle of <c>gtp --oracle rollout</c>: a uniform prior over the legal moves, and as value
/// the average result of <see cref="GoPlayout"/> random playouts (which never fill their own eyes, so they end
/// with two passes long before the move cap), scored by Tromp-Taylor for the player to move.
/// </summary>
/// <remarks>Not thread-safe (it owns a <see cref="Random"/>): give each search thread its own instance.</remarks>
public sealed class GoPlayoutOracle : IOracle
{
    private readonly Random _rng;
    private int[] _legal = [];

    /// <summary>Creates the oracle.</summary>
    /// <param name="seed">Seed of the playouts.</param>
    /// <param name="playoutsPerLeaf">Playouts averaged per evaluated position (at least 1).</param>
    public GoPlayoutOracle(int seed, int playoutsPerLeaf = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(playoutsPerLeaf, 1);
        _rng = new Random(seed);
        PlayoutsPerLeaf = playoutsPerLeaf;
    }

    /// <summary>Playouts averaged per evaluated position.</summary>
    public int PlayoutsPerLeaf { get; }

    /// <inheritdoc />
    /// <remarks>Prior <c>1/L</c> on each of the <c>L</c> legal moves; value: the mean of <c>final.Returns(player to move)</c> over the playouts.</remarks>
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            var s = (GoState)states[i];
            int numActions = s.Game.NumActions;
            if (_legal.Length < numActions) _legal = new int[numActions];
            var row = priors.Slice(i * numActions, numActions);
            row.Clear();
            int n = s.GetLegalActions(_legal);
            for (int k = 0; k < n; k++) row[_legal[k]] = 1f / n;
            double sum = 0;
            for (int r = 0; r < PlayoutsPerLeaf; r++) sum += GoPlayout.Run(s, _rng).Returns(s.CurrentPlayer);
            values[i] = (float)(sum / PlayoutsPerLeaf);
        }
    }
}
