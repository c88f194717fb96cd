using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>
/// Plays one self-play game synchronously with an <see cref="IOracle"/>: the same search plays both sides, with root noise
/// and a temperature of 1 for the first <see cref="MctsOptions.TemperatureMoves"/> moves (then the most visited move),
/// recording at every move the visit distribution as the policy target. The pipeline plays many games at once with
/// <see cref="SelfPlayEngine"/>, which records each game the same way (<see cref="SelfPlayGame"/>).
/// </summary>
public static class SelfPlayer
{
    /// <summary>Plays a whole game from the initial state and returns its record.</summary>
    /// <param name="game">The game.</param>
    /// <param name="oracle">Leaf evaluation.</param>
    /// <param name="options">Search options (simulations, noise, temperature moves, seed).</param>
    /// <param name="cancel">Stops the game between moves (throws <see cref="OperationCanceledException"/>).</param>
    /// <param name="version">The model version the record names as having played it (0: the initial model).</param>
    /// <param name="resign">When a player resigns (null: never); the game's seed is <see cref="MctsOptions.Seed"/>.</param>
    /// <param name="cap">Playout cap randomisation (null: every move a full search); the game's seed is <see cref="MctsOptions.Seed"/>.</param>
    /// <param name="opening">Random openings (null: the game starts from the initial position); the game's seed is <see cref="MctsOptions.Seed"/>.</param>
    public static GameRecord Play(IGame game, IOracle oracle, MctsOptions options, CancellationToken cancel = default, long version = 0, ResignPolicy? resign = null,
        PlayoutCap? cap = null, RandomOpening? opening = null)
    {
        var played = new SelfPlayGame(game, new Mcts(oracle, options), resign: resign, cap: cap, opening: opening);
        played.Start(resign is null && cap is null && opening is null ? null : options.Seed);
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var result = played.SearchMove(options.Simulations);
            played.Answered(version);
            if (played.Play(result) is { } record) return record;
        }
    }
}
