namespace SelfPlayBN.Search.Tests;

public sealed class SamplingTests
{
    [Theory]
    [InlineData(0.03)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(10.0)]
    public void Gamma_has_mean_and_variance_equal_to_its_shape(double shape)
    {
        var rng = new Random(1);
        const int n = 100_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = Sampling.Gamma(rng, shape);
            Assert.True(x >= 0);
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        Assert.InRange(mean, shape * 0.95, shape * 1.05);
        Assert.InRange(variance, shape * 0.9, shape * 1.1);
    }

    [Fact]
    public void Standard_normal_has_mean_zero_and_unit_variance()
    {
        var rng = new Random(2);
        const int n = 100_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = Sampling.StandardNormal(rng);
            sum += x;
            sumSq += x * x;
        }
        Assert.InRange(sum / n, -0.02, 0.02);
        Assert.InRange(sumSq / n, 0.98, 1.02);
    }

    [Theory]
    [InlineData(0.03, 7)]
    [InlineData(0.3, 9)]
    [InlineData(1.0, 3)]
    public void Dirichlet_is_a_distribution_with_equal_component_means(double alpha, int k)
    {
        var rng = new Random(3);
        var x = new double[k];
        var means = new double[k];
        double sumSqFirst = 0;
        const int n = 40_000;
        for (int i = 0; i < n; i++)
        {
            Sampling.Dirichlet(rng, alpha, x);
            Assert.Equal(1.0, x.Sum(), 9);
            Assert.All(x, v => Assert.True(v >= 0 && double.IsFinite(v)));
            for (int j = 0; j < k; j++) means[j] += x[j] / n;
            sumSqFirst += x[0] * x[0] / n;
        }
        Assert.All(means, m => Assert.InRange(m, 1.0 / k - 0.01, 1.0 / k + 0.01));
        // Var[x0] = (k−1) / (k²(kα+1)) for the symmetric Dirichlet.
        double expectedVar = (k - 1) / (k * k * (k * alpha + 1));
        Assert.InRange(sumSqFirst - means[0] * means[0], expectedVar * 0.9, expectedVar * 1.1);
    }

    [Fact]
    public void Bad_shape_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Gamma(new Random(1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Gamma(new Random(1), double.NaN));
    }
}
