using SelfPlayBN.BatchNorm;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks.Tests;

/// <summary>The network with the BatchNorm library (the default) against TorchSharp's BatchNorm2d (the benchmark
/// baseline): same checkpoint schema, same outputs, and fusion of every conv → BN pair.</summary>
[Collection(TorchCollection.Name)]
public sealed class NormalizationLayerTests
{
    private static readonly ResidualNetworkShape Small = new(InputPlanes: 2, Height: 3, Width: 3, Actions: 9, Blocks: 2, Filters: 8, ValueHidden: 16);

    /// <summary>Gives every BN layer non-trivial γ and β, so that fusion and loading have something to get wrong.</summary>
    private static void RandomizeAffine(nn.Module net)
    {
        using var _ = no_grad();
        foreach (var (name, p) in net.named_parameters())
        {
            if (!name.Contains("bn", StringComparison.Ordinal)) continue;
            if (name.EndsWith(".weight", StringComparison.Ordinal)) p.copy_(rand_like(p) + 0.5);
            else p.copy_(randn_like(p) * 0.3);
        }
    }

    /// <summary>Training-mode forwards on shifted, scaled data: the running statistics move away from (0, 1).</summary>
    private static void MoveRunningStatistics(ResidualNetwork net, int forwards = 4)
    {
        net.train();
        using var _ = no_grad();
        for (int i = 0; i < forwards; i++)
        {
            using var scope = NewDisposeScope();
            net.call(randn(16, 2, 3, 3) * 2 + 1);
        }
    }

    private static (Tensor Policy, Tensor Value) Eval(ResidualNetwork net, Tensor x)
    {
        net.eval();
        using var _ = no_grad();
        return net.call(x);
    }

    [Fact]
    public void The_library_layer_is_the_default()
    {
        using var net = new ResidualNetwork(Small);
        Assert.Equal(NormalizationLayer.Library, net.NormalizationLayer);
        Assert.Equal(Small.Blocks * 2 + 3, FrozenBatchNorm.Layers(net).Count());
        Assert.Equal(Small.Blocks * 2 + 3, net.FusionPairs().Count());
    }

    [Fact]
    public void The_options_reach_every_library_layer()
    {
        var options = new BatchNormOptions { Epsilon = 1e-3, Decay = 0.99 };
        using var net = new ResidualNetwork(Small, options);
        Assert.All(FrozenBatchNorm.Layers(net), bn => Assert.Equal(options, bn.Options));
    }

    [Fact]
    public void The_fused_network_gives_the_unfused_outputs_in_eval_mode()
    {
        random.manual_seed(11);
        using var net = new ResidualNetwork(Small);
        RandomizeAffine(net);
        MoveRunningStatistics(net);
        var firstBn = FrozenBatchNorm.Layers(net).First();
        Assert.True(firstBn.RunningMean().abs().max().item<float>() > 0.05f, "the training forwards did not move the running mean");

        using var fused = new ResidualNetwork(Small);
        fused.load_state_dict(net.state_dict());
        fused.eval();
        Assert.Equal(Small.Blocks * 2 + 3, BatchNormFusion.FuseAll(fused));
        Assert.All(FrozenBatchNorm.Layers(fused), bn => Assert.True(bn.IsFused));

        using var x = randn(8, 2, 3, 3) * 2 + 1;
        var (p, v) = Eval(net, x);
        var (pf, vf) = Eval(fused, x);
        float dp = (p - pf).abs().max().item<float>(), dv = (v - vf).abs().max().item<float>();
        Assert.True(dp < 1e-4f, $"policy differs by {dp}");
        Assert.True(dv < 1e-4f, $"value differs by {dv}");
    }

    [Fact]
    public void The_torchsharp_baseline_does_not_fuse_and_says_why()
    {
        using var net = new ResidualNetwork(Small, layer: NormalizationLayer.TorchSharp);
        var e = Assert.Throws<InvalidOperationException>(() => net.FusionPairs().ToList());
        Assert.Contains("NormalizationLayer.Library", e.Message);
    }

    [Fact]
    public void The_torchsharp_baseline_refuses_options_it_cannot_express()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualNetwork(
            Small, new BatchNormOptions { Normalization = Normalization.Population }, NormalizationLayer.TorchSharp));
        Assert.Contains("NormalizationLayer.Library", e.Message);
        using var ok = new ResidualNetwork(Small, new BatchNormOptions { Epsilon = 1e-3, Decay = null }, NormalizationLayer.TorchSharp);
    }

    [Fact]
    public void State_dict_keys_and_shapes_are_the_same_for_both_layers()
    {
        using var library = new ResidualNetwork(Small);
        using var baseline = new ResidualNetwork(Small, layer: NormalizationLayer.TorchSharp);
        var a = library.state_dict();
        var b = baseline.state_dict();
        Assert.Equal(b.Keys.Order(StringComparer.Ordinal), a.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, t) in a)
        {
            Assert.Equal(b[key].shape, t.shape);
            Assert.Equal(b[key].dtype, t.dtype);
        }
    }

    [Theory]
    [InlineData(NormalizationLayer.Library, NormalizationLayer.TorchSharp)]
    [InlineData(NormalizationLayer.TorchSharp, NormalizationLayer.Library)]
    public void A_checkpoint_saved_with_one_layer_loads_into_the_other(NormalizationLayer from, NormalizationLayer to)
    {
        random.manual_seed(12);
        using var source = new ResidualNetwork(Small, layer: from);
        RandomizeAffine(source);
        MoveRunningStatistics(source);
        string path = Path.Combine(Path.GetTempPath(), $"selfplaybn-{Guid.NewGuid():N}.dat");
        try
        {
            source.save(path);
            using var target = new ResidualNetwork(Small, layer: to);
            target.load(path);
            using var x = randn(8, 2, 3, 3) * 2 + 1;
            var (p, v) = Eval(source, x);
            var (pt, vt) = Eval(target, x);
            Assert.True(p.allclose(pt, rtol: 0, atol: 1e-6), "policy differs after loading");
            Assert.True(v.allclose(vt, rtol: 0, atol: 1e-6), "value differs after loading");
            foreach (var (key, t) in source.state_dict())
                Assert.True(t.eq(target.state_dict()[key]).all().item<bool>(), $"{key} was not restored exactly");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Both_layers_train_alike_from_the_same_weights()
    {
        random.manual_seed(13);
        using var library = new ResidualNetwork(Small);
        RandomizeAffine(library);
        using var baseline = new ResidualNetwork(Small, layer: NormalizationLayer.TorchSharp);
        baseline.load_state_dict(library.state_dict());
        library.train();
        baseline.train();
        using var x = randn(16, 2, 3, 3) * 2 + 1;
        var (p, v) = library.call(x);
        var (pb, vb) = baseline.call(x);
        Assert.True(p.allclose(pb, rtol: 1e-5, atol: 1e-5), "train-mode policy differs");
        Assert.True(v.allclose(vb, rtol: 1e-5, atol: 1e-5), "train-mode value differs");
        (p.square().sum() + v.sum()).backward();
        (pb.square().sum() + vb.sum()).backward();
        var gradsB = baseline.named_parameters().ToDictionary(n => n.name, n => n.parameter.grad!);
        foreach (var (name, param) in library.named_parameters())
            Assert.True(param.grad!.allclose(gradsB[name], rtol: 1e-4, atol: 1e-5), $"gradient of {name} differs");
        var buffersB = baseline.state_dict();
        foreach (var (key, t) in library.state_dict())
            Assert.True(t.allclose(buffersB[key], rtol: 1e-5, atol: 1e-6), $"{key} differs after a training forward");
    }
}
