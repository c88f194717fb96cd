using SelfPlayBN.BatchNorm;
using SelfPlayBN.Networks;
using static TorchSharp.torch;

namespace SelfPlayBN.Tests;

// Linked into the test projects that compare Leela Zero weights (Networks.Tests, Go.Tests).

/// <summary>Random networks of Leela Zero's architecture for weight-format tests.</summary>
internal static class RandomLeelaZeroNetwork
{
    /// <summary>
    /// A network of <paramref name="blocks"/> × <paramref name="filters"/> in eval mode whose BatchNorm layers have
    /// non-trivial γ (some negative), β, means and variances, so that folding them is really tested;
    /// <paramref name="headScale"/> scales both heads' linear layers (below 1 spreads the policy out).
    /// </summary>
    public static ResidualNetwork Create(int seed, int blocks, int filters, double epsilon = 1e-5, double headScale = 1)
    {
        random.manual_seed(seed);
        var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(blocks, filters), new BatchNormOptions { Epsilon = epsilon });
        using var _ = no_grad();
        foreach (var (name, t) in net.state_dict())
        {
            if (name.EndsWith(".running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape) * 2 + 0.1);
            else if (name.EndsWith(".running_mean", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.3);
            else if (name.Contains("bn") && name.EndsWith(".weight", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.5 + 1);
            else if (name.Contains("bn") && name.EndsWith(".bias", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.2);
            else if (headScale != 1 && (name.StartsWith("policy_fc", StringComparison.Ordinal) || name.StartsWith("value_fc", StringComparison.Ordinal))) t.mul_(headScale);
        }
        net.eval();
        return net;
    }
}
