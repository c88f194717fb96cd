using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

// What the evaluator tells the run: match results, move accuracies and the gate's decisions.

/// <summary>Event: an evaluation match finished.</summary>
/// <param name="Version">The evaluated version.</param>
/// <param name="Opponent">Who it played: <c>random</c>, <c>mcts-rollouts-N</c>, <c>perfect</c>, <c>model-K</c> (the
/// previous evaluated version) or <c>best-K</c> (the best version, under gating).</param>
/// <param name="Wins">Wins of the evaluated version.</param>
/// <param name="Draws">Draws.</param>
/// <param name="Losses">Losses.</param>
/// <param name="EloDifference">Elo of the version minus the opponent's, from the score.</param>
/// <param name="LossesMovingFirst">Of <paramref name="Losses"/>, those with the version moving first (key 6, added later: 0 from older writers).</param>
/// <param name="LossesMovingSecond">Of <paramref name="Losses"/>, those with the version moving second (key 7).</param>
/// <param name="Rating">Against the previous version only: the version's Elo on the run's chained scale (version 0 at 0,
/// each evaluated version the previous one's rating plus its Elo difference against it); <c>null</c> elsewhere, or
/// when the chain is broken (a resumed run starts a new chain at its first evaluated version) (key 8).</param>
[WireName("evaluation-finished")]
[MessagePackObject]
public sealed record EvaluationFinished([property: Key(0)] long Version, [property: Key(1)] string Opponent, [property: Key(2)] int Wins,
    [property: Key(3)] int Draws, [property: Key(4)] int Losses, [property: Key(5)] double EloDifference,
    [property: Key(6)] int LossesMovingFirst = 0, [property: Key(7)] int LossesMovingSecond = 0, [property: Key(8)] double? Rating = null) : IPipelineMessage
{
    /// <summary>(wins + draws/2) / games.</summary>
    [IgnoreMember]
    public double Score => (Wins + 0.5 * Draws) / Math.Max(1, Wins + Draws + Losses);
}

/// <summary>Event: the move accuracy of a version against the perfect solver on the fixed labelled set (Connect Four).</summary>
/// <param name="Version">The evaluated version.</param>
/// <param name="Player"><c>network</c> (the raw policy's most likely legal move), <c>search-N</c> (MCTS with the
/// network, N simulations, most-visited move), or a baseline: <c>random</c>, <c>mcts-rollouts-N</c> (MCTS with random
/// rollouts).</param>
/// <param name="Correct">Positions where the move was optimal (among the columns with the best result).</param>
/// <param name="Positions">Positions measured (the first ones of the set).</param>
[WireName("accuracy-measured")]
[MessagePackObject]
public sealed record AccuracyMeasured([property: Key(0)] long Version, [property: Key(1)] string Player, [property: Key(2)] int Correct,
    [property: Key(3)] int Positions) : IPipelineMessage
{
    /// <summary>Correct / positions.</summary>
    [IgnoreMember]
    public double Accuracy => Positions == 0 ? 0 : (double)Correct / Positions;
}

/// <summary>Event: the gate's decision on an evaluated version.</summary>
/// <param name="Version">The candidate.</param>
/// <param name="Best">The best version it played.</param>
/// <param name="Score">The candidate's score against it.</param>
/// <param name="Threshold">The score needed.</param>
/// <param name="Promoted">Whether the candidate became the best.</param>
[WireName("gating-decided")]
[MessagePackObject]
public sealed record GatingDecided([property: Key(0)] long Version, [property: Key(1)] long Best, [property: Key(2)] double Score,
    [property: Key(3)] double Threshold, [property: Key(4)] bool Promoted) : IPipelineMessage;
