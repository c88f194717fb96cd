using SelfPlayBN.BatchNorm;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SelfPlayBN.Networks;

/// <summary>Which normalization layer a <see cref="ResidualNetwork"/> puts after each convolution: BatchNorm (the
/// project's library or TorchSharp's) or one of BatchNorm's alternatives, which do not depend on the batch at all.</summary>
public enum NormalizationLayer
{
    /// <summary>The project's BatchNorm library (<see cref="BatchNormLayer"/>), configured by a
    /// <see cref="BatchNormOptions"/>. The default, and the only one that fuses (<see cref="IFusable"/>).</summary>
    Library,

    /// <summary>TorchSharp's own <c>nn.BatchNorm2d</c>: a baseline for benchmarks and checkpoint-compatibility
    /// tests only. Same state-dict keys and shapes as <see cref="Library"/>, so checkpoints load either way.</summary>
    TorchSharp,

    /// <summary>Group Normalization (Wu &amp; He 2018): each sample's channels in groups (the network's <c>groups</c>; a head
    /// with fewer channels uses as many groups as divide both), normalised by that sample's own statistics, with γ, β per
    /// channel. No running statistics, the same in training and eval mode; nothing to fuse.</summary>
    Group,

    /// <summary>Layer Normalization over each sample's channels and positions (Group Normalization with one group).</summary>
    Layer,

    /// <summary>No normalization: convolutions with biases and a Fixup-style start (each residual block's second convolution
    /// starts at zero, so every block starts as the identity, and its first is scaled by 1/√blocks), so that a deep tower
    /// trains without normalization, as KataGo's fixed-scale blocks do.</summary>
    None,
}

/// <summary>Shape of an AlphaGo Zero-style residual network.</summary>
/// <param name="InputPlanes">Input feature planes.</param>
/// <param name="Height">Board rows.</param>
/// <param name="Width">Board columns.</param>
/// <param name="Actions">Size of the policy output (the game's action space).</param>
/// <param name="Blocks">Residual blocks in the tower.</param>
/// <param name="Filters">Channels of every tower convolution.</param>
/// <param name="PolicyFilters">Channels of the policy head's 1×1 convolution (2 in AlphaGo Zero).</param>
/// <param name="ValueFilters">Channels of the value head's 1×1 convolution (1 in AlphaGo Zero).</param>
/// <param name="ValueHidden">Width of the value head's hidden layer (256 in AlphaGo Zero).</param>
public sealed record ResidualNetworkShape(
    int InputPlanes, int Height, int Width, int Actions,
    int Blocks = 6, int Filters = 64, int PolicyFilters = 2, int ValueFilters = 1, int ValueHidden = 256)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        void Positive(int v, string name) { if (v < 1) throw new ArgumentException($"{name} must be at least 1, got {v}"); }
        Positive(InputPlanes, nameof(InputPlanes));
        Positive(Height, nameof(Height));
        Positive(Width, nameof(Width));
        Positive(Actions, nameof(Actions));
        if (Blocks < 0) throw new ArgumentException($"{nameof(Blocks)} must be at least 0, got {Blocks}");
        Positive(Filters, nameof(Filters));
        Positive(PolicyFilters, nameof(PolicyFilters));
        Positive(ValueFilters, nameof(ValueFilters));
        Positive(ValueHidden, nameof(ValueHidden));
    }
}

