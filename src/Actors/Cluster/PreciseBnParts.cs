using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// Cuts a remote Precise BN pass's measurement into messages that each fit a remoting frame
/// (<see cref="PreciseBnComputedPart"/>: consecutive layers' statistics, each part with the staleness summary); its
/// sample of positions travels with <see cref="MessageParts.SplitSample"/>. The serialized size of every part, envelope
/// included, stays within the byte limit.
/// </summary>
public static class PreciseBnParts
{
    private static readonly MessagePackSerializerOptions Wire = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The default limit on one part (<see cref="MessageParts.DefaultMaxBytes"/>).</summary>
    public const int DefaultMaxBytes = MessageParts.DefaultMaxBytes;

    /// <summary>Cuts a measurement into parts in layer order; every part carries the staleness summary.</summary>
    /// <exception cref="InvalidDataException">One layer alone does not fit <paramref name="maxBytes"/>.</exception>
    public static PreciseBnComputedPart[] SplitMeasurement(Guid jobId, long generation, string snapshotSha256, IReadOnlyList<BnLayerStatistics> layers,
        StalenessSummary staleness, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        long fixedBytes = MessageParts.Envelope + snapshotSha256.Length + MessagePackSerializer.Serialize(staleness, Wire).Length;
        var groups = ByteBudget.Group(layers, l => MessagePackSerializer.Serialize(l, Wire).Length, fixedBytes, maxBytes,
            (layer, size) => $"the statistics of layer '{layer.Name}' take {size} bytes, more than the {maxBytes}-byte limit of one part");
        if (groups.Count == 0) groups.Add([]);
        return groups.Select((g, i) => new PreciseBnComputedPart(jobId, generation, snapshotSha256, i, groups.Count, g.ToArray(), staleness)).ToArray();
    }

    /// <summary>The measurement's layers from all its parts, in part order, and the staleness summary.</summary>
    /// <exception cref="InvalidDataException">Parts are missing, repeated, or of different jobs, snapshots or counts.</exception>
    public static (BnLayerStatistics[] Layers, StalenessSummary Staleness) JoinMeasurement(IReadOnlyList<PreciseBnComputedPart> parts)
    {
        var ordered = MessageParts.Collect(parts, p => (p.Part, p.Parts, $"{p.JobId}/{p.Generation}/{p.SnapshotSha256}"));
        var staleness = ordered[0].Staleness ?? throw new InvalidDataException("a Precise BN answer without its staleness summary");
        return (ordered.SelectMany(p => p.Layers ?? throw new InvalidDataException($"Precise BN answer part {p.Part} has no layers")).ToArray(), staleness);
    }
}
