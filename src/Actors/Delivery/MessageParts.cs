using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Cuts what must cross a remoting frame into parts that each fit it, and puts them together again: a sample of
/// positions (<see cref="PositionsSampledPart"/>: consecutive positions, each part carrying the compact game records it
/// needs, so the receiver re-encodes the positions with the game's own observation code), and, for any message in
/// parts, the checked collection (<see cref="Collect{T}"/>, <see cref="PartCollector{T}"/>). The serialized size of
/// every part, envelope included, stays within the byte limit. The delivery pieces the pipeline and the cluster share
/// live in this folder (with <see cref="SubmissionTracker"/>).
/// </summary>
public static class MessageParts
{
    private static readonly MessagePackSerializerOptions Wire = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The default limit on one part: 96,000 bytes, under Akka's 128,000-byte default frame.</summary>
    public const int DefaultMaxBytes = 96_000;

    /// <summary>Bytes kept for a part's envelope (ids, counts, array headers) beyond its items.</summary>
    public const int Envelope = 96;

    /// <summary>Cuts <paramref name="positions"/> into parts in order; joined with <see cref="JoinSample"/> they give the same
    /// positions in the same order. An empty sample is one empty part.</summary>
    /// <exception cref="InvalidDataException">One game alone does not fit <paramref name="maxBytes"/>.</exception>
    public static PositionsSampledPart[] SplitSample(Guid requestId, IReadOnlyList<ReplayPosition> positions, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        const int perPosition = 10; // two MessagePack integers of at most 5 bytes each
        var groups = new List<List<ReplayPosition>>();
        var current = new List<ReplayPosition>();
        var games = new HashSet<Guid>();
        long bytes = Envelope;
        var sizes = new Dictionary<Guid, int>();
        foreach (var p in positions)
        {
            if (!sizes.TryGetValue(p.Game.Id, out int gameSize))
            {
                gameSize = MessagePackSerializer.Serialize(p.Game, Wire).Length;
                if (Envelope + gameSize + perPosition > maxBytes)
                    throw new InvalidDataException($"game {p.Game.Id} takes {gameSize} bytes, more than the {maxBytes}-byte limit of one part");
                sizes[p.Game.Id] = gameSize;
            }
            long cost = perPosition + (games.Contains(p.Game.Id) ? 0 : gameSize);
            if (current.Count > 0 && bytes + cost > maxBytes)
            {
                groups.Add(current);
                current = [];
                games.Clear();
                bytes = Envelope;
                cost = perPosition + gameSize;
            }
            current.Add(p);
            games.Add(p.Game.Id);
            bytes += cost;
        }
        if (current.Count > 0 || groups.Count == 0) groups.Add(current);
        return groups.Select((g, i) => new PositionsSampledPart(requestId, i, groups.Count, PositionsSampled.From(requestId, g))).ToArray();
    }

    /// <summary>The sample's positions from all its parts (in part order, whatever order they arrived in).</summary>
    /// <exception cref="InvalidDataException">Parts are missing, repeated, of different requests or counts, or name
    /// positions that their games do not have.</exception>
    public static ReplayPosition[] JoinSample(IReadOnlyList<PositionsSampledPart> parts)
    {
        var collector = Collect(parts, p => (p.Part, p.Parts, p.RequestId.ToString()));
        return collector.SelectMany(p => (p.Positions ?? throw new InvalidDataException($"sample part {p.Part} has no positions")).Positions()).ToArray();
    }

    /// <summary>The parts of one message in order, checked: all present, none repeated, all of the same message (the key
    /// <paramref name="describe"/> gives).</summary>
    /// <exception cref="InvalidDataException">Parts are missing, repeated, or of different messages or counts.</exception>
    public static List<T> Collect<T>(IReadOnlyList<T> parts, Func<T, (int Part, int Parts, string Key)> describe)
    {
        if (parts.Count == 0) throw new InvalidDataException("no parts");
        var collector = new PartCollector<T>();
        var key = describe(parts[0]).Key;
        foreach (var p in parts)
        {
            var (part, count, k) = describe(p);
            if (k != key) throw new InvalidDataException($"parts of different messages ({key} and {k})");
            if (!collector.Add(part, count, p)) throw new InvalidDataException($"part {part} given twice");
        }
        if (!collector.IsComplete) throw new InvalidDataException($"{collector.Missing} of {collector.Count} parts missing");
        return collector.InOrder();
    }
}

/// <summary>Collects the parts of one message as they arrive (in any order, repeats ignored) until all are in.</summary>
/// <typeparam name="T">The part's type.</typeparam>
/// <remarks>Not thread-safe: one owner (an actor) calls it.</remarks>
public sealed class PartCollector<T>
{
    private T[]? _parts;
    private bool[]? _have;
    private int _received;

    /// <summary>The number of parts (0 until the first part arrives).</summary>
    public int Count => _parts?.Length ?? 0;

    /// <summary>Parts still missing (0 until the first part arrives).</summary>
    public int Missing => Count - _received;

    /// <summary>Whether every part is in.</summary>
    public bool IsComplete => _parts is not null && _received == _parts.Length;

    /// <summary>Takes part <paramref name="part"/> of <paramref name="parts"/>. Returns <c>false</c> for a repeat.</summary>
    /// <exception cref="InvalidDataException">The count is not positive or differs from earlier parts', or the index is out of range.</exception>
    public bool Add(int part, int parts, T value)
    {
        if (parts < 1 || parts > 1_000_000) throw new InvalidDataException($"a message of {parts} parts");
        _parts ??= new T[parts];
        _have ??= new bool[parts];
        if (parts != _parts.Length) throw new InvalidDataException($"a part says the message has {parts} parts, an earlier one said {_parts.Length}");
        if ((uint)part >= (uint)parts) throw new InvalidDataException($"part {part} of {parts}");
        if (_have[part]) return false;
        _have[part] = true;
        _parts[part] = value;
        _received++;
        return true;
    }

    /// <summary>The parts in order.</summary>
    /// <exception cref="InvalidOperationException">Parts are missing.</exception>
    public List<T> InOrder() => IsComplete ? [.. _parts!] : throw new InvalidOperationException($"{Missing} of {Count} parts missing");
}
