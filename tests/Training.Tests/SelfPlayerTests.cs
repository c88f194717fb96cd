using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

public sealed class SelfPlayerTests
{
    private static readonly IGame Game = TestGames.TicTacToe;

    private static MctsOptions Options(int seed, int simulations = 40) =>
        new() { Simulations = simulations, Seed = seed, TemperatureMoves = 3, DirichletAlpha = 1.0 };

    /// <summary>Replays the record and checks every move's policy and the final returns.</summary>
    private static void AssertConsistent(GameRecord record, int temperatureMoves)
    {
        Assert.Equal(Game.Name, record.Game);
        record.Validate(Game.NumActions, Game.NumPlayers);
        Assert.NotEmpty(record.Actions);
        var state = Game.NewInitialState();
        for (int i = 0; i < record.Length; i++)
        {
            Assert.False(state.IsTerminal, $"the game went on after a terminal state at move {i}");
            var policy = record.Policies[i];
            Assert.Equal(Game.NumActions, policy.Length);
            Assert.Equal(1.0, policy.Sum(p => (double)p), 5);
            for (int a = 0; a < Game.NumActions; a++)
            {
                Assert.True(policy[a] >= 0);
                if (!state.IsLegal(a)) Assert.Equal(0f, policy[a]);
            }
            int action = record.Actions[i];
            Assert.True(state.IsLegal(action));
            Assert.True(policy[action] > 0, $"move {i}: the chosen action {action} has no visits");
            // After the temperature moves the most visited move is played.
            if (i >= temperatureMoves) Assert.Equal(policy.Max(), policy[action]);
            state = state.Apply(action);
        }
        Assert.True(state.IsTerminal);
        Assert.Equal(Enumerable.Range(0, Game.NumPlayers).Select(state.Returns), record.Returns);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void UniformOracleGameReplaysToItsReturns(int seed)
    {
        var record = SelfPlayer.Play(Game, UniformOracle.Instance, Options(seed));
        AssertConsistent(record, 3);
        Assert.Equal(0, record.ModelVersion);
        Assert.Equal(0, record.FirstModelVersion);
        // Seeded: the same game again.
        var again = SelfPlayer.Play(Game, UniformOracle.Instance, Options(seed));
        Assert.Equal(record.Actions, again.Actions);
        Assert.NotEqual(record.Id, again.Id);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void RolloutOracleGameReplaysToItsReturns(int seed)
    {
        var record = SelfPlayer.Play(Game, new RolloutOracle(seed), Options(seed, simulations: 60));
        AssertConsistent(record, 3);
    }

    [Fact]
    public void RecordsAreAcceptedByTheReplayBuffer()
    {
        using var dir = new TempDirectory();
        var buffer = ReplayBuffer.Open(Game, dir.Path, 1000);
        var records = Enumerable.Range(0, 3).Select(s => SelfPlayer.Play(Game, UniformOracle.Instance, Options(10 + s, 20))).ToArray();
        Assert.Equal(3, buffer.Append(records));
    }

    [Fact]
    public void TheModelVersionGivenIsRecorded()
    {
        var record = SelfPlayer.Play(Game, UniformOracle.Instance, Options(7), version: 12);
        AssertConsistent(record, 3);
        Assert.Equal(12, record.FirstModelVersion);
        Assert.Equal(12, record.ModelVersion);
    }

    [Fact]
    public void CancellationStopsTheGame()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => SelfPlayer.Play(Game, UniformOracle.Instance, Options(1), cancel.Token));
    }
}
