using System.Globalization;
using MessagePack;
using SelfPlayBN.Games;

namespace SelfPlayBN.Training;

/// <summary>One training position: move <see cref="Ply"/> of <see cref="Game"/>.</summary>
/// <param name="Game">The game record.</param>
/// <param name="Ply">The index of the move (0: the initial position).</param>
public readonly record struct ReplayPosition(GameRecord Game, int Ply);

/// <summary>
/// The replay buffer: a window of the most recent positions, sampled uniformly, persisted as append-only segment
/// files. Each <see cref="Append"/> writes its new games as one segment (<c>segment-NNNNNNNN.msgpack</c>, a MessagePack
/// array of <see cref="GameRecord"/>) atomically and durably before they enter the window, so a game counts as
/// accepted only once it is on disk; <see cref="Open(IGame, string, ReplayWindow)"/> reloads the segments in order after a restart. Games are
/// de-duplicated by id among the games kept. Segments whose games have all left the window are deleted.
/// With a growing window (<see cref="ReplayWindow.Growth"/>) the count of training positions accepted in all is kept in
/// <c>window.msgpack</c> (written after each segment; positions of segments written after it are counted again when the
/// buffer is opened), so a resumed run keeps its window's size.
/// </summary>
/// <remarks>Not thread-safe: one owner (the replay-buffer actor) calls it.</remarks>
public sealed class ReplayBuffer
{
    private const string Prefix = "segment-";
    private const string Extension = ".msgpack";
    private const string CounterFile = "window.msgpack";
    private static readonly MessagePackSerializerOptions Wire = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly IGame _game;
    private readonly string _directory;
    private readonly ReplayWindow _window;
    private readonly LinkedList<(long Segment, GameRecord Game)> _games = new();
    private readonly HashSet<Guid> _ids = [];
    private readonly Dictionary<long, int> _liveGamesPerSegment = [];
    private long _nextSegment;
    private int _positions;
    private long _accepted;
    private (GameRecord Game, int Start)[]? _index;

    private ReplayBuffer(IGame game, string directory, ReplayWindow window)
    {
        _game = game;
        _directory = directory;
        _window = window;
    }

    /// <summary>Opens (or creates) the buffer in <paramref name="directory"/> with a fixed window of
    /// <paramref name="windowPositions"/> training positions, reloading every segment there.</summary>
    /// <exception cref="InvalidDataException">A segment is corrupt or holds games of another game; the message names the file.</exception>
    public static ReplayBuffer Open(IGame game, string directory, int windowPositions) => Open(game, directory, new ReplayWindow(windowPositions));

    /// <summary>Opens (or creates) the buffer in <paramref name="directory"/>, reloading every segment there.</summary>
    /// <exception cref="InvalidDataException">A segment or the window's counter is corrupt, or a segment holds games of another
    /// game; the message names the file.</exception>
    public static ReplayBuffer Open(IGame game, string directory, ReplayWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(window.MaxPositions, 1);
        Directory.CreateDirectory(directory);
        DurableFile.CleanTemporaryFiles(directory);
        var buffer = new ReplayBuffer(game, directory, window);
        var (countedTo, accepted) = window.Growth is null ? (-1L, 0L) : ReadCounter(Path.Combine(directory, CounterFile));
        var loaded = new List<(long Segment, List<GameRecord> Games)>();
        foreach (var (segment, path) in SegmentFiles(directory))
        {
            var games = ReadSegment(path);
            foreach (var g in games) buffer.CheckGame(g, path);
            buffer._nextSegment = segment + 1;
            var fresh = games.Where(g => buffer._ids.Add(g.Id)).ToList();
            if (segment > countedTo) accepted += fresh.Sum(g => (long)g.TrainingPositions);
            loaded.Add((segment, fresh));
        }
        // The count first, so that the segments are windowed with the size the run had reached.
        buffer._accepted = accepted;
        foreach (var (segment, games) in loaded) buffer.AddToWindow(segment, games);
        return buffer;
    }

    /// <summary>Training positions accepted in all: with a growing window, since the run began (the count survives a
    /// restart); with a fixed one, those loaded at <see cref="Open(IGame, string, ReplayWindow)"/> plus those accepted since.</summary>
    public long PositionsAccepted => _accepted;

    /// <summary>The window's size now, in training positions (<see cref="ReplayWindow.Size"/> of <see cref="PositionsAccepted"/>).</summary>
    public int WindowSize => _window.Size(_accepted);

    /// <summary>Training positions in the window (<see cref="GameRecord.TrainingPositions"/>: every move, or with playout cap
    /// randomisation the moves of full searches); the window's size is counted in them.</summary>
    public int Positions => _positions;

    /// <summary>Games in the window.</summary>
    public int Games => _games.Count;

    /// <summary>Games accepted since this process opened the buffer.</summary>
    public long GamesAccepted { get; private set; }

    /// <summary>Whether a game with this id is in the window.</summary>
    public bool Contains(Guid id) => _ids.Contains(id);

    /// <summary>
    /// Accepts <paramref name="games"/>: validates them, drops those already kept (same id), writes the rest as one
    /// segment to disk, then adds them to the window. Returns the number of new games. When this returns, every game
    /// of the call is on disk (new or already there), so the caller may acknowledge them all.
    /// </summary>
    /// <exception cref="InvalidDataException">A game is invalid for this buffer's game (nothing is written).</exception>
    public int Append(IReadOnlyList<GameRecord> games)
    {
        foreach (var g in games) CheckGame(g, "submitted game");
        var fresh = new List<GameRecord>();
        var seen = new HashSet<Guid>();
        foreach (var g in games)
            if (!_ids.Contains(g.Id) && seen.Add(g.Id)) fresh.Add(g);
        if (fresh.Count == 0) return 0;
        long segment = _nextSegment++;
        var bytes = MessagePackSerializer.Serialize(fresh.ToArray(), Wire);
        DurableFile.WriteAllBytes(SegmentPath(segment), bytes);
        foreach (var g in fresh) _ids.Add(g.Id);
        _accepted += fresh.Sum(g => (long)g.TrainingPositions);
        if (_window.Growth is not null) WriteCounter(segment);
        AddToWindow(segment, fresh);
        GamesAccepted += fresh.Count;
        return fresh.Count;
    }

