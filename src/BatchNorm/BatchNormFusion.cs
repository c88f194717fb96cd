using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>
/// Folds a BatchNorm layer into the convolution or linear layer that precedes it, for inference:
/// s = γ/sqrt(var+ε), W' = W·s per output channel, b' = (b − μ)·s + β (b = 0 for a layer without bias; the
/// layer gains one). The BN layer then becomes the identity (<see cref="BatchNormLayer.IsFused"/>).
/// </summary>
/// <remarks>
/// <para>Only valid with population statistics: a BN layer that normalises with batch statistics in its current
/// mode and options (training mode, Batch Renorm, Virtual BN, an explicit <see cref="Normalization.Batch"/>) is
/// refused. A frozen layer fuses (it is already a constant affine). Fusion uses the active domain's running
/// statistics.</para>
/// <para>A fused model trains differently: a step on W moves W' = s·W by s²·η·∂L/∂W', i.e. each channel's learning
/// rate is rescaled by s². Fine-tune the unfused model; a fused BN layer throws if it runs in training mode with
/// gradients unless <see cref="BatchNormLayer.AllowFusedTraining"/> is set.</para>
/// </remarks>
public static class BatchNormFusion
{
    /// <summary>Folds <paramref name="bn"/> into <paramref name="layer"/> (a <c>Conv1d</c>, <c>Conv2d</c>, <c>Conv3d</c> or
    /// <c>Linear</c> whose output feeds <paramref name="bn"/> directly).</summary>
    public static void Fuse(nn.Module layer, BatchNormLayer bn)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(bn);
        if (bn.IsFused) throw new InvalidOperationException("this BatchNorm layer is already fused");
        if (!bn.IsFrozen)
        {
            if (bn.Options.BatchStatistics == BatchStatistics.Virtual)
                throw new InvalidOperationException("cannot fuse Virtual BN: it normalises with per-example virtual batch statistics");
            if (bn.EffectiveNormalization != Normalization.Population)
                throw new InvalidOperationException(
                    $"cannot fuse a BatchNorm layer that normalises with {bn.EffectiveNormalization} statistics (fusion needs population statistics: call eval() first)");
        }
        var (weight, bias) = layer switch
        {
            Convolution conv => (conv.weight!, conv.bias),
            Linear linear => (linear.weight!, linear.bias),
            _ => throw new ArgumentException($"cannot fuse BatchNorm into a {layer.GetType().Name}: only convolutions and Linear"),
        };
        long outChannels = weight.shape[0];
        if (layer is ConvTranspose1d or ConvTranspose2d or ConvTranspose3d)
            throw new ArgumentException("cannot fuse BatchNorm into a transposed convolution (its output channels are dimension 1 of the weight)");
        if (outChannels != bn.NumFeatures)
            throw new ArgumentException($"the layer has {outChannels} output channels but the BatchNorm layer has {bn.NumFeatures}");

        using (no_grad())
        {
            var (scale, shift) = bn.ConstantAffine();
            var viewShape = new long[weight.dim()];
            Array.Fill(viewShape, 1L);
            viewShape[0] = outChannels;
            weight.mul_(scale.to(weight.dtype).reshape(viewShape));
            var newBias = shift.to(weight.dtype);
            if (bias is not null) newBias = bias * scale.to(bias.dtype) + newBias;
            var fused = new Parameter(newBias.clone(), weight.requires_grad);
            switch (layer)
            {
                case Convolution conv: conv.bias = fused; break;
                case Linear linear: linear.bias = fused; break;
            }
        }
        bn.MarkFused();
    }

    /// <summary>Fuses each (layer, BatchNorm) pair; see <see cref="IFusable"/> for models that list their own pairs.</summary>
    public static int FuseAll(IEnumerable<(nn.Module Layer, BatchNormLayer Norm)> pairs)
    {
        int count = 0;
        foreach (var (layer, bn) in pairs) { Fuse(layer, bn); count++; }
        return count;
    }

    /// <summary>Fuses every pair a model lists.</summary>
    public static int FuseAll(IFusable model) => FuseAll(model.FusionPairs());
}

/// <summary>A model that knows which BatchNorm layer directly follows which convolution or linear layer.</summary>
public interface IFusable
{
    /// <summary>Each BatchNorm layer with the convolution or linear layer whose output it normalises directly.</summary>
    IEnumerable<(nn.Module Layer, BatchNormLayer Norm)> FusionPairs();
}
