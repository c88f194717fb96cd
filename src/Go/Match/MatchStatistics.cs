namespace SelfPlayBN.Go.Match;

/// <summary>
/// Results of a match from one engine's point of view (engine A): wins, losses and draws, the score, its
/// 95% confidence interval and the Elo difference with its interval.
/// </summary>
/// <remarks>
/// The score is <c>(wins + draws/2) / games</c>. Its interval is the Wilson score interval
/// <c>(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)</c> with <c>z = 1.959964</c> (95%, two-sided), which
/// stays inside [0, 1] and behaves at 0 or n wins, unlike the normal (Wald) interval; a draw counts as half a
/// win, which treats the score as binomial (exact without draws, slightly wide with them). The Elo difference
/// is the logistic model's <c>−400·log10(1/score − 1)</c> and its interval is that of the score mapped through
/// the same (increasing) function; a score of 0 or 1 gives an infinite Elo.
/// </remarks>
/// <param name="Wins">Games engine A won.</param>
/// <param name="Losses">Games engine A lost.</param>
/// <param name="Draws">Drawn games (an exact tie in score, possible with integer komi).</param>
public sealed record MatchStatistics(int Wins, int Losses, int Draws)
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Number of games.</summary>
    public int Games => Wins + Losses + Draws;

    /// <summary>Engine A's score per game in [0, 1]; NaN before any game.</summary>
    public double Score => Games == 0 ? double.NaN : (Wins + 0.5 * Draws) / Games;

    /// <summary>The Wilson 95% interval of <see cref="Score"/>; (0, 1) before any game.</summary>
    public (double Low, double High) ScoreInterval => Games == 0 ? (0, 1) : Wilson(Wins + 0.5 * Draws, Games, Z95);

    /// <summary>Engine A's Elo advantage over engine B under the logistic model (see the remarks); NaN before any game.</summary>
    public double Elo => Games == 0 ? double.NaN : EloFromScore(Score);

    /// <summary><see cref="ScoreInterval"/> mapped to Elo.</summary>
    public (double Low, double High) EloInterval
    {
        get
        {
            var (lo, hi) = ScoreInterval;
            return (EloFromScore(lo), EloFromScore(hi));
        }
    }

    /// <summary>The statistics with one more game: +1 win for engine A, −1 loss, 0 draw.</summary>
    public MatchStatistics Add(int resultForA) => resultForA switch
    {
        > 0 => this with { Wins = Wins + 1 },
        < 0 => this with { Losses = Losses + 1 },
        _ => this with { Draws = Draws + 1 },
    };

    /// <summary>The Wilson score interval for <paramref name="successes"/> out of <paramref name="n"/> trials at normal quantile <paramref name="z"/>.</summary>
    public static (double Low, double High) Wilson(double successes, int n, double z)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "needs at least one trial");
        if (successes < 0 || successes > n) throw new ArgumentOutOfRangeException(nameof(successes));
        double p = successes / n, z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>The Elo difference whose expected score is <paramref name="score"/>: <c>−400·log10(1/score − 1)</c>; ±∞ at 1 and 0.</summary>
    public static double EloFromScore(double score)
    {
        if (score is < 0 or > 1 || double.IsNaN(score)) throw new ArgumentOutOfRangeException(nameof(score), score, "a score is in [0, 1]");
        if (score == 0) return double.NegativeInfinity;
        if (score == 1) return double.PositiveInfinity;
        return -400 * Math.Log10(1 / score - 1);
    }

    /// <summary>The expected score of a player <paramref name="elo"/> points stronger: <c>1 / (1 + 10^(−elo/400))</c>.</summary>
    public static double ScoreFromElo(double elo) => 1 / (1 + Math.Pow(10, -elo / 400));
}

/// <summary>The state of a sequential test.</summary>
public enum SprtDecision
{
    /// <summary>Neither bound reached: play on.</summary>
    Continue,
    /// <summary>The log-likelihood ratio reached the lower bound: accept H0 (Elo = elo0).</summary>
    AcceptH0,
    /// <summary>The log-likelihood ratio reached the upper bound: accept H1 (Elo = elo1).</summary>
    AcceptH1,
}

/// <summary>
/// Wald's sequential probability ratio test of H0: Elo = <see cref="Elo0"/> against H1: Elo = <see cref="Elo1"/>
/// (engine A's advantage, logistic model), with error rates <see cref="Alpha"/> (accepting H1 when H0 holds)
/// and <see cref="Beta"/> (accepting H0 when H1 holds).
/// </summary>
/// <remarks>
/// Each game is a Bernoulli trial with success probability <c>p = 1/(1 + 10^(−Elo/400))</c>; a draw counts as
/// half a success and half a failure. With <c>p0</c>, <c>p1</c> those of elo0 and elo1 the log-likelihood
/// ratio after W wins, L losses and D draws is
/// <c>LLR = (W + D/2)·ln(p1/p0) + (L + D/2)·ln((1−p1)/(1−p0))</c>, and the test stops at
/// <c>LLR ≥ ln((1−β)/α)</c> (accept H1) or <c>LLR ≤ ln(β/(1−α))</c> (accept H0).
/// </remarks>
/// <param name="Elo0">Elo under H0.</param>
/// <param name="Elo1">Elo under H1; must differ from <paramref name="Elo0"/>.</param>
/// <param name="Alpha">Probability of accepting H1 when H0 holds, in (0, 0.5).</param>
/// <param name="Beta">Probability of accepting H0 when H1 holds, in (0, 0.5).</param>
public sealed record Sprt(double Elo0, double Elo1, double Alpha = 0.05, double Beta = 0.05)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when the parameters make no test.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Elo0) || !double.IsFinite(Elo1)) throw new ArgumentException("SPRT elo0 and elo1 must be finite numbers");
        if (Elo0 == Elo1) throw new ArgumentException($"SPRT elo0 and elo1 must differ (both {Elo0})");
        if (Alpha is <= 0 or >= 0.5 || double.IsNaN(Alpha)) throw new ArgumentException($"SPRT alpha must be in (0, 0.5), not {Alpha}");
        if (Beta is <= 0 or >= 0.5 || double.IsNaN(Beta)) throw new ArgumentException($"SPRT beta must be in (0, 0.5), not {Beta}");
    }

    /// <summary>The bound at or below which H0 is accepted: <c>ln(β/(1−α))</c>.</summary>
    public double LowerBound => Math.Log(Beta / (1 - Alpha));

    /// <summary>The bound at or above which H1 is accepted: <c>ln((1−β)/α)</c>.</summary>
    public double UpperBound => Math.Log((1 - Beta) / Alpha);

    /// <summary>The log-likelihood ratio of H1 against H0 for these results (see the remarks).</summary>
    public double LogLikelihoodRatio(MatchStatistics s)
    {
        ArgumentNullException.ThrowIfNull(s);
        double p0 = MatchStatistics.ScoreFromElo(Elo0), p1 = MatchStatistics.ScoreFromElo(Elo1);
        return (s.Wins + 0.5 * s.Draws) * Math.Log(p1 / p0) + (s.Losses + 0.5 * s.Draws) * Math.Log((1 - p1) / (1 - p0));
    }

    /// <summary>Whether to stop, and with which conclusion.</summary>
    public SprtDecision Decide(MatchStatistics s)
    {
        double llr = LogLikelihoodRatio(s);
        return llr >= UpperBound ? SprtDecision.AcceptH1 : llr <= LowerBound ? SprtDecision.AcceptH0 : SprtDecision.Continue;
    }
}
