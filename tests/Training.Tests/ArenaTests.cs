using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

public sealed class ArenaTests
{
    private static IPlayer Perfect(int seed)
    {
        var rng = new Random(seed);
        return new FunctionPlayer(s => TicTacToePerfectPlayer.Instance.ChooseAction((TicTacToeState)s, rng));
    }

    [Fact]
    public void APerfectPlayerNeverLosesToRandomPlayInEitherColourAndBeatsItMostly()
    {
        var r = Arena.Play(TicTacToeGame.Instance, Perfect, g => new RandomPlayer(100 + g), 100);
        Assert.Equal(100, r.Games);
        Assert.Equal(0, r.Losses);
        Assert.True(r.Wins >= 70, $"perfect vs random: {r}");
    }

    [Fact]
    public void LossesAreCountedByColour()
    {
        // The first player always plays the lowest free cell; the perfect player beats it in both colours.
        var r = Arena.Play(TicTacToeGame.Instance, _ => new FunctionPlayer(s => Enumerable.Range(0, 9).First(s.IsLegal)), Perfect, 4);
        Assert.Equal(4, r.Losses);
        Assert.Equal(2, r.LossesMovingFirst);
        Assert.Equal(2, r.LossesMovingSecond);
    }

    [Fact]
    public void TwoPerfectPlayersDrawEveryGame()
    {
        var r = Arena.Play(TicTacToeGame.Instance, Perfect, g => Perfect(1_000 + g), 20);
        Assert.Equal(new MatchResult(0, 20, 0), r);
    }

    [Fact]
    public void RandomPlayersAreDeterministicInTheirSeeds()
    {
        var a = Arena.Play(ConnectFourGame.Instance, g => new RandomPlayer(g), g => new RandomPlayer(50 + g), 10);
        var b = Arena.Play(ConnectFourGame.Instance, g => new RandomPlayer(g), g => new RandomPlayer(50 + g), 10);
        Assert.Equal(a, b);
    }

    [Fact]
    public void TheMctsFactoryOverloadPlaysTheSameGamesAsMctsPlayers()
    {
        var options = new MctsOptions { Simulations = 30, RootNoise = false, TemperatureMoves = 2, Seed = 0 };
        Mcts Make(int g, int side) => new(new RolloutOracle(10 * g + side), options with { Seed = 2 * g + side });
        var old = Arena.Play(TicTacToeGame.Instance, g => Make(g, 0), g => Make(g, 1), 6);
        var players = Arena.Play(TicTacToeGame.Instance, g => new MctsPlayer(Make(g, 0)), (Func<int, IPlayer>)(g => new MctsPlayer(Make(g, 1))), 6);
        Assert.Equal(old, players);
    }

    [Fact]
    public void APlayerThatChoosesAnIllegalMoveIsAnError()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            Arena.Play(TicTacToeGame.Instance, _ => new FunctionPlayer(_ => 4), g => new RandomPlayer(g), 2));
        Assert.Contains("illegal action 4", e.Message);
    }

    [Theory]
    [InlineData(11, 0, 9, 0.55, true)]   // 0.55
    [InlineData(10, 1, 9, 0.55, false)]  // 0.525
    [InlineData(10, 2, 8, 0.55, true)]   // 0.55: a draw is half a point
    [InlineData(0, 20, 0, 0.5, true)]
    [InlineData(0, 20, 0, 0.55, false)]
    [InlineData(0, 0, 0, 0.01, false)]   // no games: no evidence
    public void TheGatingRuleComparesTheScoreWithTheThreshold(int wins, int draws, int losses, double threshold, bool passes) =>
        Assert.Equal(passes, Arena.PassesGate(new MatchResult(wins, draws, losses), threshold));

    [Fact]
    public void PolicyPlayerPlaysTheLegalActionWithTheLargestPrior()
    {
        var state = TicTacToeGame.Instance.NewInitialState().Apply(4); // the centre is taken
        var player = new PolicyPlayer(new FixedOracle([0.1f, 0.2f, 0.1f, 0.1f, 0.9f, 0.1f, 0.3f, 0.1f, 0.1f]));
        Assert.Equal(6, player.ChooseAction(state));
    }

    private sealed class FixedOracle(float[] priors) : IOracle
    {
        public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> p, Span<float> values)
        {
            for (int i = 0; i < states.Length; i++) { priors.CopyTo(p.Slice(i * priors.Length, priors.Length)); values[i] = 0; }
        }
    }
}

public sealed class MoveAccuracyTests
{
    private static IReadOnlyList<LabelledMove> ConnectFourSet(int n) =>
        ConnectFourLabelledPositions.Load().Take(n).Select(p => new LabelledMove(p.State, p.OptimalColumns)).ToArray();

