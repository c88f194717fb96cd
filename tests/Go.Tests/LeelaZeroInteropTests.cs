using System.Globalization;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Networks;
using static TorchSharp.torch;

namespace SelfPlayBN.Go.Tests;

/// <summary>
/// Our Leela Zero weight export and import against the real Leela Zero (Debian's <c>leela-zero</c>, CPU-only): the
/// same file evaluated by <c>leelaz</c> and by our network gives the same policy and winrate. Leela Zero's GTP
/// command <c>heatmap 0</c> prints its raw network output under the identity symmetry (policy in thousandths per
/// point, pass, and the winrate of the side to move with six decimals) on standard error.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LeelaZeroInteropTests(TorchFixture torchFixture)
{
    internal const string Leelaz = "/usr/games/leelaz";

    /// <summary>A small Leela Zero network with non-trivial BatchNorm layers and a spread-out policy.</summary>
    internal static ResidualNetwork RandomNetwork(int seed, int blocks = 2, int filters = 16) =>
        RandomLeelaZeroNetwork.Create(seed, blocks, filters, headScale: 0.5);

    private static void RequireLeelaz() =>
        Assert.True(File.Exists(Leelaz), $"{Leelaz} is missing: install Debian's leela-zero package (scripts/test.sh does)");

    /// <summary>Runs <c>leelaz</c> on the weights, plays the moves, and returns its <c>heatmap 0</c> output.</summary>
    private static (double[] Policy, double Winrate) LeelazHeatmap(string weights, IReadOnlyList<string> moves)
    {
        var stderr = new List<string>();
        using var heatmapDone = new ManualResetEventSlim();
        void Stderr(string line)
        {
            lock (stderr) stderr.Add(line);
            if (line.StartsWith("winrate:", StringComparison.Ordinal)) heatmapDone.Set();
        }
        using var lz = new GtpProcess(Stderr, Leelaz, "--gtp", "--cpu-only", "--noponder", "-t", "1", "-w", weights);
        void Command(string command)
        {
            string answer = lz.Send(command);
            Assert.True(answer.StartsWith('='), $"leelaz answered '{answer}' to '{command}'");
        }
        string colour = "b";
        foreach (var m in moves)
        {
            Command($"play {colour} {m}");
            colour = colour == "b" ? "w" : "b";
        }
        int before;
        lock (stderr) before = stderr.Count;
        Command("heatmap 0");
        Assert.True(heatmapDone.Wait(TimeSpan.FromSeconds(60)), "leelaz printed no heatmap");
        List<string> lines;
        lock (stderr) lines = stderr.Skip(before).ToList();
        int start = lines.FindIndex(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 19);
        Assert.True(start >= 0, "no heatmap rows in leelaz's output: " + string.Join(" | ", lines));
        var policy = new double[362];
        for (int r = 0; r < 19; r++)
        {
            var cells = lines[start + r].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(19, cells.Length);
            int y = 18 - r; // the top row (19) first
            for (int x = 0; x < 19; x++) policy[y * 19 + x] = int.Parse(cells[x], CultureInfo.InvariantCulture);
        }
        string pass = lines.Single(l => l.StartsWith("pass:", StringComparison.Ordinal));
        policy[361] = int.Parse(pass["pass:".Length..].Trim(), CultureInfo.InvariantCulture);
        string winrate = lines.Last(l => l.StartsWith("winrate:", StringComparison.Ordinal));
        return (policy, double.Parse(winrate["winrate:".Length..].Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>Our network's softmax policy and winrate (1 + value)/2 on the position after <paramref name="moves"/>.</summary>
    private static (double[] Policy, double Winrate) Ours(ResidualNetwork net, IReadOnlyList<string> moves)
    {
        var game = new GoGame(19, inputs: GoInputs.LeelaZero);
        var s = game.NewGame().Play(moves.ToArray());
        var obs = new float[18 * 361];
        s.WriteObservation(obs);
        using var _ = no_grad();
        using var x = tensor(obs, [1, 18, 19, 19]);
        var (logits, value) = net.call(x);
        using var probs = TorchSharp.torch.nn.functional.softmax(logits, 1);
        var policy = probs.data<float>().ToArray().Select(v => (double)v).ToArray();
        double winrate = (1 + value.item<float>()) / 2;
        logits.Dispose();
        value.Dispose();
        return (policy, winrate);
    }

    // Black: A2, C2, B3, B1 capture White's B2 (with a White pass in between), then a few more moves, so the
    // 8 history planes hold a capture, a pass and both colours.
    private static readonly string[] Moves = ["A2", "B2", "C2", "pass", "B3", "Q16", "B1", "D16", "Q4"];

    [Theory]
    [InlineData(8)]  // White to move
    [InlineData(9)]  // Black to move
    [InlineData(0)]  // the empty board
    public void Leelaz_evaluates_our_exported_network_as_we_do(int movesPlayed)
    {
        Assert.NotNull(torchFixture.Info);
        RequireLeelaz();
        using var net = RandomNetwork(7);
        string dir = Directory.CreateTempSubdirectory("lz-interop").FullName;
        try
        {
            string file = Path.Combine(dir, "net.txt");
            LeelaZeroWeights.Write(net, file);
            var moves = Moves.Take(movesPlayed).ToArray();
            var (lzPolicy, lzWinrate) = LeelazHeatmap(file, moves);
            var (ourPolicy, ourWinrate) = Ours(net, moves);
            using var imported = LeelaZeroWeights.Read(file);
            var (importedPolicy, importedWinrate) = Ours(imported, moves);

            // The policy must not be degenerate, or the comparison proves little.
            Assert.True(ourPolicy.Max() < 0.5 && ourPolicy.Count(v => v * 1000 >= 1) > 20, "the test network's policy is too peaked");
            Assert.InRange(ourWinrate, 0.02, 0.98);
            var position = new GoGame(19).NewGame().Play(moves);
            for (int a = 0; a < 362; a++)
            {
                if (a < 361 && position.At(a) != GoState.Empty)
                {
                    Assert.Equal(0, lzPolicy[a]); // leelaz shows occupied points as 0; the raw output there is unused
                    continue;
                }
                // leelaz prints thousandths (truncated or rounded): ours must be within one display unit.
                Assert.True(Math.Abs(ourPolicy[a] * 1000 - lzPolicy[a]) <= 1.0, $"policy of action {a}: ours {ourPolicy[a] * 1000:F3}‰, leelaz {lzPolicy[a]}‰");
                Assert.True(Math.Abs(importedPolicy[a] - ourPolicy[a]) < 1e-5, $"policy of action {a} after import: {importedPolicy[a]} vs {ourPolicy[a]}");
            }
            Assert.True(Math.Abs(ourWinrate - lzWinrate) < 5e-6, $"winrate: ours {ourWinrate:F6}, leelaz {lzWinrate:F6}");
            Assert.True(Math.Abs(importedWinrate - ourWinrate) < 1e-6);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
