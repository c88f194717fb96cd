using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Game records for the pipeline's tests.</summary>
internal static class TestRecords
{
    /// <summary>A Tic-tac-toe game of uniformly random legal moves, played to the end, each move's policy target its own
    /// move; returns 0, or with <paramref name="randomResult"/> a result drawn from {−1, 0, +1} for the first player.</summary>
    public static GameRecord RandomTicTacToe(Random rng, bool randomResult = false)
    {
        var state = TicTacToeGame.Instance.NewInitialState();
        var actions = new List<int>();
        var legal = new int[9];
        while (!state.IsTerminal) { int a = legal[rng.Next(state.GetLegalActions(legal))]; actions.Add(a); state = state.Apply(a); }
        double result = randomResult ? rng.Next(3) - 1 : 0;
        return new GameRecord(Guid.NewGuid(), "tictactoe", 1, actions.ToArray(),
            actions.Select(a => { var p = new float[9]; p[a] = 1; return p; }).ToArray(), [result, -result], 1);
    }
}