/// <summary>
/// AlphaGo Zero's network: a 3×3 input convolution, a tower of residual blocks (conv-BN-ReLU-conv-BN, skip,
/// ReLU), a policy head (1×1 conv, BN, ReLU, linear → logits over actions) and a value head (1×1 conv, BN,
/// ReLU, linear, ReLU, linear, tanh → value in [−1, 1] for the side to move).
/// Input: <c>[batch, InputPlanes, Height, Width]</c>. Output: (policy logits <c>[batch, Actions]</c>, value <c>[batch]</c>).
/// </summary>
/// <remarks>
/// <para>Convolutions feeding a BatchNorm carry no bias (BN's β replaces it). Field names are the checkpoint
/// schema; they and the state-dict keys are the same whichever <see cref="NormalizationLayer"/> builds the
/// network.</para>
/// <para>Every BatchNorm layer is the project's library layer (<see cref="BatchNormLayer"/>) with the one
/// <see cref="BatchNormOptions"/> given, unless <see cref="NormalizationLayer.TorchSharp"/> asks for TorchSharp's
/// own <c>BatchNorm2d</c> (the benchmark baseline). Each BatchNorm directly follows a convolution, so an eval-mode
/// network fuses (<see cref="BatchNormFusion.FuseAll(IFusable)"/>; fusion adds a bias to each fused convolution
/// and so changes the state dict).</para>
/// <para>Not thread-safe: one forward at a time per instance.</para>
/// </remarks>
public sealed class ResidualNetwork : Module<Tensor, (Tensor Policy, Tensor Value)>, IFusable
{
    private readonly Conv2d input_conv;
    private readonly Module<Tensor, Tensor> input_bn;
    private readonly ModuleList<ResidualBlock> tower;
    private readonly Conv2d policy_conv;
    private readonly Module<Tensor, Tensor> policy_bn;
    private readonly Linear policy_fc;
    private readonly Conv2d value_conv;
    private readonly Module<Tensor, Tensor> value_bn;
    private readonly Linear value_fc1;
    private readonly Linear value_fc2;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    /// <param name="shape">Sizes of the input, tower and heads (validated).</param>
    /// <param name="batchNorm">Options of every BatchNorm layer (default: <see cref="BatchNormOptions"/>'s defaults,
    /// PyTorch's <c>BatchNorm2d</c> behaviour). With <see cref="NormalizationLayer.TorchSharp"/> only
    /// <see cref="BatchNormOptions.Epsilon"/>, <see cref="BatchNormOptions.Decay"/> and
    /// <see cref="BatchNormOptions.Affine"/> may differ from the defaults.</param>
    /// <param name="layer">Which BatchNorm implementation to build (default: the library's).</param>
    /// <param name="groups">Groups of <see cref="NormalizationLayer.Group"/> (must divide <see cref="ResidualNetworkShape.Filters"/>).</param>
    public ResidualNetwork(ResidualNetworkShape shape, BatchNormOptions? batchNorm = null, NormalizationLayer layer = NormalizationLayer.Library,
        int groups = 8)
        : base(nameof(ResidualNetwork))
    {
        shape.Validate();
        batchNorm ??= new BatchNormOptions();
        Norms.Check(batchNorm, layer);
        if (layer == NormalizationLayer.Group && (groups < 1 || shape.Filters % groups != 0))
            throw new ArgumentException($"Group Normalization needs a number of groups that divides the {shape.Filters} filters, got {groups}");
        Shape = shape;
        BatchNormOptions = batchNorm;
        NormalizationLayer = layer;
        int f = shape.Filters, cells = shape.Height * shape.Width;
        bool bias = layer == NormalizationLayer.None; // a normalization layer's β replaces the convolution's bias
        input_conv = Conv2d(shape.InputPlanes, f, 3, padding: 1, bias: bias);
        input_bn = Norms.Create(f, batchNorm, layer, groups);
        tower = new ModuleList<ResidualBlock>(Enumerable.Range(0, shape.Blocks).Select(_ => new ResidualBlock(f, batchNorm, layer, groups)).ToArray());
        policy_conv = Conv2d(f, shape.PolicyFilters, 1, bias: bias);
        policy_bn = Norms.Create(shape.PolicyFilters, batchNorm, layer, groups);
        policy_fc = Linear(shape.PolicyFilters * cells, shape.Actions);
        value_conv = Conv2d(f, shape.ValueFilters, 1, bias: bias);
        value_bn = Norms.Create(shape.ValueFilters, batchNorm, layer, groups);
        value_fc1 = Linear(shape.ValueFilters * cells, shape.ValueHidden);
        value_fc2 = Linear(shape.ValueHidden, 1);
        RegisterComponents();
        if (layer == NormalizationLayer.None)
            foreach (var block in tower) block.StartAsIdentity(1.0 / Math.Sqrt(Math.Max(1, shape.Blocks)));
    }

