using SelfPlayBN.Games;

namespace SelfPlayBN.Search.Tests;

/// <summary>
/// A two-move toy game in which a player may move twice in a row, to check that values are backed up by
/// comparing players rather than by assuming alternation.
/// </summary>
/// <remarks>
/// Player 0 moves first. Action 0 hands the move to player 1, whose two moves both win for player 1.
/// Action 1 gives player 0 an extra turn: then action 0 wins for player 0 and action 1 loses. Correct
/// play: 1 then 0, a win for player 0. A search that flipped the value at every level would think player 1
/// chooses after action 1 and rate both first moves as lost.
/// </remarks>
public sealed class ExtraTurnTests
{
    private sealed class ExtraTurnGame : IGame
    {
        public static readonly ExtraTurnGame Instance = new();
        public string Name => "extraturn";
        public int NumPlayers => 2;
        public int NumActions => 2;
        public int MaxGameLength => 2;
        public ObservationShape ObservationShape => new(1, 1, 2);
        public IReadOnlyList<Symmetry> Symmetries { get; } = [new Symmetry("identity", [0, 1], [0, 1])];
        public IGameState NewInitialState() => new State("");
        public string ActionToString(int action) => action.ToString();
        public bool TryParseAction(string text, out int action) => int.TryParse(text, out action) && action is 0 or 1;
    }

    private sealed class State(string history) : IGameState
    {
        public IGame Game => ExtraTurnGame.Instance;
        public int CurrentPlayer => history switch { "" or "1" => 0, "0" => 1, _ => history[0] == '0' ? 0 : 1 };
        public int MoveNumber => history.Length;
        public bool IsTerminal => history.Length == 2;
        public bool IsLegal(int action) => !IsTerminal && action is 0 or 1;
        public void GetLegalMask(Span<bool> mask) { mask[0] = mask[1] = !IsTerminal; }
        public int GetLegalActions(Span<int> actions)
        {
            if (IsTerminal) return 0;
            actions[0] = 0;
            actions[1] = 1;
            return 2;
        }
        public IGameState Apply(int action) =>
            IsLegal(action) ? new State(history + action) : throw new ArgumentException("illegal", nameof(action));
        public double Returns(int player)
        {
            if (!IsTerminal) return 0;
            int winner = history switch { "10" => 0, "11" => 1, _ => 1 };
            return winner == player ? 1 : -1;
        }
        public void WriteObservation(Span<float> buffer) => buffer.Clear();
        public string Render() => history;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_player_moving_twice_is_valued_from_its_own_side(int leaves)
    {
        var mcts = new Mcts(UniformOracle.Instance, new MctsOptions { Simulations = 200, RootNoise = false, TemperatureMoves = 0, Seed = 1, LeavesPerBatch = leaves });
        mcts.Reset(ExtraTurnGame.Instance.NewInitialState());
        var r = mcts.Search();
        Assert.Equal(1, r.Action);
        Assert.Equal([1, 0], r.PrincipalVariation.ToArray());
        Assert.True(r.ActionValues[0] < -0.5, $"value of handing the move over {r.ActionValues[0]}"); // its first visit was the oracle's 0
        Assert.True(r.ActionValues[1] > 0.8, $"value of the extra turn {r.ActionValues[1]}");
        Assert.True(r.RootValue > 0.5, $"root value {r.RootValue}");
        TreeChecks.AssertConsistent(mcts);

        mcts.AdvanceTo(1); // the kept root is player 0 to move again, its statistics seen by player 0
        var again = mcts.Search(50);
        Assert.Equal(0, again.RootPlayer);
        Assert.Equal(0, again.Action);
        Assert.True(again.RootValue > 0.5, $"root value after the extra turn {again.RootValue}");
    }
}
