using System.Security.Cryptography;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>Builds the run's network and moves its weights in and out of byte arrays (TorchSharp state dicts).</summary>
public static class Models
{
    /// <summary>The residual network of <paramref name="options"/> for <paramref name="game"/>, with the library's
    /// BatchNorm using EMA decay <paramref name="decay"/> (or the normalization <c>network.normalization</c> names), on
    /// <paramref name="device"/>.</summary>
    public static ResidualNetwork Create(IGame game, NetworkOptions options, double decay, Device device)
    {
        var shape = game.ObservationShape;
        var layer = options.Normalization switch
        {
            NetworkNormalization.Batch => NormalizationLayer.Library,
            NetworkNormalization.Group => NormalizationLayer.Group,
            NetworkNormalization.Layer => NormalizationLayer.Layer,
            NetworkNormalization.None => NormalizationLayer.None,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Normalization, "unknown network.normalization"),
        };
        var net = new ResidualNetwork(
            new ResidualNetworkShape(shape.Planes, shape.Height, shape.Width, game.NumActions, options.Blocks, options.Filters, ValueHidden: options.ValueHidden),
            new BatchNormOptions { Decay = decay }, layer, options.Groups);
        net.to(device);
        return net;
    }

    /// <summary>
    /// The network of <paramref name="options"/> with <paramref name="weights"/>, ready to serve: eval mode, every
    /// BatchNorm folded into its convolution (<paramref name="fusedLayers"/> says how many), wrapped as an oracle.
    /// </summary>
    /// <exception cref="InvalidDataException">The weights do not fit this network.</exception>
    public static NetworkOracle InferenceOracle(IGame game, NetworkOptions options, byte[] weights, Device device, out int fusedLayers)
    {
        var net = Create(game, options, decay: 0.9, device); // the decay is never used: nothing trains this copy
        Load(net, weights);
        net.eval();
        fusedLayers = BatchNormFusion.FuseAll(net);
        return new NetworkOracle(game, net, device);
    }

    /// <summary>
    /// The published model as the inference service serves it: one replica per runner of <paramref name="setup"/>, each the
    /// network of <paramref name="options"/> with <paramref name="weights"/> in eval mode with every BatchNorm folded into its
    /// convolution (<paramref name="fusedLayers"/> per replica), in the setup's precision and layout. Each replica is tried on
    /// one position first, so a precision the device cannot run is refused here with its reason.
    /// </summary>
    /// <exception cref="InvalidDataException">The weights do not fit this network, or the precision does not run on the device.</exception>
    public static IBatchModel[] BatchModels(IGame game, NetworkOptions options, byte[] weights, Device device, SelfPlaySetup setup, out int fusedLayers)
    {
        var replicas = new List<IBatchModel>();
        fusedLayers = 0;
        try
        {
            using var probe = new ManagedHostBatch(1, game.ObservationShape.Size, game.NumActions);
            for (int r = 0; r < setup.Runners; r++)
            {
                var net = Create(game, options, decay: 0.9, device); // the decay is never used: nothing trains this copy
                Load(net, weights);
                net.eval();
                fusedLayers = BatchNormFusion.FuseAll(net);
                var model = new TorchBatchModel(game, net, device, setup.Precision, setup.ChannelsLast);
                replicas.Add(model);
                try { model.Run(probe, 1); }
                catch (Exception e) when (e is not InvalidDataException)
                {
                    throw new InvalidDataException($"inference.precision {setup.Precision.ToString().ToLowerInvariant()}" +
                                                   $"{(setup.ChannelsLast ? " with channelsLast" : "")} does not run on {device.type}: {e.Message}", e);
                }
            }
            return [.. replicas];
        }
        catch
        {
            foreach (var m in replicas) m.Dispose();
            throw;
        }
    }

    /// <summary>The inference service of a self-play run: <see cref="BatchModels"/> of <paramref name="weights"/> (published as
    /// <paramref name="version"/>), host buffers for <paramref name="device"/> (pinned on CUDA), the setup's batch, runners and buffers.</summary>
    public static InferenceService InferenceService(IGame game, NetworkOptions options, byte[] weights, long version, Device device, SelfPlaySetup setup) =>
        new(game.ObservationShape.Size, game.NumActions, version, BatchModels(game, options, weights, device, setup, out _), setup.Service,
            TensorHostBatch.For(game, device));

    /// <summary>The state dict of <paramref name="module"/> (parameters and buffers) as bytes.</summary>
    public static byte[] Save(nn.Module module)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) module.save(writer);
        return stream.ToArray();
    }

    /// <summary>Loads what <see cref="Save"/> wrote into <paramref name="module"/> (same architecture).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a state dict of this architecture.</exception>
    public static void Load(nn.Module module, byte[] weights)
    {
        try
        {
            using var stream = new MemoryStream(weights, writable: false);
            using var reader = new BinaryReader(stream);
            module.load(reader);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException($"the weights ({weights.Length} bytes) do not fit this network: {e.Message}", e);
        }
    }

    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
