using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

// ---- Model distribution across a cluster ---------------------------------------------------------------------
// A publication is announced with a small message (pub-sub topic "models", and on request); the weights themselves
// travel in chunks that the receiver pulls, each far below Akka's 128,000-byte frame limit, and are verified
// against the announced size and SHA-256 before a node serves them.

/// <summary>Event (pub-sub topic <see cref="ModelTopic.Name"/>, and the answer to <see cref="GetCurrentModel"/>): the
/// model self-play should use is version <paramref name="Version"/>; fetch it with <see cref="FetchModelChunk"/>.</summary>
/// <param name="Version">The model version (0: the initial model).</param>
/// <param name="Sha256">Hex SHA-256 of the weights (lower case).</param>
/// <param name="Size">Size of the weights in bytes.</param>
/// <param name="ChunkSize">Bytes per chunk (the last chunk may be shorter).</param>
/// <param name="Statistics"><c>initial</c>, <c>ema</c> or <c>precise</c>.</param>
/// <param name="Game">The game's name: a node of another game refuses the model.</param>
/// <param name="Network">The network options as JSON: a node with other options refuses the model.</param>
[WireName("model-announced")]
[MessagePackObject]
public sealed record ModelAnnounced([property: Key(0)] long Version, [property: Key(1)] string Sha256, [property: Key(2)] int Size,
    [property: Key(3)] int ChunkSize, [property: Key(4)] string Statistics, [property: Key(5)] string Game, [property: Key(6)] string Network) : IPipelineMessage
{
    /// <summary>Number of chunks.</summary>
    [IgnoreMember]
    public int Chunks => ModelChunking.ChunkCount(Size, ChunkSize);
}

/// <summary>Query to the trainer singleton: which model should self-play use now? Answered by
/// <see cref="ModelAnnounced"/> (nothing while the trainer has no model yet).</summary>
[WireName("get-current-model")]
[MessagePackObject]
public sealed record GetCurrentModel : IPipelineMessage;

/// <summary>Command to the trainer singleton: send chunk <paramref name="Index"/> of model <paramref name="Version"/>.
/// Answered by <see cref="ModelChunk"/>, or <see cref="ModelNotServed"/> when that version is no longer offered.</summary>
/// <param name="Version">The model version.</param>
/// <param name="Sha256">Its announced checksum (a request for other bytes under the same version is refused).</param>
/// <param name="Index">The chunk, from 0.</param>
[WireName("fetch-model-chunk")]
[MessagePackObject]
public sealed record FetchModelChunk([property: Key(0)] long Version, [property: Key(1)] string Sha256, [property: Key(2)] int Index) : IPipelineMessage;

/// <summary>One chunk of a model's weights: bytes <c>[Index·ChunkSize, Index·ChunkSize + Bytes.Length)</c>.</summary>
/// <param name="Version">The model version.</param>
/// <param name="Sha256">The checksum of the whole model.</param>
/// <param name="Index">The chunk, from 0.</param>
/// <param name="Bytes">The chunk's bytes.</param>
[WireName("model-chunk")]
[MessagePackObject]
public sealed record ModelChunk([property: Key(0)] long Version, [property: Key(1)] string Sha256, [property: Key(2)] int Index,
    [property: Key(3)] byte[] Bytes) : IPipelineMessage;

/// <summary>Answer to <see cref="FetchModelChunk"/>: that model is not offered (any more); ask for the current one.</summary>
/// <param name="Version">The version asked for.</param>
/// <param name="Reason">Why, for the log.</param>
[WireName("model-not-served")]
[MessagePackObject]
public sealed record ModelNotServed([property: Key(0)] long Version, [property: Key(1)] string Reason) : IPipelineMessage;

/// <summary>Event (pub-sub topic <see cref="ModelTopic.Name"/>): the trainer ended the run at a limit of its options
/// (<c>--generations</c>, <c>--minutes</c>); the other nodes stop. Not sent when the trainer node is stopped by hand or
/// fails: then the run goes on when it is started again.</summary>
/// <param name="Generation">The last generation published.</param>
/// <param name="Reason">Which limit, in words (e.g. <c>reached 20 generations</c>).</param>
[WireName("run-finished")]
[MessagePackObject]
public sealed record RunFinished([property: Key(0)] long Generation, [property: Key(1)] string Reason) : IPipelineMessage;

/// <summary>The distributed pub-sub topic of model announcements (and of <see cref="RunFinished"/>).</summary>
public static class ModelTopic
{
    /// <summary>The topic's name.</summary>
    public const string Name = "models";
}

// ---- Precise BN on a node of its own (role "precisebn") ------------------------------------------------------
// The trainer singleton offers a job; the precisebn node pulls the frozen snapshot with the model protocol above
// (GetCurrentModel / FetchModelChunk, answered by the trainer's snapshot server), asks the replay-buffer singleton for
// sampled positions in parts that each fit a frame, measures, and sends back only the statistics and the staleness
// summary, also in parts.

/// <summary>Command from the trainer singleton to a precisebn node: measure Precise BN on this snapshot. The snapshot is
/// fetched from the sender like a model (<see cref="GetCurrentModel"/>, <see cref="FetchModelChunk"/>); the answer is
/// <see cref="PreciseBnComputedPart"/> messages (or <see cref="PreciseBnFailed"/>) to the sender.</summary>
/// <param name="JobId">Identifies the job in the answers.</param>
/// <param name="Snapshot">The snapshot: version = generation, SHA-256, size, chunk size, game, network options.</param>
/// <param name="Positions">Positions to sample from the replay buffer (batches plus the held-out batch).</param>
[WireName("precise-bn-job")]
[MessagePackObject]
public sealed record PreciseBnJob([property: Key(0)] Guid JobId, [property: Key(1)] ModelAnnounced Snapshot, [property: Key(2)] int Positions) : IPipelineMessage;

/// <summary>Part <paramref name="Part"/> of <paramref name="Parts"/> of a precisebn node's answer to a
/// <see cref="PreciseBnJob"/>: some layers' precise statistics, and the staleness summary (the same in every part).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Generation">The snapshot's generation.</param>
/// <param name="SnapshotSha256">The snapshot's SHA-256 (an answer for another snapshot is ignored).</param>
/// <param name="Part">This part, from 0.</param>
/// <param name="Parts">Parts of the answer.</param>
/// <param name="Layers">Statistics of some layers.</param>
/// <param name="Staleness">The staleness measured.</param>
[WireName("precise-bn-computed-part")]
[MessagePackObject]
public sealed record PreciseBnComputedPart([property: Key(0)] Guid JobId, [property: Key(1)] long Generation, [property: Key(2)] string SnapshotSha256,
    [property: Key(3)] int Part, [property: Key(4)] int Parts, [property: Key(5)] BnLayerStatistics[] Layers,
    [property: Key(6)] StalenessSummary Staleness) : IPipelineMessage;

/// <summary>A precisebn node could not measure a job (the trainer then runs Precise BN itself).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Reason">Why.</param>
[WireName("precise-bn-failed")]
[MessagePackObject]
public sealed record PreciseBnFailed([property: Key(0)] Guid JobId, [property: Key(1)] string Reason) : IPipelineMessage;
