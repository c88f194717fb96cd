using Akka.Actor;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>Messages an actor sends itself or its parent inside one process (never on the wire, so exempt from
/// serialization checks).</summary>
internal static class Local
{
    internal sealed record GameDone(GameRecord Game) : INoSerializationVerificationNeeded;
    internal sealed record Flush : INoSerializationVerificationNeeded { public static readonly Flush Instance = new(); }
    internal sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    internal sealed record Trained(SnapshotTaken Snapshot, byte[] Optimizer) : INoSerializationVerificationNeeded;
    internal sealed record WorkFailed(string What, Exception Error) : INoSerializationVerificationNeeded;
}

/// <summary>Counters of the self-play actor, asked by the run actor.</summary>
/// <param name="Games">Games finished by this process.</param>
/// <param name="Positions">Positions of those games.</param>
/// <param name="Unacknowledged">Games submitted but not yet acknowledged by the buffer.</param>
/// <param name="Inference">The inference service's counters.</param>
public sealed record SelfPlayStats(long Games, long Positions, int Unacknowledged, BatchingStatistics Inference) : INoSerializationVerificationNeeded;

/// <summary>Query for <see cref="SelfPlayStats"/>.</summary>
public sealed record GetSelfPlayStats : INoSerializationVerificationNeeded
{
    /// <summary>The one instance.</summary>
    public static readonly GetSelfPlayStats Instance = new();
}
