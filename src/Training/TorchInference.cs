using SelfPlayBN.Games;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>
/// A <see cref="HostBatch"/> in libtorch CPU tensors, so that a model reads the observations and writes its answers
/// without any managed copy: on the CPU the network runs on the input tensor itself; on CUDA both tensors are in pinned
/// (page-locked) memory, so the one host→device and the one device→host copy per batch are direct transfers.
/// </summary>
public sealed unsafe class TensorHostBatch : HostBatch
{
    private readonly float* _input, _output;

    /// <summary>Allocates the two tensors (pinned when <paramref name="pinned"/>; that needs a CUDA build of libtorch).</summary>
    /// <param name="capacity">Rows at most.</param>
    /// <param name="shape">The game's observation shape (a row is one observation).</param>
    /// <param name="actions">The game's action count.</param>
    /// <param name="pinned">Page-locked memory, for fast transfers to a CUDA device.</param>
    public TensorHostBatch(int capacity, ObservationShape shape, int actions, bool pinned) : base(capacity, shape.Size, actions)
    {
        InputTensor = Allocate([capacity, shape.Planes, shape.Height, shape.Width], pinned);
        OutputTensor = Allocate([(long)capacity * (actions + 1)], pinned);
        _input = Address(InputTensor);
        _output = Address(OutputTensor);
    }

    /// <summary>The observations as a <c>[Capacity, planes, height, width]</c> float tensor sharing <see cref="HostBatch.Input"/>'s memory.</summary>
    public Tensor InputTensor { get; }

    /// <summary>The answers as a flat float tensor sharing <see cref="HostBatch.Output"/>'s memory.</summary>
    public Tensor OutputTensor { get; }

    /// <inheritdoc />
    public override Span<float> Input => new(_input, Capacity * ObservationSize);

    /// <inheritdoc />
    public override Span<float> Output => new(_output, Capacity * (Actions + 1));

    /// <summary>An allocator of buffers for a service whose models run on <paramref name="device"/>.</summary>
    public static Func<int, HostBatch> For(IGame game, Device device) =>
        capacity => new TensorHostBatch(capacity, game.ObservationShape, game.NumActions, pinned: device.type == DeviceType.CUDA);

    private static Tensor Allocate(long[] shape, bool pinned)
    {
        var t = zeros(shape, ScalarType.Float32);
        if (!pinned) return t;
        using (t) return t.pin_memory();
    }

    private static float* Address(Tensor t)
    {
        if (!t.is_contiguous() || t.storage_offset() != 0) throw new InvalidOperationException("a host batch tensor must be contiguous from its storage's start");
        return (float*)t.storage<float>().data_ptr();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        InputTensor.Dispose();
        OutputTensor.Dispose();
    }
}

/// <summary>
/// A policy-value network served by <see cref="InferenceService"/>: the published weights with BatchNorm folded into
/// the convolutions, in eval mode, in the chosen precision and memory layout, on one device. One batch is one
/// host→device copy of the observations (none on the CPU), one forward under inference mode, and one device→host copy of
/// the answers (softmax priors and values, computed in float32 on the device and concatenated first).
/// </summary>
/// <remarks>Used by one runner thread at a time (the service gives each runner its own replica).</remarks>
public sealed class TorchBatchModel : IBatchModel
{
    private readonly nn.Module<Tensor, (Tensor Policy, Tensor Value)> _network;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly bool _channelsLast;
    private readonly ObservationShape _shape;
    private readonly int _actions;

    /// <summary>Serves <paramref name="network"/> (already on <paramref name="device"/>, in eval mode and fused; the model
    /// owns it from now on), cast to <paramref name="precision"/> and, with <paramref name="channelsLast"/>, with its
    /// convolution weights in the channels-last layout.</summary>
    public TorchBatchModel(IGame game, nn.Module<Tensor, (Tensor Policy, Tensor Value)> network, Device device, InferencePrecision precision,
        bool channelsLast) : this(game.ObservationShape, game.NumActions, network, device, precision, channelsLast)
    {
    }

    /// <summary>Serves <paramref name="network"/> for inputs of <paramref name="shape"/> and <paramref name="actions"/>
    /// actions (see the other constructor).</summary>
    public TorchBatchModel(ObservationShape shape, int actions, nn.Module<Tensor, (Tensor Policy, Tensor Value)> network, Device device,
        InferencePrecision precision, bool channelsLast)
    {
        _network = network;
        _device = device;
        _dtype = DType(precision);
        _channelsLast = channelsLast;
        _shape = shape;
        _actions = actions;
        using (no_grad())
        {
            if (_dtype != ScalarType.Float32) network.to(_dtype);
            if (channelsLast)
                foreach (var p in network.parameters())
                    if (p.dim() == 4) p.set_(ToChannelsLast(p));
        }
        Precision = precision;
    }

    /// <summary>The precision the network computes in.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>The libtorch type of a precision.</summary>
    public static ScalarType DType(InferencePrecision precision) => precision switch
    {
        InferencePrecision.Fp32 => ScalarType.Float32,
        InferencePrecision.Bf16 => ScalarType.BFloat16,
        InferencePrecision.Fp16 => ScalarType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>The same values with NHWC strides (what libtorch calls the channels-last memory format).</summary>
    private static Tensor ToChannelsLast(Tensor nchw) => nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <inheritdoc />
    public void Run(HostBatch batch, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (count < 1 || count > batch.Capacity) throw new ArgumentOutOfRangeException(nameof(count), count, $"must be in [1, {batch.Capacity}]");
        if (batch.ObservationSize != _shape.Size || batch.Actions != _actions)
            throw new ArgumentException($"the batch holds {batch.ObservationSize}-float observations and {batch.Actions} actions; this model takes {_shape.Size} and {_actions}", nameof(batch));
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var tensors = batch as TensorHostBatch;
        Tensor x = tensors is not null
            ? tensors.InputTensor.narrow(0, 0, count)
            : tensor(batch.Input[..(count * _shape.Size)].ToArray(), [count, _shape.Planes, _shape.Height, _shape.Width]);
        if (_device.type != DeviceType.CPU) x = x.to(_device, non_blocking: true);
        if (_dtype != ScalarType.Float32) x = x.to(_dtype);
        if (_channelsLast) x = ToChannelsLast(x);
        var (policy, value) = _network.call(x);
        var answers = cat([nn.functional.softmax(policy.to(ScalarType.Float32), 1).flatten(), value.to(ScalarType.Float32).flatten()]);
        int size = count * (_actions + 1);
        if (tensors is not null)
        {
            tensors.OutputTensor.narrow(0, 0, size).copy_(answers); // synchronous: the answers are in host memory on return
        }
        else
        {
            using var host = answers.cpu();
            host.data<float>().CopyTo(batch.Output[..size]);
        }
    }

    /// <summary>Frees the network.</summary>
    public void Dispose() => _network.Dispose();
}