    /// <summary>Draws <paramref name="count"/> training positions uniformly (with replacement) from the window: i.i.d. across
    /// games, never a run of one game's positions.</summary>
    public ReplayPosition[] Sample(int count, Random rng)
    {
        if (_positions == 0) throw new InvalidOperationException("the replay buffer is empty");
        _index ??= BuildIndex();
        var result = new ReplayPosition[count];
        for (int i = 0; i < count; i++)
        {
            int p = rng.Next(_positions);
            int lo = 0, hi = _index.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (_index[mid].Start <= p) lo = mid; else hi = mid - 1;
            }
            result[i] = new ReplayPosition(_index[lo].Game, _index[lo].Game.TrainingPly(p - _index[lo].Start));
        }
        return result;
    }

    /// <summary>The most recent games, newest last.</summary>
    public IEnumerable<GameRecord> RecentGames(int count) => _games.Skip(Math.Max(0, _games.Count - count)).Select(e => e.Game);

    private void AddToWindow(long segment, IReadOnlyList<GameRecord> games)
    {
        if (games.Count == 0) return;
        foreach (var g in games)
        {
            _games.AddLast((segment, g));
            _positions += g.TrainingPositions;
        }
        _liveGamesPerSegment[segment] = _liveGamesPerSegment.GetValueOrDefault(segment) + games.Count;
        int window = WindowSize;
        while (_games.Count > 1 && _positions - _games.First!.Value.Game.TrainingPositions >= window)
        {
            var (oldSegment, old) = _games.First.Value;
            _games.RemoveFirst();
            _positions -= old.TrainingPositions;
            _ids.Remove(old.Id);
            if (--_liveGamesPerSegment[oldSegment] == 0)
            {
                _liveGamesPerSegment.Remove(oldSegment);
                File.Delete(SegmentPath(oldSegment));
            }
        }
        _index = null;
    }

    private void WriteCounter(long segment) =>
        DurableFile.WriteAllBytes(Path.Combine(_directory, CounterFile), MessagePackSerializer.Serialize(new[] { segment, _accepted }, Wire));

    /// <summary>The last segment counted and the positions accepted up to it; (-1, 0) when there is no counter yet.</summary>
    private static (long Segment, long Accepted) ReadCounter(string path)
    {
        if (!File.Exists(path)) return (-1, 0);
        long[]? counter;
        try { counter = MessagePackSerializer.Deserialize<long[]>(File.ReadAllBytes(path), Wire); }
        catch (MessagePackSerializationException e) { throw new InvalidDataException($"replay window counter {path} is corrupt: {e.Message}", e); }
        if (counter is not [long segment, long accepted] || segment < 0 || accepted < 0)
            throw new InvalidDataException($"replay window counter {path} is corrupt: expected [last segment, positions accepted], both non-negative");
        return (segment, accepted);
    }

    private (GameRecord, int)[] BuildIndex()
    {
        var index = new (GameRecord, int)[_games.Count];
        int i = 0, start = 0;
        foreach (var (_, g) in _games) { index[i++] = (g, start); start += g.TrainingPositions; }
        return index;
    }

    private void CheckGame(GameRecord g, string source)
    {
        if (g is null) throw new InvalidDataException($"{source}: a game record is missing");
        if (g.Game != _game.Name) throw new InvalidDataException($"{source}: game {g.Id} is {g.Game}, this buffer holds {_game.Name}");
        try { g.Validate(_game.NumActions, _game.NumPlayers); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        if (g.Length == 0) throw new InvalidDataException($"{source}: game {g.Id} has no moves");
    }

    private string SegmentPath(long segment) =>
        Path.Combine(_directory, Prefix + segment.ToString("D8", CultureInfo.InvariantCulture) + Extension);

    /// <summary>
    /// Every game the segments in <paramref name="directory"/> hold, oldest segment first, read without opening a buffer:
    /// nothing in the folder is written or removed, so a study may read the replay of a run that is still going (a segment
    /// being written appears only when complete, as segments are written to a temporary name and renamed).
    /// </summary>
    /// <exception cref="InvalidDataException">A segment is corrupt; the message names the file.</exception>
    public static IEnumerable<GameRecord> ReadGames(string directory)
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var (_, path) in SegmentFiles(directory).ToList())
        {
            GameRecord[] games;
            try { games = ReadSegment(path); }
            catch (FileNotFoundException) { continue; } // pruned by the run since the listing
            foreach (var g in games) yield return g;
        }
    }

    private static GameRecord[] ReadSegment(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            return MessagePackSerializer.Deserialize<GameRecord[]>(bytes, Wire)
                ?? throw new InvalidDataException($"replay segment {path} is corrupt: it holds nil, not an array of games");
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"replay segment {path} is corrupt: {e.Message}", e);
        }
    }

    private static IEnumerable<(long Segment, string Path)> SegmentFiles(string directory) =>
        Directory.EnumerateFiles(directory, Prefix + "*" + Extension)
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Path: f))
            .Select(f => (Ok: long.TryParse(f.Name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long n), n, f.Path))
            .Where(f => f.Ok)
            .OrderBy(f => f.n)
            .Select(f => (f.n, f.Path));
}
