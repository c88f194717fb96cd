using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks.Tests;

[Collection(TorchCollection.Name)]
public sealed class ResidualNetworkTests(TorchFixture torchFixture)
{
    private static readonly ResidualNetworkShape Small = new(InputPlanes: 2, Height: 3, Width: 3, Actions: 9, Blocks: 2, Filters: 8, ValueHidden: 16);

    [Fact]
    public void Outputs_have_the_declared_shapes_and_the_value_is_bounded()
    {
        Assert.NotNull(torchFixture.Info);
        random.manual_seed(1);
        using var net = new ResidualNetwork(Small);
        net.eval();
        using var x = randn(5, 2, 3, 3) * 10;
        using var _ = no_grad();
        var (p, v) = net.call(x);
        Assert.Equal(new long[] { 5, 9 }, p.shape);
        Assert.Equal(new long[] { 5 }, v.shape);
        Assert.All(v.data<float>().ToArray(), value => Assert.InRange(value, -1f, 1f));
    }

    [Fact]
    public void Training_steps_reduce_the_loss_on_a_fixed_batch()
    {
        random.manual_seed(2);
        using var net = new ResidualNetwork(Small);
        net.train();
        using var x = randn(16, 2, 3, 3);
        using var targetPolicy = randint(0, 9, 16).to(ScalarType.Int64);
        using var targetValue = rand(16) * 2 - 1;
        using var optimizer = optim.SGD(net.parameters(), 0.05, momentum: 0.9);
        float Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (p, v) = net.call(x);
            var loss = nn.functional.cross_entropy(p, targetPolicy) + nn.functional.mse_loss(v, targetValue);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }
        float first = Step();
        float last = first;
        for (int i = 0; i < 30; i++) last = Step();
        Assert.True(last < 0.5f * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Eval_mode_output_does_not_depend_on_the_rest_of_the_batch_but_train_mode_does()
    {
        random.manual_seed(3);
        using var net = new ResidualNetwork(Small);
        using var a = randn(4, 2, 3, 3);
        using var b = cat([a[..1], randn(3, 2, 3, 3)], 0);
        using var _ = no_grad();
        net.eval();
        var (pa, _) = net.call(a);
        var (pb, _) = net.call(b);
        Assert.True(pa[0].allclose(pb[0], rtol: 1e-5, atol: 1e-6));
        net.train();
        var (ta, _) = net.call(a);
        var (tb, _) = net.call(b);
        Assert.False(ta[0].allclose(tb[0], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void State_dict_names_are_the_checkpoint_schema()
    {
        using var net = new ResidualNetwork(Small);
        var names = net.state_dict().Keys.ToHashSet();
        Assert.Contains("input_conv.weight", names);
        Assert.Contains("tower.1.bn2.running_var", names);
        Assert.Contains("policy_fc.weight", names);
        Assert.Contains("value_fc2.bias", names);
        Assert.DoesNotContain("input_conv.bias", names); // conv before BN has no bias
    }

    [Fact]
    public void Invalid_shapes_are_refused_with_the_field_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualNetwork(Small with { Filters = 0 }));
        Assert.Contains("Filters", e.Message);
    }

    [CudaFact]
    public void The_network_gives_the_same_outputs_on_cuda_as_on_the_cpu()
    {
        random.manual_seed(4);
        using var net = new ResidualNetwork(Small);
        net.eval();
        using var x = randn(8, 2, 3, 3);
        using var _ = no_grad();
        var (p, v) = net.call(x);
        net.to(CUDA);
        var (pc, vc) = net.call(x.to(CUDA));
        // cuDNN may run convolutions in TF32 (10-bit mantissa) on recent GPUs, hence 1e-3 rather than 1e-5.
        Assert.True(p.allclose(pc.cpu(), rtol: 1e-3, atol: 1e-3), "policy differs between CPU and CUDA");
        Assert.True(v.allclose(vc.cpu(), rtol: 1e-3, atol: 1e-3), "value differs between CPU and CUDA");
    }
}
