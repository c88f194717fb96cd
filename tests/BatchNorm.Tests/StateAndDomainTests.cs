using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 10: no-update modes (Update = Keep in train mode, on every statistics path; eval mode) leave
/// every buffer bit-identical; save → load (stream, file, state-dict) restores every buffer bit-exactly, extra
/// domains' included; Separate BN keeps each domain's statistics apart, switches with <see cref="BatchNormLayer.ActiveDomain"/>,
/// and names an unknown domain in a clear <see cref="ArgumentException"/>.</summary>
[Collection(TorchCollection.Name)]
public sealed class StateAndDomainTests
{
    public static TheoryData<string, string> KeepCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" })
            foreach (var path in new[] { "native", "ghost", "renorm", "population" })
                data.Add(shape, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(KeepCases))]
    public void KeepInTrainModeLeavesBuffersBitIdentical(string shape, string path)
    {
        manual_seed(701);
        const long c = 3;
        var options = path switch
        {
            "native" => new BatchNormOptions(),
            "ghost" => new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = 3 },
            "renorm" => new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(2, 1) },
            _ => new BatchNormOptions { Normalization = Normalization.Population },
        };
        var bn = R.Ours(shape, c, options with { Update = RunningUpdate.Keep }, ["b"]);
        R.Load(bn, rand(c) + 0.5, randn(c), randn(c), rand(c) + 0.5);
        bn.train();
        Assert.False(bn.EffectiveUpdate);
        var before = R.Buffers(bn);
        for (int step = 0; step < 2; step++)
        {
            var x = R.Input(shape, 6, c).requires_grad_();
            bn.call(x).square().sum().backward();
        }
        R.AssertBuffersUnchanged(before, bn, $"{path}, Keep, train mode");
        if (path == "native")
        {
            // Keep still normalises with batch statistics.
            var x = R.Input(shape, 6, c);
            var plain = R.Ours(shape, c, new BatchNormOptions { Affine = false, Update = RunningUpdate.Keep });
            plain.train();
            TensorAssert.Close(R.Train(x, 1e-5), plain.call(x), 1e-5, "Keep normalises with batch statistics");
        }
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void StatisticsChoiceIsIndependentOfTrainEvalMode(string shape)
    {
        // Population statistics in train mode without update = TorchSharp eval; batch statistics in eval mode
        // without update = TorchSharp train output, with TorchSharp's buffers moving and ours not.
        manual_seed(706);
        const long c = 3;
        var gamma = rand(c) + 0.5; var beta = randn(c); var mean = randn(c); var var = rand(c) + 0.5;
        var theirs = R.Theirs(shape, c);
        R.Load(theirs, gamma, beta, mean, var);
        var population = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Population, Update = RunningUpdate.Keep });
        var batch = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Batch, Update = RunningUpdate.Keep });
        foreach (var bn in new[] { population, batch }) R.Load(bn, gamma, beta, mean, var);
        var x = R.Input(shape, 6, c);
        population.train(); theirs.eval();
        var before = R.Buffers(population);
        TensorAssert.Close(theirs.call(x), population.call(x), 1e-5, "population statistics in train mode");
        R.AssertBuffersUnchanged(before, population, "population, Keep, train mode");
        batch.eval(); theirs.train();
        before = R.Buffers(batch);
        TensorAssert.Close(theirs.call(x), batch.call(x), 1e-5, "batch statistics in eval mode");
        R.AssertBuffersUnchanged(before, batch, "batch, Keep, eval mode");
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void EvalModeLeavesBuffersBitIdentical(string shape)
    {
        manual_seed(702);
        const long c = 3;
        var bn = R.Ours(shape, c, domains: ["b"]);
        R.Load(bn, rand(c) + 0.5, randn(c), randn(c), rand(c) + 0.5);
        bn.eval();
        var before = R.Buffers(bn);
        var x = R.Input(shape, 6, c).requires_grad_();
        bn.call(x).square().sum().backward();
        bn.ActiveDomain = "b";
        bn.call(R.Input(shape, 6, c));
        R.AssertBuffersUnchanged(before, bn, "eval mode");
    }

    /// <summary>A layer with domains a and b whose every buffer differs from the fresh values (and between domains).</summary>
    private static BatchNormLayer Trained(string shape, long c)
    {
        var bn = R.Ours(shape, c, new BatchNormOptions { Decay = 0.5 }, ["a", "b"]);
        R.Load(bn, rand(c) + 0.5, randn(c));
        bn.train();
        int k = 0;
        foreach (var d in new[] { BatchNormLayer.DefaultDomain, "a", "b" })
        {
            bn.ActiveDomain = d;
            for (int i = 0; i <= k; i++) bn.call(R.Input(shape, 5, c) * (k + 1) + 3 * k);
            k++;
        }
        bn.ActiveDomain = BatchNormLayer.DefaultDomain;
        return bn;
    }

    private static void AssertSameState(BatchNormLayer expected, BatchNormLayer actual)
    {
        var e = expected.state_dict(); var a = actual.state_dict();
        Assert.Equal(e.Keys.OrderBy(k => k), a.Keys.OrderBy(k => k));
        Assert.Contains("running_var_b", e.Keys);
        Assert.Contains("num_batches_tracked_a", e.Keys);
        foreach (var (name, t) in e) TensorAssert.BitEqual(t, a[name], $"state {name}");
        foreach (var d in expected.Domains) Assert.Equal(expected.NumBatchesTracked(d).item<long>(), actual.NumBatchesTracked(d).item<long>());
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void SaveThenLoadThroughAStreamRestoresEveryBufferBitExactly(string shape)
    {
        manual_seed(703);
        const long c = 4;
        var original = Trained(shape, c);
        Assert.Equal(3L, original.NumBatchesTracked("b").item<long>());
        var saved = new MemoryStream();
        original.save(saved); // closes the stream; ToArray still works on a closed MemoryStream
        var restored = R.Ours(shape, c, new BatchNormOptions { Decay = 0.5 }, ["a", "b"]);
        restored.load(new MemoryStream(saved.ToArray()));
        AssertSameState(original, restored);
    }

    [Fact]
    public void SaveThenLoadThroughAFileAndAStateDictRestoreEveryBufferBitExactly()
    {
        manual_seed(704);
        var original = Trained("N,C,H,W", 3);
        string path = Path.Combine(Path.GetTempPath(), $"bn-{Guid.NewGuid():N}.dat");
        try
        {
            original.save(path);
            var restored = BatchNormLayer.BatchNorm2d(3, domains: ["a", "b"]);
            restored.load(path);
            AssertSameState(original, restored);
        }
        finally { File.Delete(path); }

        var viaDict = BatchNormLayer.BatchNorm2d(3, domains: ["a", "b"]);
        viaDict.load_state_dict(original.state_dict());
        AssertSameState(original, viaDict);
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void SeparateBatchNormKeepsEachDomainStatisticsApart(string shape)
    {
        manual_seed(705);
        const long c = 3;
        var bn = R.Ours(shape, c, new BatchNormOptions { Decay = null }, ["a", "b"]);
        Assert.Equal(2, bn.parameters().Count()); // γ and β are shared
        bn.train();
        var fresh = R.Buffers(bn);

        // Train on domain a only: a's buffers hold a's cumulative statistics, the others are untouched.
        bn.ActiveDomain = "a";
        var means = new List<Tensor>(); var vars = new List<Tensor>();
        foreach (int n in new[] { 4, 6, 5 })
        {
            var x = R.Input(shape, n, c) + 7;
            bn.call(x);
            means.Add(R.Mean(x.to(ScalarType.Float64))); vars.Add(R.UnbiasedVar(x.to(ScalarType.Float64)));
        }
        TensorAssert.Close(stack(means).mean([0L]), bn.RunningMean("a"), 1e-5, "a's running mean");
        TensorAssert.Close(stack(vars).mean([0L]), bn.RunningVar("a"), 1e-4, "a's running var");
        Assert.Equal(3L, bn.NumBatchesTracked("a").item<long>());
        foreach (var name in new[] { "running_mean", "running_var", "num_batches_tracked", "running_mean_b", "running_var_b", "num_batches_tracked_b" })
            TensorAssert.BitEqual(fresh[name], bn.get_buffer(name)!, $"{name} after training on a");

        // Domain b with other data: only b moves; a keeps what it had.
        var aMean = bn.RunningMean("a").clone(); var aVar = bn.RunningVar("a").clone();
        bn.ActiveDomain = "b";
        var xb = R.Input(shape, 5, c) * 0.5 - 4;
        bn.call(xb);
        TensorAssert.Close(R.Mean(xb.to(ScalarType.Float64)), bn.RunningMean("b"), 1e-5, "b's running mean");
        TensorAssert.BitEqual(aMean, bn.RunningMean("a"), "a's mean after training on b");
        TensorAssert.BitEqual(aVar, bn.RunningVar("a"), "a's var after training on b");
        TensorAssert.BitEqual(fresh["running_mean"], bn.RunningMean(BatchNormLayer.DefaultDomain), "default mean after training on b");
        Assert.Same(bn.RunningMean("b"), bn.RunningMean()); // no argument: the active domain

        // In eval mode each domain normalises with its own statistics.
        bn.eval();
        var x2 = R.Input(shape, 3, c);
        foreach (var d in new[] { "a", "b", BatchNormLayer.DefaultDomain })
        {
            bn.ActiveDomain = d;
            var expected = R.Normalize(x2, bn.RunningMean(d), bn.RunningVar(d), 1e-5, bn.Weight, bn.Bias);
            TensorAssert.Close(expected, bn.call(x2), 1e-5, $"eval output with domain {d}");
        }
    }

    [Fact]
    public void AnUnknownDomainIsAClearArgumentException()
    {
        var bn = BatchNormLayer.BatchNorm1d(2, domains: ["selfplay"]);
        var e = Assert.Throws<ArgumentException>(() => bn.ActiveDomain = "human");
        Assert.Contains("human", e.Message);
        Assert.Contains("selfplay", e.Message);
        Assert.Equal(BatchNormLayer.DefaultDomain, bn.ActiveDomain);
        Assert.Contains("human", Assert.Throws<ArgumentException>(() => bn.RunningMean("human")).Message);
        Assert.Contains("human", Assert.Throws<ArgumentException>(() => bn.RunningVar("human")).Message);
        Assert.Contains("human", Assert.Throws<ArgumentException>(() => bn.NumBatchesTracked("human")).Message);
        Assert.Equal([BatchNormLayer.DefaultDomain, "selfplay"], bn.Domains);

        Assert.Contains("a-b", Assert.Throws<ArgumentException>(() => BatchNormLayer.BatchNorm1d(2, domains: ["a-b"])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => BatchNormLayer.BatchNorm1d(2, domains: ["x", "x"])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => BatchNormLayer.BatchNorm1d(2, domains: [BatchNormLayer.DefaultDomain])).Message);
    }
}
