using SelfPlayBN.Games;
using SelfPlayBN.Search;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>
/// An <see cref="IOracle"/> backed by a policy-value network: writes the observations of a batch of states into
/// one input tensor, runs the network once under <c>no_grad</c>, and returns softmax priors over the action space
/// and values for the player to move. The network is put in eval mode by the caller (the inference service
/// publishes it frozen and fused).
/// </summary>
/// <remarks>Thread-safe: calls are serialised by a lock (one forward at a time per network). The oracle owns its network:
/// <see cref="Dispose"/> frees it at once (on CUDA, rather than whenever the garbage collector gets to it).</remarks>
public sealed class NetworkOracle : IOracle, IDisposable
{
    private readonly nn.Module<Tensor, (Tensor Policy, Tensor Value)> _network;
    private readonly Device _device;
    private readonly object _gate = new();
    private float[] _input = [];

    /// <summary>Wraps <paramref name="network"/>, which lives on <paramref name="device"/>.</summary>
    public NetworkOracle(IGame game, nn.Module<Tensor, (Tensor Policy, Tensor Value)> network, Device device)
    {
        Game = game;
        _network = network;
        _device = device;
    }

    /// <summary>The game whose states this oracle evaluates.</summary>
    public IGame Game { get; }

    /// <summary>Positions evaluated so far.</summary>
    public long Positions { get; private set; }

    /// <summary>Frees the network.</summary>
    public void Dispose()
    {
        lock (_gate) _network.Dispose();
    }

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        int n = states.Length, actions = Game.NumActions;
        var shape = Game.ObservationShape;
        if (n == 0) return;
        lock (_gate)
        {
            if (_input.Length < n * shape.Size) _input = new float[n * shape.Size];
            for (int i = 0; i < n; i++) states[i].WriteObservation(_input.AsSpan(i * shape.Size, shape.Size));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(_input.AsSpan(0, n * shape.Size).ToArray(), [n, shape.Planes, shape.Height, shape.Width]).to(_device);
            var (policy, value) = _network.call(x);
            var p = nn.functional.softmax(policy.to(ScalarType.Float32), 1).cpu();
            var v = value.to(ScalarType.Float32).cpu();
            p.data<float>().CopyTo(priors[..(n * actions)]);
            v.data<float>().CopyTo(values[..n]);
            Positions += n;
        }
    }
}
