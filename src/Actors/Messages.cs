using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>Marks every message of the training pipeline: all go through <see cref="PipelineSerializer"/>
/// (MessagePack, a documented, versioned format). Messages are immutable and carry data only — never a tensor, a
/// module or an actor reference (replies go to the sender).</summary>
public interface IPipelineMessage;

// ---- Replay buffer protocol ---------------------------------------------------------------------------------

/// <summary>Command to the replay buffer: store these games. Answered by <see cref="GamesAccepted"/> only once they
/// are on disk; a sender retries until then, and the buffer de-duplicates by game id.</summary>
/// <param name="SubmissionId">Identifies the submission in the acknowledgement.</param>
/// <param name="Games">The finished games.</param>
[WireName("submit-games")]
[MessagePackObject]
public sealed record SubmitGames([property: Key(0)] Guid SubmissionId, [property: Key(1)] GameRecord[] Games) : IPipelineMessage;

/// <summary>The games of a submission are on disk (new ones stored, duplicates recognised).</summary>
/// <param name="SubmissionId">The submission.</param>
/// <param name="NewGames">Games that were not stored before.</param>
/// <param name="BufferPositions">Positions in the buffer's window now.</param>
[WireName("games-accepted")]
[MessagePackObject]
public sealed record GamesAccepted([property: Key(0)] Guid SubmissionId, [property: Key(1)] int NewGames, [property: Key(2)] int BufferPositions) : IPipelineMessage;

/// <summary>Query: the buffer's size and how many games it accepted.</summary>
[WireName("get-buffer-status")]
[MessagePackObject]
public sealed record GetBufferStatus : IPipelineMessage;

/// <summary>Command to the buffer: tell me its <see cref="BufferStatus"/> now and after every submission that stores new
/// games, until I stop. Idempotent: a subscriber sends it again (every few seconds) so that a buffer that was
/// re-created elsewhere (a cluster singleton's hand-over) knows it.</summary>
[WireName("subscribe-to-buffer-status")]
[MessagePackObject]
public sealed record SubscribeToBufferStatus : IPipelineMessage;

/// <summary>The buffer's size.</summary>
/// <param name="Positions">Positions in the window.</param>
/// <param name="Games">Games in the window.</param>
/// <param name="GamesAccepted">Games accepted since the buffer started (this process).</param>
[WireName("buffer-status")]
[MessagePackObject]
public sealed record BufferStatus([property: Key(0)] int Positions, [property: Key(1)] int Games, [property: Key(2)] long GamesAccepted) : IPipelineMessage;

/// <summary>Command: draw positions uniformly from the window.</summary>
/// <param name="RequestId">Identifies the reply.</param>
/// <param name="Count">Positions wanted.</param>
[WireName("sample-positions")]
[MessagePackObject]
public sealed record SamplePositions([property: Key(0)] Guid RequestId, [property: Key(1)] int Count) : IPipelineMessage;

/// <summary>Sampled positions: position i is move <c>Plies[i]</c> of <c>Games[GameIndex[i]]</c>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Games">The distinct games the positions come from.</param>
/// <param name="GameIndex">For each position, its game's index in <paramref name="Games"/>.</param>
/// <param name="Plies">For each position, its move index.</param>
[WireName("positions-sampled")]
[MessagePackObject]
public sealed record PositionsSampled(
    [property: Key(0)] Guid RequestId, [property: Key(1)] GameRecord[] Games, [property: Key(2)] int[] GameIndex, [property: Key(3)] int[] Plies) : IPipelineMessage
{
    /// <summary>Wraps sampled positions, sharing each game once.</summary>
    public static PositionsSampled From(Guid requestId, IReadOnlyList<ReplayPosition> positions)
    {
        var index = new Dictionary<Guid, int>();
        var games = new List<GameRecord>();
        var gameIndex = new int[positions.Count];
        var plies = new int[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            var (g, ply) = positions[i];
            if (!index.TryGetValue(g.Id, out int k)) { k = games.Count; index[g.Id] = k; games.Add(g); }
            gameIndex[i] = k;
            plies[i] = ply;
        }
        return new PositionsSampled(requestId, games.ToArray(), gameIndex, plies);
    }

    /// <summary>The positions, in order.</summary>
    public ReplayPosition[] Positions()
    {
        if (GameIndex.Length != Plies.Length) throw new InvalidDataException("sampled positions: index and ply arrays differ in length");
        var result = new ReplayPosition[Plies.Length];
        for (int i = 0; i < result.Length; i++)
        {
            if ((uint)GameIndex[i] >= (uint)Games.Length) throw new InvalidDataException($"sampled position {i} names game {GameIndex[i]} of {Games.Length}");
            var g = Games[GameIndex[i]];
            if ((uint)Plies[i] >= (uint)g.Length) throw new InvalidDataException($"sampled position {i} names move {Plies[i]} of a {g.Length}-move game");
            result[i] = new ReplayPosition(g, Plies[i]);
        }
        return result;
    }
}

