using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>
/// Frozen BN for whole models: every <see cref="BatchNormLayer"/> layer becomes the constant per-channel affine
/// y = x·s + b with s = γ/sqrt(var+ε), b = β − μ·s, computed from its running statistics at each forward
/// (never written back), so nothing updates in any mode and γ, β take no gradient. Conversion is in place and
/// reversible; both directions are idempotent.
/// </summary>
public static class FrozenBatchNorm
{
    /// <summary>Freezes every BatchNorm layer of <paramref name="model"/> (the model itself included); returns how many.</summary>
    public static int Freeze(nn.Module model) => Layers(model).Count(bn => { bn.Freeze(); return true; });

    /// <summary>Unfreezes every BatchNorm layer of <paramref name="model"/>; returns how many.</summary>
    public static int Unfreeze(nn.Module model) => Layers(model).Count(bn => { bn.Unfreeze(); return true; });

    /// <summary>Every <see cref="BatchNormLayer"/> layer of <paramref name="model"/> with its qualified name, in registration order.</summary>
    public static IEnumerable<(string Name, BatchNormLayer Layer)> NamedLayers(nn.Module model)
    {
        if (model is BatchNormLayer self) yield return ("", self);
        foreach (var (name, m) in model.named_modules())
            if (m is BatchNormLayer bn && !ReferenceEquals(bn, model)) yield return (name, bn);
    }

    /// <summary>Every <see cref="BatchNormLayer"/> layer of <paramref name="model"/>, in registration order.</summary>
    public static IEnumerable<BatchNormLayer> Layers(nn.Module model) => NamedLayers(model).Select(p => p.Layer);
}
