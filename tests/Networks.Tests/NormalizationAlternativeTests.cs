using SelfPlayBN.BatchNorm;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks.Tests;

/// <summary>
/// BatchNorm's alternatives in the residual network: Group and Layer Normalization do not depend on the batch (a
/// sample's output, in training mode, is the same alone or among others), nothing of theirs fuses, no running
/// statistics exist; without normalization a deep tower starts as the identity per block and trains without diverging.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class NormalizationAlternativeTests
{
    private static readonly ResidualNetworkShape Shape = new(InputPlanes: 2, Height: 4, Width: 4, Actions: 16, Blocks: 2, Filters: 8, ValueHidden: 16);

    [Theory]
    [InlineData(NormalizationLayer.Group)]
    [InlineData(NormalizationLayer.Layer)]
    [InlineData(NormalizationLayer.None)]
    public void A_samples_output_does_not_depend_on_the_rest_of_the_batch_even_in_training_mode(NormalizationLayer layer)
    {
        manual_seed(1211);
        using var net = new ResidualNetwork(Shape, layer: layer, groups: 4);
        net.train();
        var batch = randn(8, 2, 4, 4) * 2 + 1;
        var (p, v) = net.call(batch);
        var (p1, v1) = net.call(batch.narrow(0, 3, 1));
        Assert.True((p.narrow(0, 3, 1) - p1).abs().max().item<float>() < 1e-5f, "policy of sample 3 changed with the batch");
        Assert.True((v.narrow(0, 3, 1) - v1).abs().max().item<float>() < 1e-5f, "value of sample 3 changed with the batch");
        Assert.Empty(FrozenBatchNorm.Layers(net)); // no BatchNorm, no running statistics
        Assert.Equal(0, BatchNormFusion.FuseAll(net));
        Assert.DoesNotContain(net.state_dict().Keys, k => k.Contains("running", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(NormalizationLayer.Group)]
    [InlineData(NormalizationLayer.Layer)]
    public void A_fresh_group_or_layer_norm_starts_with_unit_scale_and_zero_shift(NormalizationLayer layer)
    {
        // TorchSharp 0.107 leaves GroupNorm's γ and β uninitialised; the network must not inherit leftover memory.
        using var net = new ResidualNetwork(Shape, layer: layer, groups: 4);
        var norms = net.named_parameters().Where(p => p.name.Contains("bn", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(norms);
        foreach (var (name, parameter) in norms)
        {
            float expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.True(parameter.eq(expected).all().item<bool>(), $"{name} does not start at {expected}");
        }
    }

    [Fact]
    public void With_batchnorm_the_same_check_does_depend_on_the_batch()
    {
        manual_seed(1212);
        using var net = new ResidualNetwork(Shape);
        net.train();
        var batch = randn(8, 2, 4, 4) * 2 + 1;
        var (p, _) = net.call(batch);
        var (p1, _) = net.call(batch.narrow(0, 3, 2));
        Assert.True((p.narrow(0, 3, 1) - p1.narrow(0, 0, 1)).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void Group_normalization_needs_groups_that_divide_the_filters()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualNetwork(Shape, layer: NormalizationLayer.Group, groups: 3));
        Assert.Contains("divides the 8 filters", e.Message);
        // 8 groups for the tower; the heads' 2 and 1 channels take as many groups as divide both (2 and 1).
        using var heads = new ResidualNetwork(Shape, layer: NormalizationLayer.Group, groups: 8);
        var (policy, value) = heads.call(randn(2, 2, 4, 4));
        Assert.Equal(new long[] { 2, 16 }, policy.shape);
        Assert.True(policy.isfinite().all().item<bool>() && value.isfinite().all().item<bool>());
    }

    [Fact]
    public void Without_normalization_every_block_starts_as_the_identity_and_a_deep_tower_trains()
    {
        manual_seed(1213);
        var deep = Shape with { Blocks = 10, Filters = 16 };
        using var net = new ResidualNetwork(deep, layer: NormalizationLayer.None);
        var block = (nn.Module<Tensor, Tensor>)net.named_modules().First(m => m.name == "tower.3").module;
        var h = nn.functional.relu(randn(4, 16, 4, 4));
        Assert.True((block.call(h) - h).abs().max().item<float>() == 0f, "a fresh block is not the identity");

        // A small fixed task: 64 random positions, random policy targets and values; 150 SGD steps must cut the loss
        // without a NaN or a blow-up.
        var x = randn(64, 2, 4, 4);
        var targetPolicy = randint(0, 16, 64).to(ScalarType.Int64);
        var targetValue = rand(64) * 2 - 1;
        using var optimizer = optim.SGD(net.parameters(), 0.02, momentum: 0.9);
        net.train();
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (p, v) = net.call(x);
            var loss = nn.functional.cross_entropy(p, targetPolicy) + nn.functional.mse_loss(v, targetValue);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0) first = last;
            Assert.True(float.IsFinite(last) && last < 10 * first, $"step {step}: loss {last} (first {first})");
        }
        Assert.True(last < 0.7f * first, $"the loss went from {first} to {last}");
    }
}
