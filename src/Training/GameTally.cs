using SelfPlayBN.Games;

namespace SelfPlayBN.Training;

/// <summary>
/// Totals over finished self-play games, for the metrics and the report: how long games are, how often players pass,
/// how many games ended by resignation, and how resignation fares in the games played out to check it. Immutable;
/// <see cref="Add"/> returns a new tally.
/// </summary>
/// <param name="Games">Games finished.</param>
/// <param name="Moves">Their moves (the positions recorded).</param>
/// <param name="Passes">Of those moves, passes (0 for a game without a pass).</param>
/// <param name="Resigned">Games that ended by resignation.</param>
/// <param name="ResignChecks">Games played out with resigning disabled in which a player fell below the threshold.</param>
/// <param name="ResignFalsePositives">Of those, games that player did not lose.</param>
public sealed record GameTally(long Games, long Moves, long Passes, long Resigned, long ResignChecks, long ResignFalsePositives)
{
    /// <summary>The tally of no games.</summary>
    public static GameTally Empty { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>This tally with <paramref name="record"/> added; <paramref name="game"/> says which action is a pass (<see cref="ISelfPlayRules.PassAction"/>).</summary>
    public GameTally Add(GameRecord record, IGame game)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(game);
        int pass = game is ISelfPlayRules rules ? rules.PassAction : -1;
        int passes = pass < 0 ? 0 : record.Actions.Count(a => a == pass);
        bool check = record.WouldHaveResigned is not null;
        bool falsePositive = record.WouldHaveResigned is int p && record.Returns[p] >= 0;
        return new GameTally(Games + 1, Moves + record.Length, Passes + passes, Resigned + (record.ResignedPlayer is null ? 0 : 1),
            ResignChecks + (check ? 1 : 0), ResignFalsePositives + (falsePositive ? 1 : 0));
    }

    /// <summary>Mean moves per game; null before the first game.</summary>
    public double? MeanLength => Games == 0 ? null : (double)Moves / Games;

    /// <summary>The tally of the games since <paramref name="earlier"/> (a tally this one grew from).</summary>
    public GameTally Since(GameTally earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new GameTally(Games - earlier.Games, Moves - earlier.Moves, Passes - earlier.Passes, Resigned - earlier.Resigned,
            ResignChecks - earlier.ResignChecks, ResignFalsePositives - earlier.ResignFalsePositives);
    }
}