    /// <summary>The shape this network was built with.</summary>
    public ResidualNetworkShape Shape { get; }

    /// <summary>The options every BatchNorm layer was built with (for <see cref="NormalizationLayer.Library"/>; the
    /// layers' own <see cref="BatchNormLayer.Options"/> may be changed afterwards, e.g. by Precise BN).</summary>
    public BatchNormOptions BatchNormOptions { get; }

    /// <summary>Which BatchNorm implementation the network was built with.</summary>
    public NormalizationLayer NormalizationLayer { get; }

    /// <inheritdoc />
    public override (Tensor Policy, Tensor Value) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = functional.relu(input_bn.call(input_conv.call(x)));
        foreach (var block in tower) h = block.call(h);
        var p = functional.relu(policy_bn.call(policy_conv.call(h)));
        var policy = policy_fc.call(p.flatten(1));
        var v = functional.relu(value_bn.call(value_conv.call(h)));
        var value = functional.tanh(value_fc2.call(functional.relu(value_fc1.call(v.flatten(1))))).squeeze(1);
        return (policy.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }

    /// <summary>Every convolution → BatchNorm pair, in forward order: the input convolution, each block's
    /// <c>conv1</c>/<c>bn1</c> and <c>conv2</c>/<c>bn2</c>, then the policy and value heads' 1×1 convolutions; none for a
    /// network without BatchNorm (Group or Layer Normalization depend on each sample, so they cannot be folded).</summary>
    /// <exception cref="InvalidOperationException">The network was built with
    /// <see cref="NormalizationLayer.TorchSharp"/>, whose layers do not fuse.</exception>
    public IEnumerable<(Module Layer, BatchNormLayer Norm)> FusionPairs()
    {
        if (!Norms.IsBatchNorm(NormalizationLayer)) return [];
        Norms.RequireLibrary(NormalizationLayer);
        var pairs = new List<(Module, BatchNormLayer)> { (input_conv, (BatchNormLayer)input_bn) };
        foreach (var block in tower) pairs.AddRange(block.FusionPairs());
        pairs.Add((policy_conv, (BatchNormLayer)policy_bn));
        pairs.Add((value_conv, (BatchNormLayer)value_bn));
        return pairs;
    }
}

/// <summary>One residual block: conv3×3-BN-ReLU-conv3×3-BN, plus the input, then ReLU.</summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>, IFusable
{
    private readonly Conv2d conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Conv2d conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly NormalizationLayer _layer;

    /// <summary>Creates a block with <paramref name="filters"/> channels in and out.</summary>
    /// <param name="filters">Channels in and out.</param>
    /// <param name="batchNorm">Options of both BatchNorm layers (see <see cref="ResidualNetwork"/>'s constructor).</param>
    /// <param name="layer">Which BatchNorm implementation to build.</param>
    /// <param name="groups">Groups of <see cref="NormalizationLayer.Group"/>.</param>
    public ResidualBlock(int filters, BatchNormOptions? batchNorm = null, NormalizationLayer layer = NormalizationLayer.Library, int groups = 8)
        : base(nameof(ResidualBlock))
    {
        batchNorm ??= new BatchNormOptions();
        Norms.Check(batchNorm, layer);
        _layer = layer;
        bool bias = layer == NormalizationLayer.None;
        conv1 = Conv2d(filters, filters, 3, padding: 1, bias: bias);
        bn1 = Norms.Create(filters, batchNorm, layer, groups);
        conv2 = Conv2d(filters, filters, 3, padding: 1, bias: bias);
        bn2 = Norms.Create(filters, batchNorm, layer, groups);
        RegisterComponents();
    }

    /// <summary>Fixup-style start for a tower without normalization: the second convolution at zero (the block starts as the
    /// identity) and the first scaled by <paramref name="scale"/>.</summary>
    internal void StartAsIdentity(double scale)
    {
        using var noGrad = no_grad();
        conv1.weight!.mul_(scale);
        conv2.weight!.zero_();
        conv2.bias?.zero_();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + x).MoveToOuterDisposeScope();
    }

    /// <summary>(<c>conv1</c>, <c>bn1</c>) and (<c>conv2</c>, <c>bn2</c>).</summary>
    /// <exception cref="InvalidOperationException">The block was built with <see cref="NormalizationLayer.TorchSharp"/>.</exception>
    public IEnumerable<(Module Layer, BatchNormLayer Norm)> FusionPairs()
    {
        if (!Norms.IsBatchNorm(_layer)) return [];
        Norms.RequireLibrary(_layer);
        return [(conv1, (BatchNormLayer)bn1), (conv2, (BatchNormLayer)bn2)];
    }
}