/// <summary>Command to the replay buffer: draw <paramref name="Count"/> positions uniformly from the window and send them
/// as <see cref="PositionsSampledPart"/> messages of at most <paramref name="MaxPartBytes"/> bytes each.</summary>
/// <param name="RequestId">Identifies the answer.</param>
/// <param name="Count">Positions wanted.</param>
/// <param name="MaxPartBytes">Upper bound on one part's serialized size (clamped to at most 96,000).</param>
[WireName("sample-positions-in-parts")]
[MessagePackObject]
public sealed record SamplePositionsInParts([property: Key(0)] Guid RequestId, [property: Key(1)] int Count, [property: Key(2)] int MaxPartBytes) : IPipelineMessage;

/// <summary>Part <paramref name="Part"/> of <paramref name="Parts"/> of a sample: consecutive positions, each part with
/// the game records it needs (see <see cref="MessageParts"/>).</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Part">This part, from 0.</param>
/// <param name="Parts">Parts of the sample.</param>
/// <param name="Positions">The part's positions (its <see cref="PositionsSampled.RequestId"/> is the request's).</param>
[WireName("positions-sampled-part")]
[MessagePackObject]
public sealed record PositionsSampledPart([property: Key(0)] Guid RequestId, [property: Key(1)] int Part, [property: Key(2)] int Parts,
    [property: Key(3)] PositionsSampled Positions) : IPipelineMessage;

// ---- Trainer → Precise BN → registry → subscribers ----------------------------------------------------------

/// <summary>The trainer finished a generation: its weights (TorchSharp state dict, EMA statistics included).</summary>
/// <param name="Generation">The generation (1 for the first).</param>
/// <param name="Weights">The network's state dict as written by <c>Module.save</c>.</param>
/// <param name="Losses">The generation's losses.</param>
/// <param name="TrainSeconds">Wall time of the generation's optimiser steps.</param>
[WireName("snapshot-taken")]
[MessagePackObject]
public sealed record SnapshotTaken([property: Key(0)] long Generation, [property: Key(1)] byte[] Weights, [property: Key(2)] LossSummary Losses,
    [property: Key(3)] double TrainSeconds) : IPipelineMessage;

/// <summary>Precise BN finished: the weights to publish (with the statistics <c>bn.inference</c> selects).</summary>
/// <param name="Generation">The generation.</param>
/// <param name="Weights">State dict to publish.</param>
/// <param name="Statistics"><c>ema</c> or <c>precise</c>.</param>
/// <param name="Losses">The trainer's losses of the generation.</param>
/// <param name="Staleness">What Precise BN measured.</param>
/// <param name="TrainSeconds">The generation's training time.</param>
/// <param name="PreciseBnNode">Where the statistics were measured, in a cluster that delegates Precise BN: the precisebn
/// node's address, or <c>local</c> when the trainer node measured them itself (key 6; <c>null</c> otherwise).</param>
[WireName("model-ready")]
[MessagePackObject]
public sealed record ModelReady([property: Key(0)] long Generation, [property: Key(1)] byte[] Weights, [property: Key(2)] string Statistics,
    [property: Key(3)] LossSummary Losses, [property: Key(4)] StalenessSummary Staleness, [property: Key(5)] double TrainSeconds,
    [property: Key(6)] string? PreciseBnNode = null) : IPipelineMessage;

/// <summary>Event: a model version is published (checkpoint on disk). Subscribers load <see cref="Weights"/>.</summary>
/// <param name="Version">The version (the generation that produced it; 0 is the initial model).</param>
/// <param name="Weights">The published state dict.</param>
/// <param name="Statistics"><c>ema</c>, <c>precise</c> or <c>initial</c>.</param>
/// <param name="Sha256">Hex SHA-256 of <paramref name="Weights"/>.</param>
[WireName("model-published")]
[MessagePackObject]
public sealed record ModelPublished([property: Key(0)] long Version, [property: Key(1)] byte[] Weights, [property: Key(2)] string Statistics,
    [property: Key(3)] string Sha256) : IPipelineMessage;

/// <summary>Command to the registry: send me every publication, starting with the current model.</summary>
[WireName("subscribe-to-models")]
[MessagePackObject]
public sealed record SubscribeToModels : IPipelineMessage;

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

// ---- Gating: the registry's best model ----------------------------------------------------------------------

/// <summary>Command to the registry (from the evaluator when <c>evaluation.gating</c> is on): the best model changes
/// only on <see cref="PromoteModel"/> from now on. Without it every publication is also the best.</summary>
[WireName("use-gating")]
[MessagePackObject]
public sealed record UseGating : IPipelineMessage;

/// <summary>Command to the registry: send me the best model (the one self-play uses) now and at every change, as
/// <see cref="BestModelChanged"/>.</summary>
[WireName("subscribe-to-best")]
[MessagePackObject]
public sealed record SubscribeToBest : IPipelineMessage;

/// <summary>Command to the registry: version <paramref name="Version"/> passed the gate and becomes the best.</summary>
/// <param name="Version">A published version.</param>
[WireName("promote-model")]
[MessagePackObject]
public sealed record PromoteModel([property: Key(0)] long Version) : IPipelineMessage;

/// <summary>Event from the registry: the best model is now <paramref name="Model"/>.</summary>
/// <param name="Model">The best model.</param>
[WireName("best-model-changed")]
[MessagePackObject]
public sealed record BestModelChanged([property: Key(0)] ModelPublished Model) : IPipelineMessage;

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
