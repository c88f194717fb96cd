using MessagePack;

namespace SelfPlayBN.Training;

/// <summary>
/// One finished self-play game, as stored in the replay buffer and sent between actors: the moves, the search's
/// visit distribution at each move (the policy target) and the final returns. Positions are rebuilt by replaying
/// <see cref="Actions"/> from the game's initial state, so a record stays small.
/// </summary>
/// <param name="Id">Unique id (the replay buffer de-duplicates by it).</param>
/// <param name="Game">The game's <c>IGame.Name</c>.</param>
/// <param name="ModelVersion">The newest published model version that evaluated a position of this game (0: the initial,
/// untrained model). The inference service switches versions between batches, so a game in progress at a
/// publication is finished by the new version: <see cref="FirstModelVersion"/> then differs.</param>
/// <param name="Actions">The actions played, in order.</param>
/// <param name="Policies">For each move, the search's visit distribution over the game's whole action space (sums to 1).</param>
/// <param name="Returns">The final returns per player (+1 win, 0 draw, −1 loss for that player).</param>
/// <param name="FirstModelVersion">The model version that evaluated the game's first position.</param>
/// <param name="ResignedPlayer">The player who resigned (the game then ended there, that player losing), or null when the game
/// ended by its rules.</param>
/// <param name="WouldHaveResigned">In a game played out to check resignation (resigning was disabled in it), the first player
/// whose search fell below the resignation threshold, or null: a false positive when that player did not lose.</param>
[MessagePackObject]
public sealed record GameRecord(
    [property: Key(0)] Guid Id,
    [property: Key(1)] string Game,
    [property: Key(2)] long ModelVersion,
    [property: Key(3)] int[] Actions,
    [property: Key(4)] float[][] Policies,
    [property: Key(5)] double[] Returns,
    [property: Key(6)] long FirstModelVersion,
    [property: Key(7)] int? ResignedPlayer = null,
    [property: Key(8)] int? WouldHaveResigned = null)
{
    /// <summary>Number of positions (one per move).</summary>
    [IgnoreMember]
    public int Length => Actions.Length;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first inconsistency with <paramref name="numActions"/>.</summary>
    public void Validate(int numActions, int numPlayers)
    {
        if (Actions is null || Policies is null || Returns is null) throw new InvalidDataException($"game {Id}: missing field");
        if (Policies.Length != Actions.Length)
            throw new InvalidDataException($"game {Id}: {Actions.Length} actions but {Policies.Length} policies");
        if (Returns.Length != numPlayers) throw new InvalidDataException($"game {Id}: {Returns.Length} returns for {numPlayers} players");
        if (ResignedPlayer is int r && (uint)r >= (uint)numPlayers) throw new InvalidDataException($"game {Id}: resigned player {r} is not one of the {numPlayers} players");
        if (WouldHaveResigned is int w && (uint)w >= (uint)numPlayers) throw new InvalidDataException($"game {Id}: would-have-resigned player {w} is not one of the {numPlayers} players");
        for (int i = 0; i < Actions.Length; i++)
        {
            if ((uint)Actions[i] >= (uint)numActions) throw new InvalidDataException($"game {Id}: action {Actions[i]} at move {i} is outside [0, {numActions})");
            if (Policies[i] is null || Policies[i].Length != numActions)
                throw new InvalidDataException($"game {Id}: policy at move {i} has {Policies[i]?.Length ?? 0} entries, expected {numActions}");
        }
    }
}
