namespace SelfPlayBN.Actors.Cluster;

/// <summary>What a <see cref="ModelDownload"/> made of an announcement.</summary>
public enum AnnouncementOutcome
{
    /// <summary>Nothing to do: an older model, the one delivered, the one being fetched, or a refusal already reported.</summary>
    Ignored,

    /// <summary>A model for another game or other network options, seen for the first time: refused.</summary>
    Refused,

    /// <summary>The announcement contradicts itself (see the problem): ignored.</summary>
    Invalid,

    /// <summary>The download of this model started: ask for <see cref="ModelDownload.Requests"/>.</summary>
    Started,
}

/// <summary>What a <see cref="ModelDownload"/> made of a chunk.</summary>
public enum ChunkOutcome
{
    /// <summary>Nothing to do: no download, another model's chunk, or one already in.</summary>
    Ignored,

    /// <summary>A new chunk: ask for <see cref="ModelDownload.Requests"/>.</summary>
    Progress,

    /// <summary>The last chunk: the whole model is in and matches its announcement.</summary>
    Delivered,

    /// <summary>The download is abandoned (see the problem): a chunk or the whole contradicts the announcement.</summary>
    Discarded,
}

/// <summary>What a <see cref="ModelDownload"/> does when the chunk timeout passes without progress.</summary>
public enum StallOutcome
{
    /// <summary>No download, or progress within the timeout.</summary>
    None,

    /// <summary>The outstanding chunks are asked for again (<see cref="ModelDownload.Requests"/>).</summary>
    AskAgain,

    /// <summary>Too many timeouts in a row: the download is abandoned until the next announcement.</summary>
    GaveUp,
}

/// <summary>
/// A node's download of the trainer's models, as a plain class the <see cref="ModelFollowerActor"/> drives: which
/// announcements to follow (the node's game and network options only, never older than the model delivered), the chunks
/// in flight (at most <see cref="Window"/>), asking again after <c>chunkTimeout</c> without progress and giving up after
/// <see cref="MaxTimeouts"/> such timeouts in a row, and the model handed out only when the whole matches its announced
/// size and SHA-256 (<see cref="ModelReassembler"/>). Times are passed in.
/// </summary>
/// <param name="game">The node's game.</param>
/// <param name="network">The node's network options (as JSON).</param>
/// <param name="chunkTimeout">How long without a new chunk before the outstanding ones are asked for again.</param>
public sealed class ModelDownload(string game, string network, TimeSpan chunkTimeout)
{
    /// <summary>Chunk requests in flight at once.</summary>
    public const int Window = 4;

    /// <summary>A download is abandoned (to start over with the next announcement) after this many timeouts in a row.</summary>
    public const int MaxTimeouts = 6;

    private readonly HashSet<int> _outstanding = [];
    private readonly HashSet<long> _refused = [];
    private ModelAnnounced? _delivered;
    private ModelReassembler? _fetch;
    private DateTime _lastProgress;
    private int _timeouts;

    /// <summary>The model being fetched, or <c>null</c>.</summary>
    public ModelAnnounced? Fetching => _fetch?.Announced;

    /// <summary>Chunks asked for and not yet received.</summary>
    public int Outstanding => _outstanding.Count;

    /// <summary>Timeouts in a row of the current download.</summary>
    public int Timeouts => _timeouts;

    /// <summary>Decides on an announcement at <paramref name="now"/>; <paramref name="problem"/> says why one is
    /// <see cref="AnnouncementOutcome.Invalid"/>.</summary>
    public AnnouncementOutcome Announced(ModelAnnounced a, DateTime now, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(a);
        problem = null;
        if (a.Game != game || a.Network != network) return _refused.Add(a.Version) ? AnnouncementOutcome.Refused : AnnouncementOutcome.Ignored;
        if (_delivered is not null && (a.Version < _delivered.Version || (a.Version == _delivered.Version && a.Sha256 == _delivered.Sha256)))
            return AnnouncementOutcome.Ignored;
        if (_fetch is { Announced: var f } && (f.Version > a.Version || (f.Version == a.Version && f.Sha256 == a.Sha256))) return AnnouncementOutcome.Ignored;
        try
        {
            _fetch = new ModelReassembler(a);
        }
        catch (InvalidDataException e)
        {
            problem = e.Message;
            return AnnouncementOutcome.Invalid;
        }
        _outstanding.Clear();
        _timeouts = 0;
        _lastProgress = now;
        return AnnouncementOutcome.Started;
    }

    /// <summary>Takes a chunk at <paramref name="now"/>. <paramref name="weights"/> is the model when
    /// <see cref="ChunkOutcome.Delivered"/>; <paramref name="problem"/> says why one is <see cref="ChunkOutcome.Discarded"/>.</summary>
    public ChunkOutcome Chunk(ModelChunk chunk, DateTime now, out byte[]? weights, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        weights = null;
        problem = null;
        if (_fetch is not { } fetch) return ChunkOutcome.Ignored;
        try
        {
            if (!fetch.Accept(chunk)) return ChunkOutcome.Ignored;
        }
        catch (InvalidDataException e)
        {
            problem = $"discarding the transfer of model {fetch.Announced.Version}: {e.Message}";
            Abandon();
            return ChunkOutcome.Discarded;
        }
        _outstanding.Remove(chunk.Index);
        _lastProgress = now;
        _timeouts = 0;
        if (!fetch.HasAllChunks) return ChunkOutcome.Progress;
        Abandon();
        try
        {
            weights = fetch.Complete();
        }
        catch (InvalidDataException e)
        {
            problem = $"discarding model {fetch.Announced.Version}: {e.Message}";
            return ChunkOutcome.Discarded;
        }
        _delivered = fetch.Announced;
        return ChunkOutcome.Delivered;
    }

    /// <summary>The chunks to ask for now (missing ones not in flight, up to <see cref="Window"/> in flight); each is
    /// counted as in flight.</summary>
    public IReadOnlyList<FetchModelChunk> Requests()
    {
        if (_fetch is not { } fetch) return [];
        var requests = new List<FetchModelChunk>();
        foreach (int index in fetch.Missing())
        {
            if (_outstanding.Count >= Window) break;
            if (_outstanding.Add(index)) requests.Add(new FetchModelChunk(fetch.Announced.Version, fetch.Announced.Sha256, index));
        }
        return requests;
    }

    /// <summary>The trainer no longer offers <paramref name="version"/>: abandons it if it is the one being fetched, and
    /// says so.</summary>
    public bool NotServed(long version)
    {
        if (_fetch?.Announced.Version != version) return false;
        Abandon();
        return true;
    }

    /// <summary>Checks for a stalled download at <paramref name="now"/>.</summary>
    public StallOutcome Check(DateTime now)
    {
        if (_fetch is null || now - _lastProgress < chunkTimeout) return StallOutcome.None;
        if (++_timeouts >= MaxTimeouts)
        {
            Abandon();
            return StallOutcome.GaveUp;
        }
        _lastProgress = now;
        _outstanding.Clear();
        return StallOutcome.AskAgain;
    }

    private void Abandon()
    {
        _fetch = null;
        _outstanding.Clear();
    }
}
