using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Games.Tests;

public sealed class ConnectFourLabelledPositionsTests
{
    [Fact]
    public void TheShippedSetHasAtLeast500DistinctUndecidedPositionsWithSomethingToChoose()
    {
        var set = ConnectFourLabelledPositions.Load();
        Assert.True(set.Count >= 500, $"{set.Count} positions");
        Assert.Equal(set.Count, set.Select(p => p.Moves).Distinct().Count());
        foreach (var p in set)
        {
            Assert.False(p.State.IsTerminal);
            Assert.True(ConnectFourLabelledPositions.IsQuiet(p.State), p.Moves);
            Assert.NotEmpty(p.OptimalColumns);
            Assert.Contains(p.Columns, c => c is not null && c != p.Best);
        }
    }

    [Fact]
    public void TheSolverAgreesWithSampledLinesOfTheShippedSet()
    {
        var solver = new ConnectFourSolver(tableBits: 20);
        var set = ConnectFourLabelledPositions.Load();
        // Every 60th line, the first included: ten lines across the depths.
        for (int i = 0; i < set.Count; i += 60)
            Assert.Equal(set[i].ToString(), solver.AnswerLine(set[i].Moves));
    }

    [Fact]
    public void GenerationIsDeterministicInTheSeedAndMatchesTheShippedFileHead()
    {
        var solver = new ConnectFourSolver(tableBits: 20);
        var first = ConnectFourLabelledPositions.Label(solver, 5, 2026, 14, 30).Select(p => p.ToString()).ToArray();
        var shipped = ConnectFourLabelledPositions.Load().Take(5).Select(p => p.ToString()).ToArray();
        Assert.Equal(shipped, first);
        Assert.NotEqual(first, ConnectFourLabelledPositions.Label(solver, 5, 2027, 14, 30).Select(p => p.ToString()).ToArray());
    }

    [Fact]
    public void APositionWithAnImmediateWinOrAForcedBlockIsNotQuiet()
    {
        Assert.True(ConnectFourLabelledPositions.IsQuiet(ConnectFourState.FromMoves("4453")));
        Assert.False(ConnectFourLabelledPositions.IsQuiet(ConnectFourState.FromMoves("112233"))); // the first player wins in column 4
        Assert.False(ConnectFourLabelledPositions.IsQuiet(ConnectFourState.FromMoves("1122337"))); // the second player must block column 4
    }

    [Fact]
    public void LinesRoundTripAndBadLinesAreRejected()
    {
        var p = ConnectFourLabelledPosition.Parse("4453 L L L L L L L");
        Assert.Equal("4453 L L L L L L L", p.ToString());
        Assert.Equal(GameOutcome.Loss, p.Best);
        Assert.Equal(7, p.OptimalColumns.Count);
        var q = ConnectFourLabelledPosition.Parse("121 W D L W D L W");
        Assert.Equal([0, 3, 6], q.OptimalColumns);
        Assert.Throws<FormatException>(() => ConnectFourLabelledPosition.Parse("4453 L L L"));
        Assert.Throws<FormatException>(() => ConnectFourLabelledPosition.Parse("4453 L L X L L L L"));
        Assert.Throws<FormatException>(() => ConnectFourLabelledPosition.Parse("111111 W D L W D L W")); // column 1 is full
        Assert.Throws<FormatException>(() => ConnectFourLabelledPosition.Parse("4453 L L L - L L L")); // column 4 is open
    }
}
