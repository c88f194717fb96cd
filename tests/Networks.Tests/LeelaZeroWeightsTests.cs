using System.Globalization;
using SelfPlayBN.BatchNorm;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks.Tests;

[Collection(TorchCollection.Name)]
public sealed class LeelaZeroWeightsTests(TorchFixture torchFixture)
{
    private static ResidualNetwork RandomNetwork(int seed, double epsilon = 1e-5, int blocks = 2, int filters = 8) =>
        RandomLeelaZeroNetwork.Create(seed, blocks, filters, epsilon);

    /// <summary>Random boards as Leela Zero sees them: 0/1 stone planes and one side-to-move plane set.</summary>
    private static Tensor RandomInputs(int batch, int seed)
    {
        random.manual_seed(seed);
        var x = (rand(batch, 18, 19, 19) < 0.2).to(float32);
        x[TensorIndex.Colon, TensorIndex.Slice(16, 18)] = zeros(batch, 2, 19, 19);
        x[TensorIndex.Slice(0, batch / 2), 16] = ones(batch / 2, 19, 19);
        x[TensorIndex.Slice(batch / 2, batch), 17] = ones(batch - batch / 2, 19, 19);
        return x;
    }

    private static string Export(ResidualNetwork net)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        LeelaZeroWeights.Write(net, w);
        return w.ToString();
    }

    private static ResidualNetwork Import(string text) => LeelaZeroWeights.Read(new StringReader(text), "test.txt");

    [Theory]
    [InlineData(1e-5)]
    [InlineData(1e-3)] // another ε folds into the variances
    public void Export_then_import_computes_the_same_function(double epsilon)
    {
        Assert.NotNull(torchFixture.Info);
        using var net = RandomNetwork(11, epsilon);
        using var back = Import(Export(net));
        using var x = RandomInputs(6, 12);
        using var _ = no_grad();
        var (p1, v1) = net.call(x);
        var (p2, v2) = back.call(x);
        float policyGap = (p1 - p2).abs().max().item<float>();
        float valueGap = (v1 - v2).abs().max().item<float>();
        Assert.True(policyGap < 1e-4f, $"policy logits differ by {policyGap}");
        Assert.True(valueGap < 1e-5f, $"values differ by {valueGap}");
        Assert.True((p1 - p1.mean()).abs().max().item<float>() > 0.1f, "the test network's policy is flat: the comparison would prove little");
    }

    /// <summary>
    /// Leela Zero → ours → Leela Zero: weights, means, variances and the linear layers come back bit for bit; a
    /// conv bias comes back bit for bit when some float β maps back to it (β·sqrt(var + ε) rounded), else within
    /// one ulp (see <see cref="Beta_choice_exports_back_to_the_same_bias_or_the_next_float"/>).
    /// </summary>
    [Fact]
    public void Import_then_export_reproduces_the_file()
    {
        using var net = RandomNetwork(21);
        string first = Export(net);
        using var imported = Import(first);
        string second = Export(imported);
        var a = first.Split('\n');
        var b = second.Split('\n');
        Assert.Equal(a.Length, b.Length);
        var biasLines = new HashSet<int>();
        // Conv-BN groups of four lines start at line 1, then every four lines through the tower (2 per block),
        // then the policy conv (after which 2 linear lines), then the value conv.
        int blocks = 2, line = 1;
        for (int g = 0; g < 1 + 2 * blocks; g++, line += 4) biasLines.Add(line + 1);
        biasLines.Add(line + 1);          // policy conv
        biasLines.Add(line + 4 + 2 + 1);  // value conv, after the policy FC's two lines
        int exactBiases = 0, biases = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (!biasLines.Contains(i))
            {
                Assert.True(a[i] == b[i], $"line {i + 1} differs after the round trip");
                continue;
            }
            var x = a[i].Split(' ').Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var y = b[i].Split(' ').Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(x.Length, y.Length);
            for (int j = 0; j < x.Length; j++)
            {
                biases++;
                if (x[j] == y[j]) { exactBiases++; continue; }
                Assert.True(MathF.BitIncrement(x[j]) == y[j] || MathF.BitDecrement(x[j]) == y[j], $"line {i + 1} bias {j}: {x[j]:R} came back as {y[j]:R}");
            }
        }
        Assert.Equal(8 * (1 + 2 * blocks) + 2 + 1, biases);
        Assert.True(exactBiases >= biases * 0.8, $"only {exactBiases} of {biases} biases came back bit for bit");
        // The imported network holds Leela Zero's form: γ = 1 everywhere.
        Assert.All(imported.state_dict().Where(kv => kv.Key.Contains("bn") && kv.Key.EndsWith(".weight", StringComparison.Ordinal)),
            kv => Assert.Equal(1f, kv.Value.min().item<float>()));
    }

    [Fact]
    public void Export_folds_gamma_beta_and_epsilon_as_the_algebra_says()
    {
        using var net = RandomNetwork(31, epsilon: 1e-4, blocks: 0, filters: 4);
        var sd = net.state_dict();
        float[] Values(string key) => sd[key].data<float>().ToArray();
        var w = Values("input_conv.weight");
        var gamma = Values("input_bn.weight");
        var beta = Values("input_bn.bias");
        var mean = Values("input_bn.running_mean");
        var variance = Values("input_bn.running_var");
        var lines = Export(net).Split('\n');
        Assert.Equal("1", lines[0]);
        float[] Line(int i) => lines[i].Split(' ').Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var wOut = Line(1);
        var bias = Line(2);
        var meanOut = Line(3);
        var varOut = Line(4);
        int perChannel = 18 * 9;
        for (int c = 0; c < 4; c++)
        {
            for (int i = 0; i < perChannel; i++) Assert.Equal((float)((double)gamma[c] * w[c * perChannel + i]), wOut[c * perChannel + i]);
            Assert.Equal((float)((double)gamma[c] * mean[c]), meanOut[c]);
            Assert.Equal((float)(variance[c] + 1e-4 - 1e-5), varOut[c]);
            Assert.Equal((float)(beta[c] * Math.Sqrt(varOut[c] + 1e-5)), bias[c]);
            // Leela Zero's evaluation of one pre-activation z equals ours: γ(z − mean)/sqrt(var + ε) + β.
            double z = 0.7;
            double ours = gamma[c] * (z - mean[c]) / Math.Sqrt(variance[c] + 1e-4) + beta[c];
            double zPrime = gamma[c] * z; // the convolution with γ·w
            double leela = (zPrime - (meanOut[c] - bias[c])) / Math.Sqrt(varOut[c] + 1e-5);
            Assert.Equal(ours, leela, 4);
        }
        Assert.Equal(1 + 4 + 14, lines.Count(l => l.Length > 0)); // no blocks
    }

    [Fact]
    public void Files_round_trip_through_disk_and_are_recognised()
    {
        using var net = RandomNetwork(41, blocks: 1, filters: 4);
        string dir = Directory.CreateTempSubdirectory("lz-weights").FullName;
        try
        {
            string path = Path.Combine(dir, "net.txt");
            LeelaZeroWeights.Write(net, path);
            Assert.True(LeelaZeroWeights.Probe(path).IsLeelaZero);
            Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
            using var back = LeelaZeroWeights.Read(path);
            Assert.Equal(LeelaZeroWeights.ShapeFor(1, 4), back.Shape);
            string other = Path.Combine(dir, "model.bin");
            File.WriteAllBytes(other, [0x50, 0x4B, 3, 4, 0, 0, 10, 1, 2]);
            Assert.Equal(LeelaZeroFileKind.Binary, LeelaZeroWeights.Probe(other).Kind);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Bad_files_are_rejected_naming_the_line()
    {
        using var net = RandomNetwork(51, blocks: 1, filters: 4);
        var lines = Export(net).TrimEnd('\n').Split('\n');
        string Join(IEnumerable<string> ls) => string.Join('\n', ls) + "\n";

        var e = Assert.Throws<LeelaZeroWeightsException>(() => Import(""));
        Assert.Contains("empty", e.Message);
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(lines.Skip(1).Prepend("2"))));
        Assert.Contains("version 2", e.Message);
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(lines.Skip(1).Prepend("PK\u0003\u0004"))));
        Assert.Contains("line 1", e.Message);
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(lines.Take(lines.Length - 1))));
        Assert.Contains("18 + 8·B", e.Message);
        var badToken = (string[])lines.Clone();
        badToken[3] = badToken[3].Replace(" ", " abc ", StringComparison.Ordinal);
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(badToken)));
        Assert.Contains("line 4", e.Message);
        Assert.Contains("abc", e.Message);
        var shortLine = (string[])lines.Clone();
        shortLine[5] = string.Join(' ', shortLine[5].Split(' ').Skip(1)); // block 1 conv weights one short
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(shortLine)));
        Assert.Contains("line 6", e.Message);
        Assert.Contains("tower.0.conv1 weights", e.Message);
        var negativeVariance = (string[])lines.Clone();
        negativeVariance[4] = "-1 " + string.Join(' ', negativeVariance[4].Split(' ').Skip(1));
        e = Assert.Throws<LeelaZeroWeightsException>(() => Import(Join(negativeVariance)));
        Assert.Contains("variance", e.Message);
    }

    [Fact]
    public void Only_Leela_Zero_shaped_unfused_networks_export()
    {
        using var wrongShape = new ResidualNetwork(new ResidualNetworkShape(17, 19, 19, 362, 1, 4));
        Assert.Throws<ArgumentException>(() => Export(wrongShape));
        using var fused = RandomNetwork(61, blocks: 1, filters: 4);
        BatchNormFusion.FuseAll(fused);
        var e = Assert.Throws<ArgumentException>(() => Export(fused));
        Assert.Contains("fused", e.Message);
    }

    /// <summary>
    /// β is a float, so β·sqrt(var + ε) cannot reach every float bias when the scale is below 1 (consecutive βs then
    /// step by more than one ulp of the bias); the import then picks the β whose export is nearest. Measured here:
    /// every bias comes back exactly or one ulp away, and most exactly.
    /// </summary>
    [Fact]
    public void Beta_choice_exports_back_to_the_same_bias_or_the_next_float()
    {
        var rng = new Random(5);
        int exact = 0, total = 100_000;
        for (int i = 0; i < total; i++)
        {
            float bias = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 3)));
            float variance = (float)(rng.NextDouble() * Math.Pow(10, rng.Next(-5, 3)));
            double scale = Math.Sqrt(variance + 1e-5);
            float back = (float)(LeelaZeroWeights.BetaFor(bias, scale) * scale);
            if (back == bias) { exact++; continue; }
            Assert.True(MathF.BitIncrement(bias) == back || MathF.BitDecrement(bias) == back, $"bias {bias:R} with scale {scale:R} came back as {back:R}");
        }
        Assert.True(exact > total * 0.85, $"only {exact} of {total} biases came back exactly");
    }
}
