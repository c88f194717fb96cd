using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

// A model's way from the trainer through Precise BN to the registry and its subscribers, and the registry's best model under gating.

/// <summary>The trainer finished a generation: its weights (TorchSharp state dict, EMA statistics included).</summary>
/// <param name="Generation">The generation (1 for the first).</param>
/// <param name="Weights">The network's state dict as written by <c>Module.save</c>.</param>
/// <param name="Losses">The generation's losses.</param>
/// <param name="TrainSeconds">Wall time of the generation's optimiser steps.</param>
[WireName("snapshot-taken")]
[MessagePackObject]
public sealed record SnapshotTaken([property: Key(0)] long Generation, [property: Key(1)] byte[] Weights, [property: Key(2)] LossSummary Losses,
    [property: Key(3)] double TrainSeconds) : IPipelineMessage;

/// <summary>Command from Precise BN to the registry: publish these weights (with the statistics <c>bn.inference</c>
/// selects).</summary>
/// <param name="Generation">The generation.</param>
/// <param name="Weights">State dict to publish.</param>
/// <param name="Statistics"><c>ema</c> or <c>precise</c>.</param>
/// <param name="Losses">The trainer's losses of the generation.</param>
/// <param name="Staleness">What Precise BN measured.</param>
/// <param name="TrainSeconds">The generation's training time.</param>
/// <param name="PreciseBnNode">Where the statistics were measured, in a cluster that delegates Precise BN: the precisebn
/// node's address, or <c>local</c> when the trainer node measured them itself (key 6; <c>null</c> otherwise).</param>
[WireName("model-ready")] // the name from when the type was called ModelReady: the wire format is unchanged
[MessagePackObject]
public sealed record PublishModel([property: Key(0)] long Generation, [property: Key(1)] byte[] Weights, [property: Key(2)] string Statistics,
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
