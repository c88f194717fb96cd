using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>
/// The eight defects a review of the library found (issue 12), one test each; every one of them failed before its fix:
/// the staleness meter's domain, Batch Renorm in eval mode, Caffe's update rule, PyTorch's momentum 0, Precise BN over
/// Sync BN, a layer called twice in one forward, a fresh frozen layer, and population normalisation in training mode.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ReviewDefectTests
{
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc;
        private readonly BatchNormLayer bn;

        public Net(BatchNormOptions? options = null, IEnumerable<string>? domains = null) : base(nameof(Net))
        {
            fc = nn.Linear(3, 4);
            bn = BatchNormLayer.BatchNorm1d(4, options, domains);
            RegisterComponents();
        }

        public BatchNormLayer Norm => bn;

        public override Tensor forward(Tensor x) => bn.call(fc.call(x));
    }

    [Fact]
    public void The_staleness_meter_compares_the_statistics_of_the_domain_it_measured_not_the_active_one()
    {
        manual_seed(1201);
        var net = new Net(domains: ["t"]);
        var x = randn(64, 3) * 3 + 5;
        // Domain "t" keeps its fresh statistics (0, 1), far from the data; "default" is active.
        var precise = PreciseBatchNorm.Compute(net, [x], b => net.call(b), new PreciseBatchNormOptions { Domain = "t" });
        Func<Tensor, double> loss = y => y.square().mean().item<double>();
        var report = Staleness.Measure(net, precise, () => net.call(x), loss);
        Assert.Equal(BatchNormLayer.DefaultDomain, net.Norm.ActiveDomain); // the meter gives the active domain back
        Assert.True(report.MeanGap > 1, $"the gap of domain t should be large, got {report.MeanGap}");
        // What the meter must have compared: domain t's running statistics against its precise ones.
        net.Norm.ActiveDomain = "t";
        net.eval();
        double expectedRunning, expectedPrecise;
        using (no_grad()) expectedRunning = loss(net.call(x).to(ScalarType.Float64));
        TensorAssert.Close(zeros(4), net.Norm.RunningMean("t"), 0, "the meter restored domain t's running statistics");
        precise.WriteTo();
        using (no_grad()) expectedPrecise = loss(net.call(x).to(ScalarType.Float64));
        Assert.Equal(expectedRunning, report.LossWithRunning!.Value, 6);
        Assert.Equal(expectedPrecise, report.LossWithPrecise!.Value, 6);
        Assert.True(Math.Abs(report.LossWithRunning.Value - report.LossWithPrecise.Value) > 0.1, "the two losses must differ");
    }

    [Fact]
    public void Batch_renorm_uses_the_population_in_eval_mode_and_renorm_always_keeps_batch_statistics()
    {
        manual_seed(1202);
        var options = new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(1.5, 0.5) };
        var bn = BatchNormLayer.BatchNorm1d(3, options);
        R.Load(bn, null, null, tensor(new float[] { 1, -1, 0 }), tensor(new float[] { 4, 1, 9 }));
        bn.eval();
        var one = randn(1, 3);
        var y = bn.call(one); // one example: a batch statistic would need more than one value per channel
        TensorAssert.Close(R.Normalize(one, bn.RunningMean(), bn.RunningVar(), 1e-5), y, 1e-6, "eval-mode BRN = population statistics");
        var batch = randn(8, 3) * 5;
        var alone = bn.call(batch.narrow(0, 0, 1));
        TensorAssert.Close(alone, bn.call(batch).narrow(0, 0, 1), 1e-6, "eval output independent of the batch");

        var always = BatchNormLayer.BatchNorm1d(3, options with { Normalization = Normalization.RenormAlways });
        R.Load(always, null, null, tensor(new float[] { 1, -1, 0 }), tensor(new float[] { 4, 1, 9 }));
        always.eval();
        Assert.Throws<ArgumentException>(() => always.call(one)); // the explicit choice: batch statistics in eval too
        Assert.Equal(Normalization.Renorm, always.EffectiveNormalization);
        bn.train();
        Assert.Equal(Normalization.Renorm, bn.EffectiveNormalization);
    }

    [Fact]
    public void The_caffe_conversion_reproduces_caffes_bias_corrected_average_worked_by_hand()
    {
        // λ = 0.5; batch means 2, then 8 (one channel, constant batches so the variance is 0):
        // Caffe: blob = 2, s = 1 → 2; then blob = 8 + 0.5·2 = 9, s = 0.5·1 + 1 = 1.5 → 6.
        var bn = BatchNormLayer.BatchNorm1d(1, Conventions.OptionsFrom(Framework.Caffe, 0.5));
        Assert.True(bn.Options.BiasCorrected);
        bn.train();
        bn.call(full(4, 1, 2f));
        Assert.Equal(2f, bn.RunningMean().item<float>(), 6);
        Assert.Equal(0f, bn.RunningVar().item<float>(), 6);
        bn.call(full(4, 1, 8f));
        Assert.Equal(6f, bn.RunningMean().item<float>(), 5);
        // A third batch of 2: blob = 2 + 0.5·9 = 6.5, s = 0.5·1.5 + 1 = 1.75 → 3.7142857.
        bn.call(full(4, 1, 2f));
        Assert.Equal(6.5f / 1.75f, bn.RunningMean().item<float>(), 5);
        // moving_average_fraction 1: the plain average of every batch (s = t).
        var cumulative = BatchNormLayer.BatchNorm1d(1, Conventions.OptionsFrom(Framework.Caffe, 1.0));
        cumulative.train();
        foreach (float v in new[] { 3f, 5f, 10f }) cumulative.call(full(4, 1, v));
        Assert.Equal(6f, cumulative.RunningMean().item<float>(), 5);
    }

    [Fact]
    public void PyTorch_momentum_0_converts_to_statistics_that_never_move_and_back()
    {
        Assert.Equal(1.0, Conventions.DecayFrom(Framework.PyTorch, 0));
        Assert.Equal(0.0, Conventions.MomentumFor(Framework.PyTorch, 1.0));
        var bn = BatchNormLayer.BatchNorm1d(2, Conventions.OptionsFrom(Framework.PyTorch, 0.0));
        bn.train();
        bn.call(randn(8, 2) * 3 + 7);
        TensorAssert.Close(zeros(2), bn.RunningMean(), 0, "running mean");
        TensorAssert.Close(ones(2), bn.RunningVar(), 0, "running variance");
        Assert.Equal(1L, bn.NumBatchesTracked().item<long>());
        var theirs = nn.BatchNorm1d(2, momentum: 0.0);
        theirs.train();
        theirs.call(randn(8, 2) * 3 + 7);
        TensorAssert.Close(theirs.running_mean!, bn.RunningMean(), 0, "as PyTorch's momentum 0");
    }

    [Fact]
    public void Precise_bn_over_sync_bn_replicas_gives_every_replica_the_global_statistics()
    {
        manual_seed(1205);
        var group = InProcessAllReduce.Create(2, TimeSpan.FromSeconds(60));
        // Replica 0 sees data around +5, replica 1 around −5 (unequal counts): the global mean is near 0.
        Tensor[][] data =
        [
            [randn(6, 3) + 5, randn(6, 3) + 5],
            [randn(10, 3) - 5, randn(10, 3) - 5, randn(4, 3) - 5],
        ];
        var all = cat(data.SelectMany(d => d).ToArray(), 0);
        foreach (var estimator in new[] { PreciseEstimator.Union, PreciseEstimator.MeanOfBatches })
        {
            var layers = group.Select(g => BatchNormLayer.BatchNorm1d(3, new BatchNormOptions { BatchStatistics = BatchStatistics.Sync, SyncGroup = g })).ToArray();
            var results = new PreciseStatistics[2];
            var failures = new List<Exception>();
            var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
            {
                try { results[k] = PreciseBatchNorm.Update(layers[k], data[k], b => layers[k].call(b), new PreciseBatchNormOptions { Estimator = estimator }); }
                catch (Exception e) { lock (failures) failures.Add(e); }
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Assert.Empty(failures);
            if (estimator == PreciseEstimator.Union)
            {
                TensorAssert.Close(R.Mean(all).to(ScalarType.Float64), results[0].Layers[0].Mean, 1e-5, "global mean");
                TensorAssert.Close(R.BiasedVar(all).to(ScalarType.Float64), results[0].Layers[0].Variance, 1e-4, "global variance");
                Assert.Equal(all.shape[0], results[0].Layers[0].Values);
            }
            else
            {
                var batches = data.SelectMany(d => d).ToArray();
                var meanOfMeans = stack(batches.Select(R.Mean).ToArray()).mean([0]);
                var meanOfVars = stack(batches.Select(R.UnbiasedVar).ToArray()).mean([0]);
                TensorAssert.Close(meanOfMeans.to(ScalarType.Float64), results[0].Layers[0].Mean, 1e-5, "mean of all batch means");
                TensorAssert.Close(meanOfVars.to(ScalarType.Float64), results[0].Layers[0].Variance, 1e-4, "mean of all batch variances");
                Assert.Equal(5, results[0].Layers[0].Batches);
            }
            TensorAssert.Close(layers[0].RunningMean(), layers[1].RunningMean(), 0, "both replicas hold the same mean");
            TensorAssert.Close(layers[0].RunningVar(), layers[1].RunningVar(), 0, "both replicas hold the same variance");
        }
    }

    [Fact]
    public void Precise_bn_refuses_a_layer_called_twice_in_one_forward()
    {
        manual_seed(1206);
        var bn = BatchNormLayer.BatchNorm1d(3);
        var before = R.Buffers(bn);
        var e = Assert.Throws<InvalidOperationException>(() =>
            PreciseBatchNorm.Update(bn, [randn(8, 3), randn(8, 3)], b => { bn.call(b); bn.call(b * 2 + 1); }));
        Assert.Contains("2 times in one forward", e.Message);
        R.AssertBuffersUnchanged(before, bn, "a refused pass");
    }

    [Fact]
    public void A_fresh_frozen_layer_is_exactly_the_identity_and_unfreezing_gives_back_its_fresh_statistics()
    {
        var bn = BatchNormLayer.BatchNorm2d(2);
        bn.Freeze();
        var x = tensor(new float[] { 1000, -3.25f, 0.1f, 1e-3f, 7, 123456, -1000, 42 }).reshape(1, 2, 2, 2);
        Assert.Equal(x.data<float>().ToArray(), bn.call(x).data<float>().ToArray());
        bn.Unfreeze();
        TensorAssert.Close(ones(2), bn.RunningVar(), 0, "fresh variance back");
        // A layer with real statistics keeps them when frozen.
        var trained = BatchNormLayer.BatchNorm2d(2);
        trained.train();
        trained.call(randn(4, 2, 2, 2) * 3);
        var rv = trained.RunningVar().clone();
        trained.Freeze();
        TensorAssert.Close(rv, trained.RunningVar(), 0, "trained statistics untouched by freezing");
    }

    [Fact]
    public void Normalising_with_the_population_in_training_mode_leaves_the_running_statistics_alone_unless_asked()
    {
        manual_seed(1208);
        var bn = BatchNormLayer.BatchNorm1d(3, new BatchNormOptions { Normalization = Normalization.Population });
        R.Load(bn, null, null, tensor(new float[] { 1, 2, 3 }), tensor(new float[] { 2, 2, 2 }));
        bn.train();
        var before = R.Buffers(bn);
        var x = randn(8, 3) * 4;
        var y = bn.call(x);
        TensorAssert.Close(R.Normalize(x, bn.RunningMean(), bn.RunningVar(), 1e-5), y, 1e-6, "population statistics");
        R.AssertBuffersUnchanged(before, bn, "the EMA used during training");
        Assert.False(bn.EffectiveUpdate);

        var updating = BatchNormLayer.BatchNorm1d(3, new BatchNormOptions { Normalization = Normalization.Population, Update = RunningUpdate.Update });
        updating.train();
        updating.call(x);
        Assert.Equal(1L, updating.NumBatchesTracked().item<long>()); // the explicit choice still updates
    }
}
