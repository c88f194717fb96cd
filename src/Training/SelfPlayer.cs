using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>
/// Plays one self-play game: the same search plays both sides, with root noise and a temperature of 1 for the
/// first <see cref="MctsOptions.TemperatureMoves"/> moves (then the most visited move), recording at every move
/// the visit distribution as the policy target. The versions of the model that evaluated the game come from
/// <see cref="BatchingOracle.LastVersionOnThisThread"/> when the oracle is a <see cref="BatchingOracle"/>.
/// </summary>
public static class SelfPlayer
{
    /// <summary>Plays a whole game from the initial state and returns its record.</summary>
    /// <param name="game">The game.</param>
    /// <param name="oracle">Leaf evaluation (usually a <see cref="BatchingOracle"/> shared by many games).</param>
    /// <param name="options">Search options (simulations, noise, temperature moves, seed).</param>
    /// <param name="cancel">Stops the game between moves (throws <see cref="OperationCanceledException"/>).</param>
    public static GameRecord Play(IGame game, IOracle oracle, MctsOptions options, CancellationToken cancel = default)
    {
        // Versions are read after every oracle call, not after every search: a model switch during the first search
        // must not hide the version that evaluated the first position.
        var versions = oracle is BatchingOracle ? new VersionRecorder(oracle) : null;
        var search = new Mcts(versions ?? oracle, options);
        var state = game.NewInitialState();
        search.Reset(state);
        var actions = new List<int>();
        var policies = new List<float[]>();
        while (!state.IsTerminal)
        {
            cancel.ThrowIfCancellationRequested();
            var result = search.Search();
            actions.Add(result.Action);
            policies.Add(result.Policy());
            state = state.Apply(result.Action);
            search.AdvanceTo(result.Action);
        }
        var returns = Enumerable.Range(0, game.NumPlayers).Select(state.Returns).ToArray();
        return new GameRecord(Guid.NewGuid(), game.Name, versions?.Newest ?? 0, actions.ToArray(), policies.ToArray(), returns,
            Math.Max(versions?.First ?? 0, 0));
    }

    /// <summary>Passes calls to a <see cref="BatchingOracle"/> and notes the versions that served them (on this thread).</summary>
    private sealed class VersionRecorder(IOracle inner) : IOracle
    {
        public long First { get; private set; } = -1;

        public long Newest { get; private set; }

        public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
        {
            inner.Evaluate(states, priors, values);
            long v = BatchingOracle.LastVersionOnThisThread;
            if (First < 0) First = v;
            Newest = Math.Max(Newest, v);
        }
    }
}
