using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

/// <summary>Playout cap randomisation and the root values a record keeps: what self-play records, what the replay buffer
/// samples and what the value target becomes.</summary>
[Collection(TorchCollection.Name)]
public sealed class PlayoutCapTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MctsOptions Options(int seed) => new() { Simulations = 40, Seed = seed, TemperatureMoves = 3, DirichletAlpha = 1.0 };

    [Fact]
    public void CheapMovesAreMarkedAndFullOnesKeepTheirShare()
    {
        var cap = new PlayoutCap(0.3, 5);
        int full = 0, moves = 0;
        for (int seed = 1; seed <= 40; seed++)
        {
            var record = SelfPlayer.Play(TestGames.ConnectFour, UniformOracle.Instance, Options(seed), cap: cap);
            record.Validate(TestGames.ConnectFour.NumActions, 2);
            Assert.NotNull(record.FullSearch);
            Assert.Equal(record.Length, record.FullSearch!.Length);
            Assert.Equal(record.FullSearch.Count(f => f), record.TrainingPositions);
            for (int k = 0; k < record.TrainingPositions; k++) Assert.True(record.FullSearch[record.TrainingPly(k)]);
            full += record.TrainingPositions;
            moves += record.Length;
            // Seeded: the same game and the same choice of full searches again.
            var again = SelfPlayer.Play(TestGames.ConnectFour, UniformOracle.Instance, Options(seed), cap: cap);
            Assert.Equal(record.Actions, again.Actions);
            Assert.Equal(record.FullSearch, again.FullSearch);
        }
        double share = (double)full / moves;
        Assert.InRange(share, 0.22, 0.38); // 0.3 over about a thousand moves
    }

    [Fact]
    public void WithoutACapEveryMoveIsATrainingPositionAndRootValuesAreKept()
    {
        var record = SelfPlayer.Play(TestGames.TicTacToe, new RolloutOracle(3), Options(7));
        Assert.Null(record.FullSearch);
        Assert.Equal(record.Length, record.TrainingPositions);
        Assert.NotNull(record.RootValues);
        Assert.Equal(record.Length, record.RootValues!.Length);
        Assert.All(record.RootValues, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(record.RootValues, v => v != 0); // rollouts give the searches real values
    }

    [Fact]
    public void ACheapSearchMixesNoNoiseIntoTheRootPriors()
    {
        var state = TestGames.ConnectFour.NewInitialState();
        var search = new Mcts(UniformOracle.Instance, Options(3) with { DirichletEpsilon = 0.5 });
        search.Reset(state);
        var cheap = search.Search(10, rootNoise: false);
        Assert.All(cheap.Priors, p => Assert.Equal(1f / 7, p, 5));
        search.Reset(state);
        var full = search.Search(10, rootNoise: true);
        Assert.Contains(full.Priors, p => Math.Abs(p - 1f / 7) > 1e-3);
    }

    [Fact]
    public void TheBufferSamplesOnlyFullSearchPositions()
    {
        var rng = new Random(5);
        var games = Enumerable.Range(0, 6).Select(_ => WithCap(TestGames.RandomRecord(rng), rng)).ToArray();
        var buffer = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, 10_000);
        buffer.Append(games);
        Assert.Equal(games.Sum(g => g.FullSearch!.Count(f => f)), buffer.Positions);
        var seen = new HashSet<(Guid, int)>();
        foreach (var p in buffer.Sample(5_000, new Random(1)))
        {
            Assert.True(p.Game.FullSearch![p.Ply], $"sampled ply {p.Ply}, a cheap search");
            seen.Add((p.Game.Id, p.Ply));
        }
        Assert.Equal(buffer.Positions, seen.Count);

        // The flags and root values survive the trip through the segment file.
        var reopened = ReplayBuffer.Open(TestGames.TicTacToe, _dir.Path, 10_000);
        var back = reopened.RecentGames(games.Length).ToArray();
        for (int i = 0; i < games.Length; i++)
        {
            Assert.Equal(games[i].FullSearch, back[i].FullSearch);
            Assert.Equal(games[i].RootValues, back[i].RootValues);
        }
    }

    [Fact]
    public void ValidateNamesFlagsAndRootValuesOfTheWrongLengthOrRange()
    {
        var g = TestGames.XWinsTopRow();
        var e = Assert.Throws<InvalidDataException>(() => (g with { FullSearch = [true] }).Validate(9, 2));
        Assert.Contains("full-search flags", e.Message);
        e = Assert.Throws<InvalidDataException>(() => (g with { RootValues = [0f, 0f] }).Validate(9, 2));
        Assert.Contains("root values", e.Message);
        e = Assert.Throws<InvalidDataException>(() => (g with { RootValues = [0f, 0f, 1.5f, 0f, 0f] }).Validate(9, 2));
        Assert.Contains("root value 1.5 at move 2", e.Message);
        e = Assert.Throws<InvalidDataException>(() => (g with { RootValues = [0f, 0f, float.NaN, 0f, 0f] }).Validate(9, 2));
        Assert.Contains("at move 2", e.Message);
    }

    [Fact]
    public void TheValueTargetMixesTheResultAndTheRootValue()
    {
        var g = TestGames.XWinsTopRow() with { RootValues = [0.2f, -0.4f, 0.6f, -0.8f, 1f] };
        var positions = Enumerable.Range(0, g.Length).Select(p => new ReplayPosition(g, p)).ToList();
        var (_, _, plain) = new PositionEncoder(TestGames.TicTacToe).Encode(positions, null);
        var (_, _, mixed) = new PositionEncoder(TestGames.TicTacToe, 0.25).Encode(positions, null);
        var z = plain.data<float>().ToArray();
        Assert.Equal([1f, -1f, 1f, -1f, 1f], z); // X moves at plies 0, 2, 4 and wins
        var m = mixed.data<float>().ToArray();
        for (int i = 0; i < g.Length; i++) Assert.Equal(0.75f * z[i] + 0.25f * g.RootValues[i], m[i], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PositionEncoder(TestGames.TicTacToe, 1.5));
    }

    [Fact]
    public void ACapNeedsAShareInItsRangeAndACheapSearch()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlayoutCap(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlayoutCap(1.2, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlayoutCap(0.5, 0));
    }

    private static GameRecord WithCap(GameRecord g, Random rng)
    {
        var flags = Enumerable.Range(0, g.Length).Select(i => i == 0 || rng.NextDouble() < 0.4).ToArray();
        var values = Enumerable.Range(0, g.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        return g with { FullSearch = flags, RootValues = values };
    }
}
