using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Tensor comparisons with the largest difference in the failure message.</summary>
internal static class TensorAssert
{
    /// <summary>|a − b| ≤ tolerance element-wise (absolute), same shape.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance, string what = "tensor")
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", expected.shape)}] expected, got [{string.Join(", ", actual.shape)}]");
        using var e = expected.detach().to(ScalarType.Float64).cpu();
        using var a = actual.detach().to(ScalarType.Float64).cpu();
        double max = e.numel() == 0 ? 0 : (e - a).abs().max().item<double>();
        Assert.True(max <= tolerance, $"{what}: max |difference| {max:E3} > tolerance {tolerance:E1}");
    }

    /// <summary>Same shape, dtype and bits.</summary>
    public static void BitEqual(Tensor expected, Tensor actual, string what = "tensor")
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shapes differ");
        Assert.True(expected.cpu().eq(actual.cpu()).all().item<bool>(), $"{what}: not bit-identical");
    }
}
