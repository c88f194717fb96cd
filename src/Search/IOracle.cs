using SelfPlayBN.Games;

namespace SelfPlayBN.Search;

/// <summary>
/// What the search asks at a leaf: a prior over actions and a value, for a batch of states at once.
/// A neural network implements it with one batched inference; <see cref="UniformOracle"/> and
/// <see cref="RolloutOracle"/> are the network-free baselines.
/// </summary>
/// <remarks>
/// <para>Contract, for every <c>i</c> in <c>[0, states.Length)</c> and <c>A = states[i].Game.NumActions</c>
/// (all states of one call belong to the same game):</para>
/// <list type="bullet">
/// <item><c>priors[i·A .. i·A + A)</c> receives a non-negative weight per action. Only legal actions
/// are read; the oracle need not normalise and need not write illegal entries: the search masks the
/// row to the legal actions and renormalises it (falling back to uniform when the legal weights sum to
/// zero or are not finite).</item>
/// <item><c>values[i]</c> receives the expected outcome in <c>[−1, 1]</c> <b>from the point of view of
/// <c>states[i].CurrentPlayer</c></b>, the player to move in that state.</item>
/// <item>States are never terminal (the search scores terminal states with the game's exact returns)
/// and are distinct objects.</item>
/// </list>
/// <para>Thread-safety: the search calls its oracle from one thread at a time. An oracle shared by
/// several searches on several threads must be thread-safe itself (or give one instance per thread).</para>
/// <para>The call is synchronous. The search gathers its leaves and applies the answers in two separate
/// steps, so an asynchronous or cross-game batching oracle can later be driven between them without
/// changing the tree code.</para>
/// </remarks>
public interface IOracle
{
    /// <summary>Writes a prior row and a value for each state; see the interface remarks for the contract.</summary>
    /// <param name="states">The states to evaluate, non-terminal, all of one game.</param>
    /// <param name="priors">Length at least <c>states.Length × NumActions</c>, row-major, one row per state.</param>
    /// <param name="values">Length at least <c>states.Length</c>; value for the player to move in each state.</param>
    void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values);
}
