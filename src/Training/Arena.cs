using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>Result of a match, from the first player's point of view.</summary>
/// <param name="Wins">Games the first player won.</param>
/// <param name="Draws">Drawn games.</param>
/// <param name="Losses">Games the first player lost.</param>
public sealed record MatchResult(int Wins, int Draws, int Losses)
{
    /// <summary>Games played.</summary>
    public int Games => Wins + Draws + Losses;

    /// <summary>(wins + draws/2) / games.</summary>
    public double Score => Games == 0 ? 0.5 : (Wins + 0.5 * Draws) / Games;

    /// <summary>The Elo difference the score implies (clamped to ±800 for a perfect or a null score).</summary>
    public double Elo => Arena.EloFromScore(Score);

    /// <summary>A 95% interval of the Elo difference (normal approximation of the score's standard error, with
    /// draws counted as half points).</summary>
    public (double Low, double High) EloInterval
    {
        get
        {
            if (Games == 0) return (-800, 800);
            double s = Score;
            double variance = (Wins * Math.Pow(1 - s, 2) + Draws * Math.Pow(0.5 - s, 2) + Losses * Math.Pow(s, 2)) / Games;
            double se = Math.Sqrt(variance / Games);
            return (Arena.EloFromScore(s - 1.96 * se), Arena.EloFromScore(s + 1.96 * se));
        }
    }
}

/// <summary>Plays matches between two players, each a search over its own oracle, alternating colours.</summary>
public static class Arena
{
    /// <summary>The Elo difference of an expected score: 400·log10(s/(1−s)), clamped to ±800.</summary>
    public static double EloFromScore(double score)
    {
        double s = Math.Clamp(score, 1e-3, 1 - 1e-3);
        return Math.Clamp(400 * Math.Log10(s / (1 - s)), -800, 800);
    }

    /// <summary>
    /// Plays <paramref name="games"/> games of a two-player game between <paramref name="first"/> and
    /// <paramref name="second"/> (new searches per game from the factories, given the game index as seed);
    /// the first player takes player 0 in even games and player 1 in odd ones.
    /// </summary>
    public static MatchResult Play(IGame game, Func<int, Mcts> first, Func<int, Mcts> second, int games, CancellationToken cancel = default)
    {
        if (game.NumPlayers != 2) throw new ArgumentException("matches are for two-player games");
        int wins = 0, draws = 0, losses = 0;
        for (int g = 0; g < games; g++)
        {
            cancel.ThrowIfCancellationRequested();
            int firstSeat = g % 2;
            var seats = firstSeat == 0 ? new[] { first(g), second(g) } : [second(g), first(g)];
            var state = game.NewInitialState();
            foreach (var s in seats) s.Reset(state);
            while (!state.IsTerminal)
            {
                int action = seats[state.CurrentPlayer].Search().Action;
                state = state.Apply(action);
                foreach (var s in seats) s.AdvanceTo(action);
            }
            double r = state.Returns(firstSeat);
            if (r > 0) wins++; else if (r < 0) losses++; else draws++;
        }
        return new MatchResult(wins, draws, losses);
    }
}
