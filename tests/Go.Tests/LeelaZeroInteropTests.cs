using System.Globalization;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;
using SelfPlayBN.Networks;
using SelfPlayBN.Search;
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

    /// <summary>Runs <c>leelaz</c> on the weights, plays the moves (Black first, alternating), and returns its <c>heatmap 0</c> output.</summary>
    private static (double[] Policy, double Winrate) LeelazHeatmap(string weights, IReadOnlyList<string> moves) =>
        LeelazHeatmapAfter(weights, Alternating(moves));

    private static string[] Alternating(IReadOnlyList<string> moves) =>
        moves.Select((m, i) => $"play {(i % 2 == 0 ? "b" : "w")} {m}").ToArray();

    /// <summary>Runs <c>leelaz</c> on the weights, sends the GTP commands, and returns its <c>heatmap 0</c> output.</summary>
    private static (double[] Policy, double Winrate) LeelazHeatmapAfter(string weights, IReadOnlyList<string> commands)
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
        foreach (var c in commands) Command(c);
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
    private static (double[] Policy, double Winrate) Ours(ResidualNetwork net, IReadOnlyList<string> moves) =>
        Ours(net, new GoGame(19, inputs: GoInputs.LeelaZero).NewGame().Play(moves.ToArray()));

    /// <summary>Our network's softmax policy and winrate (1 + value)/2 on <paramref name="s"/> (a game with Leela Zero's inputs).</summary>
    private static (double[] Policy, double Winrate) Ours(ResidualNetwork net, GoState s)
    {
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
    [InlineData(8)]  // Black to move
    [InlineData(9)]  // White to move
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

    /// <summary>Our GTP engine (Leela Zero's inputs, 19×19) after <paramref name="commands"/>.</summary>
    private static GoState EngineAfter(IReadOnlyList<string> commands)
    {
        var engine = new GtpEngine(new GoSearchPlayer(_ => UniformOracle.Instance, new GoSearchOptions()),
            new GtpEngineOptions { BoardSize = 19, Inputs = GoInputs.LeelaZero });
        foreach (var c in commands)
        {
            var reply = Assert.IsType<GtpReply>(engine.Execute(GtpProtocol.Parse(c)));
            Assert.True(reply.Success, $"{c}: {reply.Text}");
        }
        return engine.Position;
    }

    private static void AssertSameOutput((double[] Policy, double Winrate) lz, (double[] Policy, double Winrate) ours, GoState position, string what)
    {
        for (int a = 0; a < 362; a++)
        {
            if (a < 361 && position.At(a) != GoState.Empty) continue;
            Assert.True(Math.Abs(ours.Policy[a] * 1000 - lz.Policy[a]) <= 1.0, $"{what}: policy of action {a}: ours {ours.Policy[a] * 1000:F3}‰, leelaz {lz.Policy[a]}‰");
        }
        Assert.True(Math.Abs(ours.Winrate - lz.Winrate) < 5e-6, $"{what}: winrate: ours {ours.Winrate:F6}, leelaz {lz.Winrate:F6}");
    }

    private const float HistoryWeightScale = 20;

    /// <summary>Each sequence, and the one that gives the history planes we gave before (a pass inserted for the other colour), or "" where there is none to write.</summary>
    public static TheoryData<string, string> SetupSequences => new()
    {
        { "play b D4|play b Q16", "play b D4|play w pass|play b Q16" },  // the same colour twice: no White pass in the history
        { "play w D4|play w Q16", "play b pass|play w D4|play b pass|play w Q16" },  // White first, twice
        { "set_free_handicap D4 Q16 Q4", "" },  // handicap stones arrive as Black moves (we started from the stones)
        { "fixed_handicap 3|play w C3", "" },   // fixed handicap: the history starts at the handicap position
    };

    [Theory]
    [MemberData(nameof(SetupSequences))]
    public void Setup_moves_out_of_turn_and_handicap_give_the_network_leelaz_s_history(string sequence, string withPasses)
    {
        Assert.NotNull(torchFixture.Info);
        RequireLeelaz();
        // A random network reads the older history planes only faintly: stronger weights on them make a one-plane
        // difference show in the output (checked below), as it does with Leela Zero's trained networks.
        using var net = RandomNetwork(11);
        using (no_grad())
            foreach (var (name, t) in net.state_dict())
                if (name == "input_conv.weight")
                    foreach (var range in new[] { (1, 8), (9, 16) }) // planes of the 7 earlier positions, each side
                        t[.., range.Item1..range.Item2].mul_(HistoryWeightScale);
        string dir = Directory.CreateTempSubdirectory("lz-history").FullName;
        try
        {
            string file = Path.Combine(dir, "net.txt");
            LeelaZeroWeights.Write(net, file);
            var commands = sequence.Split('|');
            var position = EngineAfter(commands);
            var ours = Ours(net, position);
            AssertSameOutput(LeelazHeatmapAfter(file, commands), ours, position, sequence);
            if (withPasses.Length > 0)
            {
                var other = EngineAfter(withPasses.Split('|'));
                Assert.Equal(position.ToDiagram(), other.ToDiagram());
                var old = Ours(net, other);
                double policyGap = Enumerable.Range(0, 362).Max(a => Math.Abs(old.Policy[a] - ours.Policy[a])) * 1000;
                Assert.True(policyGap > 1 || Math.Abs(old.Winrate - ours.Winrate) > 1e-4,
                    $"the network does not see the history difference (policy {policyGap:F3}‰, winrate {Math.Abs(old.Winrate - ours.Winrate):E1}), so this test proves nothing");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Leelaz_and_we_read_a_gzipped_format_2_network_alike()
    {
        Assert.NotNull(torchFixture.Info);
        RequireLeelaz();
        using var net = RandomNetwork(13);
        string dir = Directory.CreateTempSubdirectory("lz-gz").FullName;
        try
        {
            string text = Path.Combine(dir, "net.txt"), gz = Path.Combine(dir, "elf.txt.gz");
            LeelaZeroWeights.Write(net, text);
            var lines = File.ReadAllLines(text);
            lines[0] = "2"; // ELF OpenGo's format: the value head gives Black's value
            using (var output = new System.IO.Compression.GZipStream(File.Create(gz), System.IO.Compression.CompressionLevel.Fastest))
            using (var writer = new StreamWriter(output))
                foreach (var l in lines) writer.Write(l + "\n");
            var probe = LeelaZeroWeights.Probe(gz);
            Assert.True(probe.Compressed && probe.IsLeelaZero && probe.FormatVersion == 2, probe.ToString());
            Assert.Throws<LeelaZeroWeightsException>(() => LeelaZeroWeights.Read(gz)); // the plain reader takes version 1 only
            using var read = LeelaZeroWeights.Read(gz, out int version);
            Assert.Equal(2, version);
            var game = new GoGame(19, inputs: GoInputs.LeelaZero);
            var oracle = new PlayerZeroValueOracle(new SelfPlayBN.Training.NetworkOracle(game, read, CPU));
            foreach (int played in new[] { 8, 9 }) // Black, then White to move
            {
                var moves = Moves.Take(played).ToArray();
                var position = game.NewGame().Play(moves);
                var raw = Ours(read, position);
                var priors = new float[362];
                var values = new float[1];
                oracle.Evaluate([position], priors, values);
                var lz = LeelazHeatmap(gz, moves);
                AssertSameOutput(lz, (raw.Policy, (1 + values[0]) / 2.0), position, $"{played} moves");
                // The raw head is Black's value: for White it is turned round, for Black it is used as it is.
                Assert.Equal(position.CurrentPlayer == 1 ? 1 - raw.Winrate : raw.Winrate, (1 + values[0]) / 2.0, 5);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
