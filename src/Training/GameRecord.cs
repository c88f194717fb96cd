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
/// <param name="RootValues">For each move, the search's root value for the player to move (in <c>[−1, 1]</c>), which a trainer may
/// mix into the value target (<c>trainer.valueTargetMix</c>); null in records written before it was kept.</param>
/// <param name="FullSearch">For each move, whether its search was a full one (<c>selfPlay.fullSearchShare</c>, playout cap
/// randomisation): only those positions are training positions, since a cheap search's visits make a poor policy target.
/// The random moves of a random opening (<c>selfPlay.randomOpeningShare</c>) are not searched at all and are false too.
/// Null: every move was a full search.</param>
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
    [property: Key(8)] int? WouldHaveResigned = null,
    [property: Key(9)] float[]? RootValues = null,
    [property: Key(10)] bool[]? FullSearch = null)
{
    /// <summary>Number of positions (one per move).</summary>
    [IgnoreMember]
    public int Length => Actions.Length;

    /// <summary>Number of training positions: the moves of a full search (every move when <see cref="FullSearch"/> is null).</summary>
    [IgnoreMember]
    public int TrainingPositions => FullSearch is null ? Actions.Length : FullSearch.Count(f => f);

    /// <summary>The ply of training position <paramref name="index"/> (in <c>[0, TrainingPositions)</c>), in move order.</summary>
    public int TrainingPly(int index)
    {
        if (FullSearch is null) return index;
        for (int ply = 0; ply < FullSearch.Length; ply++)
            if (FullSearch[ply] && index-- == 0) return ply;
        throw new ArgumentOutOfRangeException(nameof(index), $"game {Id} has {TrainingPositions} training positions");
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first inconsistency with <paramref name="numActions"/>.</summary>
    public void Validate(int numActions, int numPlayers)
    {
        if (Actions is null || Policies is null || Returns is null) throw new InvalidDataException($"game {Id}: missing field");
        if (Policies.Length != Actions.Length)
            throw new InvalidDataException($"game {Id}: {Actions.Length} actions but {Policies.Length} policies");
        if (Returns.Length != numPlayers) throw new InvalidDataException($"game {Id}: {Returns.Length} returns for {numPlayers} players");
        if (ResignedPlayer is int r && (uint)r >= (uint)numPlayers) throw new InvalidDataException($"game {Id}: resigned player {r} is not one of the {numPlayers} players");
        if (WouldHaveResigned is int w && (uint)w >= (uint)numPlayers) throw new InvalidDataException($"game {Id}: would-have-resigned player {w} is not one of the {numPlayers} players");
        if (RootValues is not null && RootValues.Length != Actions.Length)
            throw new InvalidDataException($"game {Id}: {Actions.Length} actions but {RootValues.Length} root values");
        if (FullSearch is not null && FullSearch.Length != Actions.Length)
            throw new InvalidDataException($"game {Id}: {Actions.Length} actions but {FullSearch.Length} full-search flags");
        for (int i = 0; i < Actions.Length; i++)
        {
            if (RootValues is not null && !(Math.Abs(RootValues[i]) <= 1))
                throw new InvalidDataException($"game {Id}: root value {RootValues[i]} at move {i} is outside [-1, 1]");
            if ((uint)Actions[i] >= (uint)numActions) throw new InvalidDataException($"game {Id}: action {Actions[i]} at move {i} is outside [0, {numActions})");
            if (Policies[i] is null || Policies[i].Length != numActions)
                throw new InvalidDataException($"game {Id}: policy at move {i} has {Policies[i]?.Length ?? 0} entries, expected {numActions}");
        }
    }
}
