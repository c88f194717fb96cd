using SelfPlayBN.Games.ConnectFour;
using Xunit.Abstractions;

namespace SelfPlayBN.Games.Tests;

/// <summary>
/// The solver's static rules checked on their own against search: a bound a rule claims for a position must never
/// contradict the position's value found by the plain alpha-beta search (no static rules; itself checked against
/// exhaustive minimax in <see cref="ConnectFourSolverTests"/>).
/// </summary>
public sealed class ConnectFourStaticRuleTests(ITestOutputHelper output)
{
    [Fact]
    public void Static_rules_never_claim_more_than_search_finds_late_in_the_game()
    {
        var plain = new ConnectFourSolver(20, useStaticRules: false, threads: 1);
        int claims = 0, drawBounds = 0, losses = 0, afterevenFirstToMove = 0, afterevenSecondToMove = 0;
        foreach (int stones in Enumerable.Range(26, 14))
        {
            foreach (string moves in ConnectFourSolverTests.RandomPositions(7000 + stones, 3000, stones))
            {
                var state = ConnectFourState.FromMoves(moves);
                ulong cur = state.CurrentStones, opp = state.OpponentStones, mask = state.Mask;
                int rule = ConnectFourSolver.StaticRule(cur, opp, mask, state.MoveNumber);
                if (rule == 1) continue;
                int value = (int)plain.Solve(state);
                claims++;
                Assert.True(value <= rule, $"{moves}: the static rule says at most {rule}, the search finds {value}");
                if (rule == 0) drawBounds++;
                else losses++;
                bool withoutAftereven = (stones & 1) == 0
                    ? ConnectFourSolver.SecondPlayerBound(cur, opp, mask, aftereven: false) == rule
                    : ConnectFourSolver.FirstPlayerWins(opp, cur, mask, aftereven: false);
                if (!withoutAftereven)
                {
                    if ((stones & 1) == 0) afterevenFirstToMove++;
                    else afterevenSecondToMove++;
                }
            }
        }
        output.WriteLine($"{claims} claims checked: {drawBounds} at most a draw, {losses} losses ({afterevenFirstToMove} with the first player to move and {afterevenSecondToMove} with the second only with aftereven)");
        // The check must have exercised every kind of claim, aftereven included.
        Assert.True(drawBounds > 100, $"{drawBounds} draw bounds");
        Assert.True(losses > 100, $"{losses} losses");
        Assert.True(afterevenFirstToMove > 50, $"{afterevenFirstToMove} aftereven losses of the first player");
        Assert.True(afterevenSecondToMove > 20, $"{afterevenSecondToMove} aftereven losses of the second player");
    }

    [Fact]
    public void Aftereven_a_four_the_second_player_completes_below_the_first_players_fours_wins()
    {
        //  . . . . . X O      6    X (first player) to move. Every column has an even number of empty cells, so O
        //  . . . . . X O      5    answers in the column just played (claimeven): O gets rows 4 and 6 of column 3
        //  X O . O O X X      4    and row 6 elsewhere, X gets row 5 everywhere and can make four on row 5, so
        //  X O . X O O O      3    claimeven alone proves nothing. But each of those fours needs row 5 of column 3,
        //  O X X O X X X      2    above the cell (row 4 of column 3) that completes O's four on row 4 (columns
        //  X X O O O X O      1    2-5): O has won before X can get there.
        //  1 2 3 4 5 6 7
        var state = ConnectFourState.FromMoves("132167347417652652657747156264");
        ulong cur = state.CurrentStones, opp = state.OpponentStones, mask = state.Mask;
        Assert.Equal(1, ConnectFourSolver.SecondPlayerBound(cur, opp, mask, aftereven: false));
        Assert.Equal(-1, ConnectFourSolver.SecondPlayerBound(cur, opp, mask));
        Assert.Equal(GameOutcome.Loss, new ConnectFourSolver(16, useStaticRules: false, threads: 1).Solve(state));
    }
}
