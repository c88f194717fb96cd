using MessagePack;

namespace SelfPlayBN.Training.Tests;

public sealed class ReplayBufferTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Random _rng = new(7);

    public void Dispose() => _dir.Dispose();

    private ReplayBuffer Open(int window = 10_000) => ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window);

    private GameRecord[] Games(int n) => Enumerable.Range(0, n).Select(_ => TestGames.RandomRecord(_rng)).ToArray();

    private static string Segment(long n) => $"segment-{n:D8}.msgpack";

    private static void AssertSameGames(IReadOnlyList<GameRecord> expected, IEnumerable<GameRecord> actual)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Select(g => g.Id), a.Select(g => g.Id));
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(expected[i].Game, a[i].Game);
            Assert.Equal(expected[i].Actions, a[i].Actions);
            Assert.Equal(expected[i].Returns, a[i].Returns);
            Assert.Equal(expected[i].ModelVersion, a[i].ModelVersion);
            Assert.Equal(expected[i].FirstModelVersion, a[i].FirstModelVersion);
            for (int m = 0; m < a[i].Length; m++) Assert.Equal(expected[i].Policies[m], a[i].Policies[m]);
        }
    }

    [Fact]
    public void AppendWritesSegmentBeforeReturning()
    {
        var buffer = Open();
        Assert.Empty(_dir.FileNames());
        var games = Games(3);
        Assert.Equal(3, buffer.Append(games));
        Assert.Equal([Segment(0)], _dir.FileNames());
        // The file alone holds the games (read with the wire format, no buffer involved).
        var onDisk = MessagePackSerializer.Deserialize<GameRecord[]>(File.ReadAllBytes(Path.Combine(_dir.Path, Segment(0))));
        AssertSameGames(games, onDisk);
        Assert.Equal(3, buffer.Games);
        Assert.Equal(games.Sum(g => g.Length), buffer.Positions);
        Assert.Equal(3, buffer.GamesAccepted);
        Assert.All(games, g => Assert.True(buffer.Contains(g.Id)));

        buffer.Append(Games(2));
        Assert.Equal([Segment(0), Segment(1)], _dir.FileNames());
    }

    [Fact]
    public void ReopenReloadsAllGamesInOrder()
    {
        var buffer = Open();
        var all = new List<GameRecord>();
        for (int call = 0; call < 4; call++)
        {
            var games = Games(call + 1);
            buffer.Append(games);
            all.AddRange(games);
        }
        var reopened = Open();
        Assert.Equal(all.Count, reopened.Games);
        Assert.Equal(all.Sum(g => g.Length), reopened.Positions);
        AssertSameGames(all, reopened.RecentGames(int.MaxValue));
        Assert.Equal(0, reopened.GamesAccepted);
        // New segments continue the numbering.
        reopened.Append(Games(1));
        Assert.Equal(Enumerable.Range(0, 5).Select(n => Segment(n)), _dir.FileNames());
    }

    [Fact]
    public void DuplicatesAreStoredOnce()
    {
        var buffer = Open();
        var g = Games(3);
        // Within one call.
        Assert.Equal(2, buffer.Append([g[0], g[1], g[0]]));
        Assert.Equal(2, buffer.Games);
        // Across calls: nothing new, nothing written.
        Assert.Equal(0, buffer.Append([g[1], g[0]]));
        Assert.Equal([Segment(0)], _dir.FileNames());
        Assert.Equal(1, buffer.Append([g[1], g[2]]));
        Assert.Equal(3, buffer.Games);
        var onDisk = MessagePackSerializer.Deserialize<GameRecord[]>(File.ReadAllBytes(Path.Combine(_dir.Path, Segment(1))));
        Assert.Equal([g[2].Id], onDisk.Select(x => x.Id));
        // Across a reopen.
        var reopened = Open();
        Assert.Equal(0, reopened.Append(g));
        Assert.Equal(3, reopened.Games);
        Assert.Equal(g.Sum(x => x.Length), reopened.Positions);
        Assert.Equal(2, _dir.FileNames().Length);
        AssertSameGames(g, reopened.RecentGames(10));
    }

    [Fact]
    public void WindowEvictsOldestGamesAndDeletesDeadSegments()
    {
        const int window = 20;
        var buffer = Open(window);
        var all = new List<GameRecord>();
        var segmentOf = new Dictionary<Guid, int>();
        for (int call = 0; call < 8; call++)
        {
            var games = Games(2);
            buffer.Append(games);
            foreach (var x in games) { all.Add(x); segmentOf[x.Id] = call; }

            // The window is the shortest suffix of the games with at least `window` positions (or everything).
            int keep = 0, positions = 0;
            while (keep < all.Count && positions < window) { keep++; positions += all[all.Count - keep].Length; }
            var expected = all.Skip(all.Count - keep).ToList();
            AssertSameGames(expected, buffer.RecentGames(int.MaxValue));
            Assert.Equal(expected.Sum(x => x.Length), buffer.Positions);
            Assert.All(all.Except(expected), x => Assert.False(buffer.Contains(x.Id)));
            // A segment survives exactly while one of its games is in the window.
            var live = expected.Select(x => segmentOf[x.Id]).Distinct().Order().Select(n => Segment(n));
            Assert.Equal(live, _dir.FileNames());
        }
        Assert.True(buffer.Positions >= window);
        Assert.True(buffer.Positions - buffer.RecentGames(int.MaxValue).First().Length < window);

        // A reopen gives the same window.
        var reopened = Open(window);
        AssertSameGames(buffer.RecentGames(int.MaxValue).ToList(), reopened.RecentGames(int.MaxValue));
    }

    [Fact]
    public void ReopenWithASmallerWindowEvictsAndDeletesSegments()
    {
        var buffer = Open(10_000);
        var calls = Enumerable.Range(0, 5).Select(_ => Games(2)).ToArray();
        foreach (var c in calls) buffer.Append(c);
        int lastCall = calls[4].Sum(g => g.Length);
        var reopened = Open(window: lastCall);
        AssertSameGames(calls[4], reopened.RecentGames(int.MaxValue));
        Assert.Equal([Segment(4)], _dir.FileNames());
        Assert.False(reopened.Contains(calls[0][0].Id));
    }

    [Fact]
    public void CorruptSegmentNamesTheFile()
    {
        var buffer = Open();
        buffer.Append(Games(3));
        buffer.Append(Games(3));
        string path = Path.Combine(_dir.Path, Segment(1));
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);

        File.WriteAllBytes(path, "this is not MessagePack at all"u8.ToArray());
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);

        File.WriteAllBytes(path, []);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);

        // A well-formed nil is not an array of games either.
        File.WriteAllBytes(path, [0xc0]);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);
    }

    [Fact]
    public void SegmentWithInvalidGameNamesTheFile()
    {
        string path = Path.Combine(_dir.Path, Segment(0));
        var good = Games(1)[0];
        File.WriteAllBytes(path, MessagePackSerializer.Serialize(new[] { good with { Game = "connect4" } }));
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);

        var actions = (int[])good.Actions.Clone();
        actions[0] = 9;
        File.WriteAllBytes(path, MessagePackSerializer.Serialize(new[] { good with { Actions = actions } }));
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Open()).Message);
    }

    [Fact]
    public void LeftoverTemporaryFileIsRemovedAndNotLoaded()
    {
        var buffer = Open();
        var kept = Games(2);
        buffer.Append(kept);
        string temp = Path.Combine(_dir.Path, ".segment-00000001.msgpack.tmp");
        File.WriteAllBytes(temp, MessagePackSerializer.Serialize(Games(3)));
        var reopened = Open();
        Assert.False(File.Exists(temp));
        AssertSameGames(kept, reopened.RecentGames(int.MaxValue));
        Assert.Equal([Segment(0)], _dir.FileNames());
    }

    [Fact]
    public void InvalidGamesAreRejectedWithNothingWritten()
    {
        var buffer = Open();
        var good = Games(1)[0];
        var badAction = (int[])good.Actions.Clone();
        badAction[^1] = -1;
        var shortPolicy = good.Policies.Select(p => p).ToArray();
        shortPolicy[1] = new float[8];
        GameRecord[] bad =
        [
            good with { Id = Guid.NewGuid(), Game = "connect4" },
            good with { Id = Guid.NewGuid(), Actions = badAction },
            good with { Id = Guid.NewGuid(), Policies = shortPolicy },
            good with { Id = Guid.NewGuid(), Policies = good.Policies[1..] },
            good with { Id = Guid.NewGuid(), Returns = [1.0] },
            good with { Id = Guid.NewGuid(), Actions = [], Policies = [] },
        ];
        foreach (var b in bad)
        {
            Assert.Throws<InvalidDataException>(() => buffer.Append([good, b]));
            Assert.Empty(_dir.FileNames());
            Assert.Equal(0, buffer.Games);
            Assert.False(buffer.Contains(good.Id));
        }
        Assert.Equal(1, buffer.Append([good]));
    }

    [Fact]
    public void SampleIsUniformOverPositions()
    {
        var buffer = Open();
        var games = Games(4);
        buffer.Append(games[..2]);
        buffer.Append(games[2..]);
        int n = buffer.Positions;
        var index = new Dictionary<(Guid, int), int>();
        foreach (var g in games) for (int ply = 0; ply < g.Length; ply++) index[(g.Id, ply)] = index.Count;
        Assert.Equal(n, index.Count);

        const int draws = 200_000;
        var counts = new long[n];
        var rng = new Random(12345);
        for (int round = 0; round < 20; round++)
            foreach (var p in buffer.Sample(draws / 20, rng))
            {
                Assert.True(p.Ply >= 0 && p.Ply < p.Game.Length);
                Assert.True(index.TryGetValue((p.Game.Id, p.Ply), out int k), "sampled a position that is not in the buffer");
                Assert.Contains(p.Game, games);
                counts[k]++;
            }
        double expected = (double)draws / n;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        int df = n - 1;
        // Mean df, standard deviation √(2 df); a bound 8 standard deviations out fails for any real bias of a few percent.
        Assert.True(chi2 < df + 8 * Math.Sqrt(2 * df), $"chi-square {chi2:F1} with {df} degrees of freedom");
        Assert.All(counts, c => Assert.True(c > 0));
    }

    [Fact]
    public void SampleNeverReturnsEvictedGames()
    {
        var buffer = Open(window: 12);
        var old = Games(5);
        buffer.Append(old);
        var recent = Games(3);
        buffer.Append(recent);
        var kept = buffer.RecentGames(int.MaxValue).Select(g => g.Id).ToHashSet();
        Assert.All(buffer.Sample(5_000, new Random(3)), p =>
        {
            Assert.Contains(p.Game.Id, kept);
            Assert.InRange(p.Ply, 0, p.Game.Length - 1);
        });
        Assert.Throws<InvalidOperationException>(() => ReplayBuffer.Open(TestGames.TicTacToe, Path.Combine(_dir.Path, "empty"), 10).Sample(1, new Random(1)));
    }
}
