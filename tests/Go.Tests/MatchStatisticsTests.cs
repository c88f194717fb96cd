using SelfPlayBN.Go.Match;

namespace SelfPlayBN.Go.Tests;

/// <summary>
/// The match statistics against values worked out by hand (and checked with a few lines of Python's
/// <c>math</c> module), not with the code under test.
/// </summary>
public sealed class MatchStatisticsTests
{
    [Fact]
    public void Seven_wins_in_ten_games()
    {
        // Wilson 95%, p = 0.7, n = 10, z² = 3.841459:
        //   denominator 1 + z²/n = 1.3841459; centre (0.7 + 0.1920729)/1.3841459 = 0.6444934;
        //   half width (1.959964/1.3841459)·√(0.021 + 0.0096036) = 1.4160097·0.1749390 = 0.2477153;
        //   so (0.39678, 0.89221), the interval textbooks quote for 7/10.
        // Elo: 400·log10(0.7/0.3) = 400·0.3679768 = 147.19; bounds 400·log10(0.39678/0.60322) = −72.77
        //   and 400·log10(0.89221/0.10779) = 367.15.
        var s = new MatchStatistics(7, 3, 0);
        Assert.Equal(10, s.Games);
        Assert.Equal(0.7, s.Score, 12);
        Assert.Equal(0.396778, s.ScoreInterval.Low, 5);
        Assert.Equal(0.892209, s.ScoreInterval.High, 5);
        Assert.Equal(147.19, s.Elo, 2);
        Assert.Equal(-72.77, s.EloInterval.Low, 2);
        Assert.Equal(367.15, s.EloInterval.High, 2);
    }

    [Fact]
    public void Draws_count_half_and_extremes_are_bounded()
    {
        // 6 wins, 1 draw, 3 losses: score 6.5/10 = 0.65, Wilson on 6.5 of 10: (0.35367, 0.86307).
        var s = new MatchStatistics(6, 3, 1);
        Assert.Equal(0.65, s.Score, 12);
        Assert.Equal(0.353671, s.ScoreInterval.Low, 5);
        Assert.Equal(0.863069, s.ScoreInterval.High, 5);

        // All wins: the Wilson interval is (n/(n + z²), 1) = (4/7.841459, 1) = (0.510109, 1) for n = 4, and
        // the Elo is +∞ with a finite lower bound 400·log10(0.510109/0.489891) = 7.03.
        var all = new MatchStatistics(4, 0, 0);
        Assert.Equal(0.510109, all.ScoreInterval.Low, 5);
        Assert.Equal(1.0, all.ScoreInterval.High, 12);
        Assert.Equal(double.PositiveInfinity, all.Elo);
        Assert.Equal(7.03, all.EloInterval.Low, 2);
        Assert.Equal(double.NegativeInfinity, new MatchStatistics(0, 4, 0).Elo);

        Assert.True(double.IsNaN(new MatchStatistics(0, 0, 0).Score));
        Assert.Equal(new MatchStatistics(2, 1, 1), new MatchStatistics(0, 0, 0).Add(1).Add(-1).Add(0).Add(1));
    }

    [Fact]
    public void Elo_and_score_are_inverse()
    {
        // 1/(1 + 10^(−400/400)) = 10/11; 200 Elo: 1/(1 + 10^−0.5) = 0.759747.
        Assert.Equal(10.0 / 11, MatchStatistics.ScoreFromElo(400), 12);
        Assert.Equal(0.759747, MatchStatistics.ScoreFromElo(200), 6);
        Assert.Equal(0.5, MatchStatistics.ScoreFromElo(0), 12);
        foreach (double elo in new[] { -300.0, -20, 0, 55, 700 })
            Assert.Equal(elo, MatchStatistics.EloFromScore(MatchStatistics.ScoreFromElo(elo)), 9);
    }

    [Fact]
    public void Sprt_log_likelihood_ratio_and_decisions()
    {
        // H0: 0 Elo (p0 = 0.5), H1: 50 Elo (p1 = 1/(1 + 10^−0.125) = 0.5714631).
        //   ln(p1/p0) = ln 1.1429262 = 0.1335918; ln((1−p1)/(1−p0)) = ln 0.8570738 = −0.1542313.
        //   30 wins, 10 losses: 30·0.1335918 − 10·0.1542313 = 2.465442; bounds ±ln(0.95/0.05) = ±2.944439.
        //   35 wins, 10 losses: 4.675713 − 1.542313 = 3.133402 ≥ 2.944439: accept H1.
        var sprt = new Sprt(0, 50);
        Assert.Equal(2.944439, sprt.UpperBound, 6);
        Assert.Equal(-2.944439, sprt.LowerBound, 6);
        Assert.Equal(2.465442, sprt.LogLikelihoodRatio(new MatchStatistics(30, 10, 0)), 5);
        Assert.Equal(SprtDecision.Continue, sprt.Decide(new MatchStatistics(30, 10, 0)));
        Assert.Equal(3.133402, sprt.LogLikelihoodRatio(new MatchStatistics(35, 10, 0)), 5);
        Assert.Equal(SprtDecision.AcceptH1, sprt.Decide(new MatchStatistics(35, 10, 0)));
        // A draw is half of each: 2 draws = 1 win + 1 loss = 0.1335918 − 0.1542313 = −0.0206394.
        Assert.Equal(-0.0206394, sprt.LogLikelihoodRatio(new MatchStatistics(0, 0, 2)), 6);
        // 20 losses: −3.084626 ≤ −2.944439: accept H0; 19 losses: −2.930395, not yet.
        Assert.Equal(SprtDecision.AcceptH0, sprt.Decide(new MatchStatistics(0, 20, 0)));
        Assert.Equal(SprtDecision.Continue, sprt.Decide(new MatchStatistics(0, 19, 0)));
        // Other error rates: α = 0.01, β = 0.1: upper ln(0.9/0.01) = 4.499810, lower ln(0.1/0.99) = −2.292535.
        var strict = new Sprt(0, 50, 0.01, 0.1);
        Assert.Equal(4.499810, strict.UpperBound, 6);
        Assert.Equal(-2.292535, strict.LowerBound, 6);

        Assert.Throws<ArgumentException>(() => new Sprt(10, 10).Validate());
        Assert.Throws<ArgumentException>(() => new Sprt(0, 10, 0.6).Validate());
        Assert.Throws<ArgumentException>(() => new Sprt(0, 10, 0.05, 0).Validate());
    }
}
