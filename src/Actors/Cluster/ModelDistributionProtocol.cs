using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

// Model distribution across a cluster: announcements on the model topic, the current model on request, checksummed chunks; the end of the run.

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
    public int Chunks => ChunkSize < 1 || Size < 0 ? 0 : (int)((Size + (long)ChunkSize - 1) / ChunkSize);
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
