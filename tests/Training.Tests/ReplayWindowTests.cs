namespace SelfPlayBN.Training.Tests;

public sealed class ReplayWindowTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Random _rng = new(11);

    public void Dispose() => _dir.Dispose();

    private GameRecord[] Games(int n) => Enumerable.Range(0, n).Select(_ => TestGames.RandomRecord(_rng)).ToArray();

    [Fact]
    public void LinearGrowthKeepsTheRateOfTheNewPositions()
    {
        // Exponent 1: Initial·(1 + Rate·(N/Initial − 1)) = Initial·(1 − Rate) + Rate·N.
        var g = new WindowGrowth { Initial = 1000, Exponent = 1, Rate = 0.5 };
        Assert.Equal(1000, g.Size(0));
        Assert.Equal(1000, g.Size(1000));
        Assert.Equal(500 + 3000 / 2.0, g.Size(3000), 9);
    }

    [Fact]
    public void SquareRootGrowthMatchesItsClosedForm()
    {
        // Exponent 0.5, rate 1: Initial·(1 + 2(√(N/Initial) − 1)); at N = 4·Initial that is 3·Initial.
        var g = new WindowGrowth { Initial = 1000, Exponent = 0.5, Rate = 1 };
        Assert.Equal(3000, g.Size(4000), 9);
        // KataGo's shape (0.75, 0.4) grows ever more slowly: the window keeps a shrinking share of the run.
        var k = new WindowGrowth();
        double previousShare = 1;
        for (long n = 2 * k.Initial; n <= 64L * k.Initial; n *= 2)
        {
            double share = k.Size(n) / n;
            Assert.True(share < previousShare, $"share {share} at {n} is not below {previousShare}");
            Assert.True(k.Size(n) > k.Size(n / 2));
            previousShare = share;
        }
    }

    [Fact]
    public void TheCapBoundsAGrowingWindow()
    {
        var w = new ReplayWindow(1500, new WindowGrowth { Initial = 1000, Exponent = 1, Rate = 0.5 });
        Assert.Equal(1000, w.Size(10));
        Assert.Equal(1250, w.Size(1500));
        Assert.Equal(1500, w.Size(1_000_000));
        Assert.Equal(700, new ReplayWindow(700).Size(1_000_000));
    }

    [Fact]
    public void AGrowingWindowDropsOldGamesSoonerThanTheFixedOne()
    {
        var window = new ReplayWindow(10_000, new WindowGrowth { Initial = 60, Exponent = 1, Rate = 0.5 });
        var growing = ReplayBuffer.Open(TestGames.TicTacToe, Path.Combine(_dir.Path, "growing"), window);
        var fixedOne = ReplayBuffer.Open(TestGames.TicTacToe, Path.Combine(_dir.Path, "fixed"), 10_000);
        var all = new List<GameRecord>();
        for (int call = 0; call < 30; call++)
        {
            var games = Games(2);
            all.AddRange(games);
            growing.Append(games);
            fixedOne.Append(games);
            long accepted = all.Sum(g => (long)g.TrainingPositions);
            Assert.Equal(accepted, growing.PositionsAccepted);
            Assert.Equal(window.Size(accepted), growing.WindowSize);
            // The window holds the newest games that fit: dropping the oldest kept game would leave fewer than the size.
            Assert.True(growing.Positions >= Math.Min(accepted, growing.WindowSize));
            var kept = growing.RecentGames(int.MaxValue).ToArray();
            Assert.True(growing.Positions - kept[0].TrainingPositions < growing.WindowSize);
            Assert.Equal(all.TakeLast(kept.Length).Select(g => g.Id), kept.Select(g => g.Id));
        }
        Assert.Equal(all.Count, fixedOne.Games);
        Assert.True(growing.Games < all.Count);
        Assert.True(growing.WindowSize > 60, "the window grew past its initial size");
    }

    [Fact]
    public void AResumedBufferKeepsItsCountAndSoItsWindow()
    {
        var window = new ReplayWindow(10_000, new WindowGrowth { Initial = 40, Exponent = 0.75, Rate = 0.4 });
        var buffer = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window);
        for (int call = 0; call < 20; call++) buffer.Append(Games(2));
        Assert.Contains("window.msgpack", _dir.FileNames());
        var reopened = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window);
        Assert.Equal(buffer.PositionsAccepted, reopened.PositionsAccepted);
        Assert.Equal(buffer.WindowSize, reopened.WindowSize);
        Assert.Equal(buffer.RecentGames(int.MaxValue).Select(g => g.Id), reopened.RecentGames(int.MaxValue).Select(g => g.Id));
    }

    [Fact]
    public void SegmentsWrittenAfterTheLastCountAreCountedAtOpen()
    {
        // A crash between a segment's write and the counter's: the counter is one segment behind.
        var window = new ReplayWindow(10_000, new WindowGrowth { Initial = 40, Exponent = 1, Rate = 0.5 });
        var buffer = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window);
        buffer.Append(Games(3));
        string counter = Path.Combine(_dir.Path, "window.msgpack");
        var behind = File.ReadAllBytes(counter);
        buffer.Append(Games(3));
        buffer.Append(Games(3));
        File.WriteAllBytes(counter, behind);
        var reopened = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window);
        Assert.Equal(buffer.PositionsAccepted, reopened.PositionsAccepted);
    }

    [Fact]
    public void ACorruptCounterIsNamed()
    {
        var window = new ReplayWindow(10_000, new WindowGrowth());
        ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window).Append(Games(1));
        File.WriteAllBytes(Path.Combine(_dir.Path, "window.msgpack"), [0xc1]);
        var e = Assert.Throws<InvalidDataException>(() => ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, window));
        Assert.Contains("window.msgpack", e.Message);
    }

    [Fact]
    public void AFixedWindowWritesNoCounter()
    {
        var buffer = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, 10_000);
        buffer.Append(Games(2));
        Assert.DoesNotContain("window.msgpack", _dir.FileNames());
        Assert.Equal(buffer.Positions, buffer.PositionsAccepted);
        Assert.Equal(10_000, buffer.WindowSize);
    }
}
