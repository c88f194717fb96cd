using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SelfPlayBN.Networks;

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
/// Convolutions feeding a BatchNorm carry no bias (BN's β replaces it). Field names are the checkpoint schema.
/// BatchNorm is TorchSharp's own for now; the project's BatchNorm library replaces it.
/// Not thread-safe: one forward at a time per instance.
/// </remarks>
public sealed class ResidualNetwork : Module<Tensor, (Tensor Policy, Tensor Value)>
{
    private readonly Conv2d input_conv;
    private readonly BatchNorm2d input_bn;
    private readonly ModuleList<ResidualBlock> tower;
    private readonly Conv2d policy_conv;
    private readonly BatchNorm2d policy_bn;
    private readonly Linear policy_fc;
    private readonly Conv2d value_conv;
    private readonly BatchNorm2d value_bn;
    private readonly Linear value_fc1;
    private readonly Linear value_fc2;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public ResidualNetwork(ResidualNetworkShape shape) : base(nameof(ResidualNetwork))
    {
        shape.Validate();
        Shape = shape;
        int f = shape.Filters, cells = shape.Height * shape.Width;
        input_conv = Conv2d(shape.InputPlanes, f, 3, padding: 1, bias: false);
        input_bn = BatchNorm2d(f);
        tower = new ModuleList<ResidualBlock>(Enumerable.Range(0, shape.Blocks).Select(_ => new ResidualBlock(f)).ToArray());
        policy_conv = Conv2d(f, shape.PolicyFilters, 1, bias: false);
        policy_bn = BatchNorm2d(shape.PolicyFilters);
        policy_fc = Linear(shape.PolicyFilters * cells, shape.Actions);
        value_conv = Conv2d(f, shape.ValueFilters, 1, bias: false);
        value_bn = BatchNorm2d(shape.ValueFilters);
        value_fc1 = Linear(shape.ValueFilters * cells, shape.ValueHidden);
        value_fc2 = Linear(shape.ValueHidden, 1);
        RegisterComponents();
    }

    /// <summary>The shape this network was built with.</summary>
    public ResidualNetworkShape Shape { get; }

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
}

/// <summary>One residual block: conv3×3-BN-ReLU-conv3×3-BN, plus the input, then ReLU.</summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    /// <summary>Creates a block with <paramref name="filters"/> channels in and out.</summary>
    public ResidualBlock(int filters) : base(nameof(ResidualBlock))
    {
        conv1 = Conv2d(filters, filters, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(filters);
        conv2 = Conv2d(filters, filters, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(filters);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + x).MoveToOuterDisposeScope();
    }
}
