using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

/// <summary>Tiny Tic-tac-toe networks and parameter helpers for the torch tests.</summary>
internal static class TorchTestNetworks
{
    public static readonly ResidualNetworkShape Shape = new(2, 3, 3, 9, Blocks: 1, Filters: 8, ValueHidden: 16);

    public static ResidualNetwork Create(long seed)
    {
        torch.manual_seed(seed);
        return new ResidualNetwork(Shape);
    }

    /// <summary>A network with the same parameters and buffers as <paramref name="source"/>.</summary>
    public static ResidualNetwork CopyOf(ResidualNetwork source)
    {
        var copy = new ResidualNetwork(Shape);
        using (no_grad())
        {
            var from = source.state_dict();
            foreach (var (name, t) in copy.state_dict()) t.copy_(from[name]);
        }
        return copy;
    }

    /// <summary>Every parameter, flattened, in registration order.</summary>
    public static float[][] Parameters(nn.Module module) =>
        module.parameters().Select(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    public static float[][] Buffers(nn.Module module) =>
        module.buffers().Where(b => b.dtype == ScalarType.Float32).Select(b => b.detach().cpu().data<float>().ToArray()).ToArray();

    public static double MaxDifference(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs((double)a[i][j] - b[i][j]));
        }
        return max;
    }

    /// <summary>Every position of <paramref name="records"/>.</summary>
    public static List<ReplayPosition> Positions(IEnumerable<GameRecord> records) =>
        records.SelectMany(r => Enumerable.Range(0, r.Length).Select(p => new ReplayPosition(r, p))).ToList();

    public static List<GameRecord> Records(int seed, int count)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => TestGames.RandomRecord(rng)).ToList();
    }
}
