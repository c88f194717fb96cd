using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>Cuts a model's weights into chunks that each fit one remoting frame.</summary>
public static class ModelChunking
{
    /// <summary>The chunk size used by the cluster: 64 KiB, about half of Akka's default 128,000-byte
    /// <c>maximum-frame-size</c>, which leaves room for the envelope and keeps heartbeats flowing between chunks.</summary>
    public const int DefaultChunkSize = 64 * 1024;

    /// <summary>Chunks of a model of <paramref name="size"/> bytes (a 0-byte model has none).</summary>
    public static int ChunkCount(int size, int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        return (int)((size + (long)chunkSize - 1) / chunkSize);
    }

    /// <summary>Bytes of chunk <paramref name="index"/> (a copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a chunk of the model.</exception>
    public static byte[] Chunk(byte[] model, int index, int chunkSize)
    {
        int count = ChunkCount(model.Length, chunkSize);
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the model has {count} chunks");
        int start = index * chunkSize;
        return model.AsSpan(start, Math.Min(chunkSize, model.Length - start)).ToArray();
    }
}

/// <summary>
/// Rebuilds an announced model from its chunks, received in any order, repeated or not. The model is handed out
/// (<see cref="Complete"/>) only once every chunk is in and the whole has the announced size and SHA-256: a node never
/// serves a half-received or corrupted model.
/// </summary>
/// <remarks>Not thread-safe: one owner (an actor) calls it.</remarks>
public sealed class ModelReassembler
{
    private readonly byte[] _bytes;
    private readonly bool[] _have;
    private int _received;

    /// <summary>Starts receiving <paramref name="announced"/>.</summary>
    /// <exception cref="InvalidDataException">The announcement is not self-consistent (negative size, no chunk size).</exception>
    public ModelReassembler(ModelAnnounced announced)
    {
        if (announced.Size < 0 || announced.ChunkSize < 1)
            throw new InvalidDataException($"model {announced.Version}: announced size {announced.Size} with chunk size {announced.ChunkSize}");
        Announced = announced;
        _bytes = new byte[announced.Size];
        _have = new bool[announced.Chunks];
    }

    /// <summary>The model being received.</summary>
    public ModelAnnounced Announced { get; }

    /// <summary>Chunks received so far (distinct).</summary>
    public int Received => _received;

    /// <summary>Whether every chunk is in.</summary>
    public bool HasAllChunks => _received == _have.Length;

    /// <summary>The missing chunks, lowest first.</summary>
    public IEnumerable<int> Missing() => Enumerable.Range(0, _have.Length).Where(i => !_have[i]);

    /// <summary>Takes a chunk. Returns <c>false</c> for a chunk of another model or a repeat (ignored); throws for a
    /// chunk of this model that cannot be right.</summary>
    /// <exception cref="InvalidDataException">The index is out of range or the length is not the one its index implies.</exception>
    public bool Accept(ModelChunk chunk)
    {
        if (chunk.Version != Announced.Version || chunk.Sha256 != Announced.Sha256) return false;
        if ((uint)chunk.Index >= (uint)_have.Length)
            throw new InvalidDataException($"model {Announced.Version}: chunk {chunk.Index} of {_have.Length}");
        int start = chunk.Index * Announced.ChunkSize;
        int expected = Math.Min(Announced.ChunkSize, Announced.Size - start);
        if (chunk.Bytes is null || chunk.Bytes.Length != expected)
            throw new InvalidDataException($"model {Announced.Version}: chunk {chunk.Index} has {chunk.Bytes?.Length ?? 0} bytes, expected {expected}");
        if (_have[chunk.Index]) return false;
        chunk.Bytes.CopyTo(_bytes, start);
        _have[chunk.Index] = true;
        _received++;
        return true;
    }

    /// <summary>The model's weights, once every chunk is in and they match the announced checksum.</summary>
    /// <exception cref="InvalidOperationException">Chunks are missing.</exception>
    /// <exception cref="InvalidDataException">The bytes do not match the announced SHA-256.</exception>
    public byte[] Complete()
    {
        if (!HasAllChunks) throw new InvalidOperationException($"model {Announced.Version}: {_have.Length - _received} of {_have.Length} chunks missing");
        string sha = Models.Sha256(_bytes);
        if (sha != Announced.Sha256)
            throw new InvalidDataException($"model {Announced.Version}: the received {_bytes.Length} bytes have SHA-256 {sha}, announced {Announced.Sha256}");
        return _bytes;
    }
}
