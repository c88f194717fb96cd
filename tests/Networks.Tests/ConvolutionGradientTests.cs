using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks.Tests;

/// <summary>
/// libtorch's CPU convolutions against float64, forward and both gradients, on the small shapes our networks use, and
/// repeated on one input. On an AMD processor with AVX-512, oneDNN's vector kernels gave wrong input gradients (AVX-512)
/// and intermittent NaN outputs (AVX2) for some of these shapes until <c>TorchBootstrap</c> capped oneDNN at SSE4.1 there;
/// these tests are what caught it.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ConvolutionGradientTests
{
    [Theory]
    [InlineData(16, 2, 3, 8)]
    [InlineData(16, 8, 3, 8)]
    [InlineData(4, 2, 3, 8)]
    [InlineData(16, 2, 7, 8)]
    [InlineData(16, 2, 6, 32)]
    [InlineData(64, 32, 6, 32)]
    public void Float32_convolution_gradients_match_float64(int batch, int channels, int side, int filters)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var x = randn(batch, channels, side, side);
        var w = randn(filters, channels, 3, 3) * 0.3;
        var g = randn(batch, filters, side, side);
        var x32 = x.clone().requires_grad_(true);
        var w32 = w.clone().requires_grad_(true);
        var y32 = nn.functional.conv2d(x32, w32, padding: [1, 1]);
        (y32 * g).sum().backward();
        var x64 = x.to(ScalarType.Float64).requires_grad_(true);
        var w64 = w.to(ScalarType.Float64).requires_grad_(true);
        var y64 = nn.functional.conv2d(x64, w64, padding: [1, 1]);
        (y64 * g.to(ScalarType.Float64)).sum().backward();
        double Gap(Tensor a, Tensor b) => (a.detach().to(ScalarType.Float64) - b.detach()).abs().max().item<double>();
        Assert.True(Gap(y32, y64) < 1e-4, $"output differs by {Gap(y32, y64):E2}");
        Assert.True(Gap(w32.grad!, w64.grad!) < 1e-3, $"weight gradient differs by {Gap(w32.grad!, w64.grad!):E2}");
        Assert.True(Gap(x32.grad!, x64.grad!) < 1e-4, $"input gradient differs by {Gap(x32.grad!, x64.grad!):E2}");
    }

    [Theory]
    [InlineData(18, 16, 6)] // Leela Zero's 18 input planes: NaNs in most calls with AVX2 kernels on that processor
    [InlineData(18, 8, 6)]
    [InlineData(2, 32, 64)] // Connect Four's input convolution
    public void A_convolution_repeated_on_one_input_gives_the_same_finite_output(int channels, int filters, int batch)
    {
        random.manual_seed(12);
        using var x = (rand(batch, channels, 19, 19) < 0.2).to(ScalarType.Float32);
        using var conv = nn.Conv2d(channels, filters, 3, padding: 1, bias: false);
        using var _ = no_grad();
        using var first = conv.call(x);
        Assert.False(first.isnan().any().item<bool>(), "the first output has NaNs");
        for (int i = 0; i < 400; i++)
        {
            using var scope = NewDisposeScope();
            var y = conv.call(x);
            Assert.False(y.isnan().any().item<bool>(), $"call {i + 2} returned NaNs");
            Assert.True((y - first).abs().max().item<float>() < 1e-5f, $"call {i + 2} differs from the first");
        }
    }
}
