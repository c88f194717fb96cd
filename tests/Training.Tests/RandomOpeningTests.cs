using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

/// <summary>Random openings: how many random moves a game gets, how self-play records them, and what the replay buffer
/// trains on.</summary>
[Collection(TorchCollection.Name)]
public sealed class RandomOpeningTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MctsOptions Options(int seed) => new() { Simulations = 20, Seed = seed, TemperatureMoves = 2, DirichletAlpha = 1.0 };

    /// <summary>The random moves at the start of <paramref name="record"/>: its plies before the first full search.</summary>
    private static int RandomMoves(GameRecord record) => Array.IndexOf(record.FullSearch!, true);

    [Fact]
    public void LengthsAreZeroOutsideTheShareAndUniformUpToTheMaximumInside()
    {
        var rng = new Random(3);
        var opening = new RandomOpening(0.4, 6);
        var counts = new int[7];
        const int draws = 12_000;
        for (int i = 0; i < draws; i++) counts[opening.Length(rng)]++;
        Assert.InRange(counts[0] / (double)draws, 0.57, 0.63);          // 1 − 0.4
        for (int k = 1; k <= 6; k++) Assert.InRange(counts[k] / (double)draws, 0.055, 0.078); // 0.4 / 6 each
        Assert.All(Enumerable.Range(0, draws).Select(_ => new RandomOpening(0, 6).Length(rng)), n => Assert.Equal(0, n));
        Assert.All(Enumerable.Range(0, 500).Select(_ => new RandomOpening(1, 3).Length(rng)), n => Assert.InRange(n, 1, 3));
    }

    [Fact]
    public void OpeningsAreRecordedAsMovesThatAreNotTrainingPositions()
    {
        var opening = new RandomOpening(1, 12);
        var lengths = new HashSet<int>();
        for (int seed = 1; seed <= 30; seed++)
        {
            var record = SelfPlayer.Play(TestGames.ConnectFour, UniformOracle.Instance, Options(seed), opening: opening);
            record.Validate(TestGames.ConnectFour.NumActions, 2);
            Assert.NotNull(record.FullSearch);
            int k = RandomMoves(record);
            Assert.InRange(k, 1, 12);
            lengths.Add(k);
            // The random moves come first, each with its own move as its policy; every move after them is searched.
            for (int ply = 0; ply < k; ply++)
            {
                Assert.Equal(1f, record.Policies[ply][record.Actions[ply]]);
                Assert.Equal(1f, record.Policies[ply].Sum());
            }
            Assert.All(record.FullSearch[k..], Assert.True);
            Assert.Equal(record.Length - k, record.TrainingPositions);
            Assert.Equal(k, record.TrainingPly(0));
            // The record replays legally from the initial position to its end.
            var state = TestGames.ConnectFour.NewInitialState();
            foreach (int a in record.Actions)
            {
                Assert.False(state.IsTerminal);
                Assert.True(state.IsLegal(a));
                state = state.Apply(a);
            }
            Assert.True(state.IsTerminal);
            // Seeded: the same opening and game again.
            var again = SelfPlayer.Play(TestGames.ConnectFour, UniformOracle.Instance, Options(seed), opening: opening);
            Assert.Equal(record.Actions, again.Actions);
        }
        Assert.True(lengths.Count >= 6, $"30 games drew only the opening lengths {string.Join(", ", lengths)}");
    }

    [Fact]
    public void ARandomMoveNeverEndsTheGame()
    {
        // Tic-tac-toe has 9 cells: an opening of up to 9 random moves must stop before the move that would end the game
        // (a win or the full board), so that every game keeps at least one searched move.
        var opening = new RandomOpening(1, 9);
        for (int seed = 1; seed <= 60; seed++)
        {
            var record = SelfPlayer.Play(TestGames.TicTacToe, UniformOracle.Instance, Options(seed), opening: opening);
            int k = RandomMoves(record);
            Assert.True(k >= 1, $"seed {seed}: no random move");
            Assert.True(record.FullSearch![^1], $"seed {seed}: the game ended on a random move");
            var state = TestGames.TicTacToe.NewInitialState();
            for (int ply = 0; ply < k; ply++) state = state.Apply(record.Actions[ply]);
            Assert.False(state.IsTerminal);
        }
    }

    [Fact]
    public void TheBufferNeverSamplesARandomMove()
    {
        var opening = new RandomOpening(1, 8);
        var games = Enumerable.Range(1, 8).Select(s => SelfPlayer.Play(TestGames.ConnectFour, UniformOracle.Instance, Options(s), opening: opening)).ToArray();
        var buffer = ReplayBuffer.Open(TestGames.ConnectFour, _dir.Path, 10_000);
        buffer.Append(games);
        Assert.Equal(games.Sum(g => g.Length - RandomMoves(g)), buffer.Positions);
        foreach (var p in buffer.Sample(3_000, new Random(2)))
            Assert.True(p.Ply >= RandomMoves(p.Game), $"sampled ply {p.Ply} of an opening of {RandomMoves(p.Game)} random moves");
    }

    [Fact]
    public void AnOpeningNeedsAShareInItsRangeAndAMove()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomOpening(-0.1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomOpening(1.5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomOpening(double.NaN, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomOpening(0.5, 0));
    }
}
