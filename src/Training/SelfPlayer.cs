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
        var search = new Mcts(oracle, options);
        var state = game.NewInitialState();
        search.Reset(state);
        var actions = new List<int>();
        var policies = new List<float[]>();
        long first = -1, newest = 0;
        bool versioned = oracle is BatchingOracle;
        while (!state.IsTerminal)
        {
            cancel.ThrowIfCancellationRequested();
            var result = search.Search();
            if (versioned)
            {
                long v = BatchingOracle.LastVersionOnThisThread;
                if (first < 0) first = v;
                newest = Math.Max(newest, v);
            }
            actions.Add(result.Action);
            policies.Add(result.Policy());
            state = state.Apply(result.Action);
            search.AdvanceTo(result.Action);
        }
        var returns = Enumerable.Range(0, game.NumPlayers).Select(state.Returns).ToArray();
        return new GameRecord(Guid.NewGuid(), game.Name, newest, actions.ToArray(), policies.ToArray(), returns, Math.Max(first, 0));
    }
}