/// <summary>Builds the normalization layers of the network.</summary>
internal static class Norms
{
    public static Module<Tensor, Tensor> Create(long features, BatchNormOptions options, NormalizationLayer layer, int groups) => layer switch
    {
        NormalizationLayer.Library => BatchNormLayer.BatchNorm2d(features, options),
        NormalizationLayer.TorchSharp => TorchSharpBatchNorm2d(features, options),
        NormalizationLayer.Group => InitializedGroupNorm(Gcd(groups, features), features, options.Epsilon),
        NormalizationLayer.Layer => InitializedGroupNorm(1, features, options.Epsilon),
        NormalizationLayer.None => Identity(),
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, "unknown normalization layer"),
    };

    /// <summary>Whether <paramref name="layer"/> is a BatchNorm (the library's or TorchSharp's).</summary>
    public static bool IsBatchNorm(NormalizationLayer layer) => layer is NormalizationLayer.Library or NormalizationLayer.TorchSharp;

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>TorchSharp 0.107's <c>nn.GroupNorm</c> allocates γ and β without initialising them (they held leftover
    /// memory, NaN included, when measured here); set them to PyTorch's start, γ = 1 and β = 0.</summary>
    private static GroupNorm InitializedGroupNorm(long groups, long features, double epsilon)
    {
        var norm = GroupNorm(groups, features, eps: epsilon);
        using var noGrad = no_grad();
        norm.weight!.fill_(1);
        norm.bias!.zero_();
        return norm;
    }

    private static BatchNorm2d TorchSharpBatchNorm2d(long features, BatchNormOptions options)
    {
        var bn = BatchNorm2d(features, eps: options.Epsilon, affine: options.Affine);
        // TorchSharp's momentum is the weight of the new batch, 1 − λ; null is a cumulative average in both.
        bn.momentum = 1 - options.Decay;
        return bn;
    }

    /// <summary>Refuses options TorchSharp's layer cannot express, and unknown layers.</summary>
    public static void Check(BatchNormOptions options, NormalizationLayer layer)
    {
        options.Validate();
        if (!Enum.IsDefined(layer)) throw new ArgumentOutOfRangeException(nameof(layer), layer, "unknown normalization layer");
        if (layer != NormalizationLayer.TorchSharp) return;
        var expressible = new BatchNormOptions { Epsilon = options.Epsilon, Decay = options.Decay, Affine = options.Affine };
        if (options != expressible)
            throw new ArgumentException(
                "TorchSharp's BatchNorm2d (the benchmark baseline) takes only Epsilon, Decay and Affine; the other BatchNorm options need NormalizationLayer.Library");
    }

    public static void RequireLibrary(NormalizationLayer layer)
    {
        if (layer != NormalizationLayer.Library)
            throw new InvalidOperationException(
                $"this network was built with {layer}'s BatchNorm2d (the benchmark baseline), which does not fuse; build it with NormalizationLayer.Library to fuse");
    }
}
