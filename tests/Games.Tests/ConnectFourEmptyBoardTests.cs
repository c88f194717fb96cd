using System.Diagnostics;
using SelfPlayBN.Games.ConnectFour;
using Xunit.Abstractions;

namespace SelfPlayBN.Games.Tests;

/// <summary>
/// The known solution of Connect Four (Allis 1988, Allen 1988): on the empty board the first player wins by
/// playing the centre column, draws with the two columns beside it, and loses with the outer four.
/// The slowest test of the suite (about a minute in Release, two to three in Debug); in a class of its own so
/// it runs in parallel with the rest.
/// </summary>
public sealed class ConnectFourEmptyBoardTests(ITestOutputHelper output)
{
    [Fact]
    public void The_centre_column_wins_on_the_empty_board_and_only_it()
    {
        var solver = new ConnectFourSolver();
        var sw = Stopwatch.StartNew();
        string answer = solver.AnswerLine("");
        output.WriteLine($"empty board: {sw.Elapsed.TotalSeconds:F1} s, {solver.NodeCount:N0} nodes");
        Assert.Equal(" L L D W D L L", answer);
    }
}
