using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

// Precise BN on a node of its own (role "precisebn"): the job, the answer in parts, the failure.

// The trainer singleton offers a job; the precisebn node pulls the frozen snapshot with the model distribution protocol
// (GetCurrentModel / FetchModelChunk, answered by the trainer's snapshot server), asks the replay-buffer singleton for
// sampled positions in parts that each fit a frame, measures, and sends back only the statistics and the staleness
// summary, also in parts.

/// <summary>Command from the trainer singleton to a precisebn node: measure Precise BN on this snapshot. The snapshot is
/// fetched from the sender like a model (<see cref="GetCurrentModel"/>, <see cref="FetchModelChunk"/>); the answer is
/// <see cref="PreciseBnComputedPart"/> messages (or <see cref="PreciseBnFailed"/>) to the sender.</summary>
/// <param name="JobId">Identifies the job in the answers.</param>
/// <param name="Snapshot">The snapshot: version = generation, SHA-256, size, chunk size, game, network options.</param>
/// <param name="Positions">Positions to sample from the replay buffer (batches plus the held-out batch).</param>
[WireName("precise-bn-job")] // the name from when the type was called PreciseBnJob: the wire format is unchanged
[MessagePackObject]
public sealed record MeasurePreciseBn([property: Key(0)] Guid JobId, [property: Key(1)] ModelAnnounced Snapshot, [property: Key(2)] int Positions) : IPipelineMessage;

/// <summary>Part <paramref name="Part"/> of <paramref name="Parts"/> of a precisebn node's answer to a
/// <see cref="MeasurePreciseBn"/>: some layers' precise statistics, and the staleness summary (the same in every part).</summary>
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
