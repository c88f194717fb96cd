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
}
