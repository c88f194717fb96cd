using SelfPlayBN.Games;

namespace SelfPlayBN.Search;

/// <summary>
/// The simplest oracle: a uniform prior over the legal actions and a value of 0 (no opinion). With it,
/// the search is guided only by exact terminal outcomes; it is the oracle of the speed benchmark.
/// Stateless and thread-safe.
/// </summary>
public sealed class UniformOracle : IOracle
{
    /// <summary>A shared instance (the oracle has no state).</summary>
    public static readonly UniformOracle Instance = new();

    /// <inheritdoc />
    /// <remarks>Writes <c>1/L</c> for each of the <c>L</c> legal actions, 0 for illegal ones, and value 0.</remarks>
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i];
            int numActions = s.Game.NumActions;
            WriteUniformPrior(s, priors.Slice(i * numActions, numActions));
            values[i] = 0f;
        }
    }

    /// <summary>Writes the uniform distribution over the legal actions of <paramref name="state"/> into <paramref name="row"/>.</summary>
    internal static void WriteUniformPrior(IGameState state, Span<float> row)
    {
        Span<int> legal = row.Length <= 512 ? stackalloc int[row.Length] : new int[row.Length];
        int n = state.GetLegalActions(legal);
        row.Clear();
        if (n == 0) return;
        float p = 1f / n;
        for (int k = 0; k < n; k++) row[legal[k]] = p;
    }
}