    [Fact]
    public void AnOptimalPlayerScoresEveryPositionAndAWrongOneNone()
    {
        var set = ConnectFourSet(100);
        var optimal = set.ToDictionary(p => ((ConnectFourState)p.State).Key, p => p.OptimalActions);
        Assert.Equal(new AccuracyResult(100, 100), MoveAccuracy.Measure(set, new FunctionPlayer(s => optimal[((ConnectFourState)s).Key][0])));
        var wrong = MoveAccuracy.Measure(set, new FunctionPlayer(s =>
            Enumerable.Range(0, 7).First(c => s.IsLegal(c) && !optimal[((ConnectFourState)s).Key].Contains(c))));
        Assert.Equal(new AccuracyResult(0, 100), wrong);
        Assert.Equal(0.0, wrong.Accuracy);
    }

    [Fact]
    public void RandomPlayIsRoughlyAsAccurateAsTheShareOfOptimalMoves()
    {
        var set = ConnectFourSet(600);
        double expected = set.Average(p => (double)p.OptimalActions.Count / p.State.GetLegalActions(new int[7]));
        var r = MoveAccuracy.Measure(set, new RandomPlayer(5));
        Assert.Equal(600, r.Positions);
        Assert.InRange(r.Accuracy, expected - 0.08, expected + 0.08);
    }

    [Fact]
    public void ASearchIsResetAtEachPosition()
    {
        // Rollout MCTS finds the immediate wins of the set; accuracy counts through the MctsPlayer.
        var set = ConnectFourSet(30);
        var search = new MctsPlayer(new Mcts(new RolloutOracle(1), new MctsOptions { Simulations = 200, RootNoise = false, TemperatureMoves = 0, Seed = 1 }));
        var r = MoveAccuracy.Measure(set, search);
        Assert.Equal(30, r.Positions);
        Assert.True(r.Correct > MoveAccuracy.Measure(set, new RandomPlayer(1)).Correct, $"rollout search {r.Correct} of 30");
    }

    [Fact]
    public void AccuracyByStonesSplitsThePositionsIntoBandsThatAddUp()
    {
        var set = ConnectFourSet(500);
        var optimal = set.ToDictionary(p => ((ConnectFourState)p.State).Key, p => p.OptimalActions);
        // Optimal only from 22 stones on: the bands tell the early positions from the late ones.
        var each = MoveAccuracy.Each(set, new FunctionPlayer(s => s.MoveNumber >= 22
            ? optimal[((ConnectFourState)s).Key][0]
            : Enumerable.Range(0, 7).First(c => s.IsLegal(c) && !optimal[((ConnectFourState)s).Key].Contains(c))));
        Assert.Equal(set.Count(p => p.State.MoveNumber >= 22), each.Count(c => c));
        var bands = MoveAccuracy.ByMoveNumber(set, each, 4);
        int min = set.Min(p => p.State.MoveNumber), max = set.Max(p => p.State.MoveNumber);
        Assert.Equal(min, bands[0].From);
        Assert.Equal(max, bands[^1].To);
        for (int b = 1; b < bands.Count; b++) Assert.Equal(bands[b - 1].To + 1, bands[b].From);
        Assert.Equal(set.Count, bands.Sum(b => b.Result.Positions));
        Assert.All(bands.Where(b => b.To < 22), b => Assert.Equal(0, b.Result.Correct));
        Assert.All(bands.Where(b => b.From >= 22), b => Assert.Equal(b.Result.Positions, b.Result.Correct));
    }

    [Theory]
    [InlineData(new[] { 3, 4, 5, 6, 7, 8, 9 }, 3, new[] { 3, 6 }, new[] { 5, 9 })]      // 7 move numbers: 3–5, 6–9 (a remainder of 1 joins the last band)
    [InlineData(new[] { 3, 4, 5, 6, 7, 8, 9, 10 }, 3, new[] { 3, 6, 9 }, new[] { 5, 8, 10 })] // a remainder of 2 of 3 is a band of its own
    [InlineData(new[] { 5, 5, 5 }, 4, new[] { 5 }, new[] { 5 })]
    public void BandsCoverTheMoveNumbersOfTheSet(int[] moveNumbers, int width, int[] from, int[] to)
    {
        var set = moveNumbers.Select(m => new LabelledMove(PlayedTo(m), [0])).ToArray();
        var bands = MoveAccuracy.ByMoveNumber(set, set.Select(_ => true).ToArray(), width);
        Assert.Equal(from, bands.Select(b => b.From).ToArray());
        Assert.Equal(to, bands.Select(b => b.To).ToArray());
        Assert.Throws<ArgumentException>(() => MoveAccuracy.ByMoveNumber(set, [true], width));
    }

    /// <summary>A Connect Four position with <paramref name="stones"/> stones, filling columns bottom-up in turn (no four in a row
    /// below 12 stones: columns 1, 2, 3 then 5, 6, 7 hold alternating colours).</summary>
    private static IGameState PlayedTo(int stones) =>
        ConnectFourState.FromMoves(string.Concat("123567123567".Take(stones)));

    [Fact]
    public void ATerminalPositionIsRejected()
    {
        var won = TicTacToeGame.Instance.NewInitialState().Apply(0).Apply(3).Apply(1).Apply(4).Apply(2);
        Assert.Throws<ArgumentException>(() => MoveAccuracy.Measure([new LabelledMove(won, [5])], new RandomPlayer(0)));
    }
}
