namespace SelfPlayBN.Search;

/// <summary>
/// Random variates the search needs, drawn from a caller-owned <see cref="Random"/>: standard normal,
/// Gamma (Marsaglia–Tsang, 2000) and Dirichlet (normalised Gammas, computed in log space so that small
/// concentrations such as 0.03 do not underflow to all zeros).
/// </summary>
public static class Sampling
{
    /// <summary>A uniform double in <c>(0, 1]</c> (never 0, so its logarithm is finite).</summary>
    public static double OpenUniform(Random rng) => 1.0 - rng.NextDouble();

    /// <summary>A standard normal variate (Box–Muller; one of the pair is used).</summary>
    public static double StandardNormal(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double u1 = OpenUniform(rng), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A Gamma(<paramref name="shape"/>, 1) variate: mean and variance both equal <paramref name="shape"/>.</summary>
    public static double Gamma(Random rng, double shape) => Math.Exp(LogGamma(rng, shape));

    /// <summary>
    /// The logarithm of a Gamma(<paramref name="shape"/>, 1) variate. Marsaglia–Tsang for shape ≥ 1; for
    /// shape &lt; 1 the boost <c>G(a) = G(a+1)·U^(1/a)</c>, kept in log space.
    /// </summary>
    public static double LogGamma(Random rng, double shape)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(shape > 0) || double.IsInfinity(shape))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "the Gamma shape must be positive and finite");
        if (shape < 1) return LogGamma(rng, shape + 1) + Math.Log(OpenUniform(rng)) / shape;
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = StandardNormal(rng);
            double t = 1.0 + c * x;
            if (t <= 0) continue;
            double v = t * t * t;
            double u = OpenUniform(rng);
            double x2 = x * x;
            if (u < 1.0 - 0.0331 * x2 * x2 || Math.Log(u) < 0.5 * x2 + d * (1.0 - v + Math.Log(v)))
                return Math.Log(d) + Math.Log(v);
        }
    }

    /// <summary>
    /// Fills <paramref name="output"/> with a sample of the symmetric Dirichlet distribution of
    /// concentration <paramref name="alpha"/> over <c>output.Length</c> components: non-negative, sums to 1.
    /// </summary>
    public static void Dirichlet(Random rng, double alpha, Span<double> output)
    {
        if (output.Length == 0) return;
        double max = double.NegativeInfinity;
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = LogGamma(rng, alpha);
            if (output[i] > max) max = output[i];
        }
        double sum = 0;
        for (int i = 0; i < output.Length; i++) sum += output[i] = Math.Exp(output[i] - max);
        for (int i = 0; i < output.Length; i++) output[i] /= sum;
    }
}
