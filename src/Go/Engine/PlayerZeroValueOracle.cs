using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Go.Engine;

/// <summary>
/// Adapts an oracle whose values are for player 0 (Black) in every state, as Leela Zero's format-2 networks
/// (ELF OpenGo's) give them, to the <see cref="IOracle"/> contract (value for the player to move): the value is
/// negated where player 1 is to move. Priors pass through unchanged.
/// </summary>
public sealed class PlayerZeroValueOracle : IOracle
{
    private readonly IOracle _inner;

    /// <summary>Wraps <paramref name="inner"/>, whose values are for player 0.</summary>
    public PlayerZeroValueOracle(IOracle inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        _inner.Evaluate(states, priors, values);
        for (int i = 0; i < states.Length; i++)
            if (states[i].CurrentPlayer == 1) values[i] = -values[i];
    }
}
