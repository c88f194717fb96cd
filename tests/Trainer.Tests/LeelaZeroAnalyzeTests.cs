using System.Globalization;
using SelfPlayBN.BatchNorm;
using System.Diagnostics;
using System.Text;
using SelfPlayBN.Networks;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// Our engine's analysis against Leela Zero's on the same weights file and position: both engines run as real
/// processes over GTP (<c>selfplaybn gtp --weights FILE</c> and <c>leelaz --gtp --cpu-only -w FILE</c>) and stream
/// <c>lz-analyze</c> until some visits are spent. Leela Zero evaluates each position under a random board symmetry, so the network is
/// made symmetric (every 3×3 kernel and both heads' linear layers averaged over the 8 symmetries): then every
/// symmetry gives the same output and the two engines must print the same priors, and the same winrate for every
/// move both visited exactly once (its value is then the network's evaluation of that move's position).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LeelaZeroAnalyzeTests(TorchFixture torchFixture) : IDisposable
{
    private const string Leelaz = "/usr/games/leelaz";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-lzanalyze-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The mean of <paramref name="t"/> over the 8 board symmetries, applied jointly to each pair of board dimensions given.</summary>
    private static Tensor SymmetryMean(Tensor t, params (long, long)[] boardDims)
    {
        Tensor sum = zeros_like(t);
        for (int k = 0; k < 4; k++)
            for (int flip = 0; flip < 2; flip++)
            {
                var x = t;
                foreach (var dims in boardDims)
                {
                    x = x.rot90(k, dims);
                    if (flip == 1) x = x.flip(dims.Item2);
                }
                sum += x;
            }
        return sum / 8;
    }

    /// <summary>A random Leela Zero network whose policy is equivariant and value invariant under the board symmetries.</summary>
    private static ResidualNetwork SymmetricNetwork(int seed)
    {
        random.manual_seed(seed);
        var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(1, 8), new BatchNormOptions());
        using var _ = no_grad();
        foreach (var (name, t) in net.state_dict())
        {
            if (name.EndsWith(".running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape) + 0.5);
            else if (name.Contains("bn") && name.EndsWith(".bias", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.2);
            else if (t.dim() == 4 && t.shape[2] == 3) t.copy_(SymmetryMean(t, (2, 3))); // 3x3 kernels
        }
        var sd = net.state_dict();
        var policyW = sd["policy_fc.weight"];                       // [362, 2·361]
        var cells = policyW[TensorIndex.Slice(0, 361)].reshape(19, 19, 2, 19, 19);
        policyW[TensorIndex.Slice(0, 361)] = SymmetryMean(cells, (0, 1), (3, 4)).reshape(361, 722) * 0.2;
        var pass = policyW[361].reshape(2, 19, 19);
        policyW[361] = SymmetryMean(pass, (1, 2)).reshape(722) * 0.2;
        var policyB = sd["policy_fc.bias"];
        policyB[TensorIndex.Slice(0, 361)] = SymmetryMean(policyB[TensorIndex.Slice(0, 361)].reshape(19, 19), (0, 1)).reshape(361);
        var valueW = sd["value_fc1.weight"];                        // [256, 361]
        valueW.copy_(SymmetryMean(valueW.reshape(256, 19, 19), (1, 2)).reshape(256, 361));
        net.eval();
        // Averaging flattens the heads: rescale them so that the policy has clear favourites and the values spread.
        var game = new SelfPlayBN.Games.Go.GoGame(19, inputs: SelfPlayBN.Games.Go.GoInputs.LeelaZero);
        var obs = new float[18 * 361];
        game.NewGame().Play(Moves).WriteObservation(obs);
        using var x = tensor(obs, [1, 18, 19, 19]);
        var (logits, _) = net.call(x);
        float spread = logits.std().item<float>();
        sd["policy_fc.weight"].mul_(2.5 / spread);
        sd["policy_fc.bias"].mul_(2.5 / spread);
        // Values: spread the value head's hidden layer over the candidate positions, then scale its output to a
        // standard deviation of about 1 before tanh.
        var children = new List<float[]>();
        var position = game.NewGame().Play(Moves);
        foreach (var v in new[] { "D16", "B2", "K7", "G10", "N2", "S7", "C3", "R17" })
        {
            var o = new float[18 * 361];
            position.Play(v).WriteObservation(o);
            children.Add(o);
        }
        using var batch = tensor(children.SelectMany(c => c).ToArray(), [children.Count, 18, 19, 19]);
        sd["value_fc1.weight"].mul_(30);
        var (_, values) = net.call(batch);
        float valueSpread = values.clamp(-0.999, 0.999).atanh().std().item<float>();
        sd["value_fc2.weight"].mul_(1.0 / Math.Max(valueSpread, 1e-3));
        return net;
    }

    private static readonly string[] Moves = ["D4", "Q16", "R4", "C17", "K10", "F3", "O17"]; // no symmetry left

    private sealed record Candidate(int Visits, int Winrate, int Prior);

    /// <summary>
    /// Starts the engine, plays the moves, sends <c>lz-analyze</c> and returns the first analysis line whose visits
    /// add up to at least <paramref name="visits"/>; then stops the analysis with another command and quits.
    /// </summary>
    private static Dictionary<string, Candidate> Analyse(string file, IEnumerable<string> args, string engine, string[] moves, int visits,
        IReadOnlyList<string>? childWinrates = null, Dictionary<string, double>? heatmapWinrates = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var winrateLines = new System.Collections.Concurrent.BlockingCollection<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } l && l.StartsWith("winrate:", StringComparison.Ordinal)) winrateLines.Add(l);
        };
        p.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string Next()
        {
            Assert.True(DateTime.UtcNow < deadline, $"{engine} took too long");
            return p.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{engine} closed its output");
        }
        void Send(string command)
        {
            p.StandardInput.WriteLine(command);
            p.StandardInput.Flush();
        }
        try
        {
            string colour = "b";
            foreach (var m in moves)
            {
                Send($"play {colour} {m}");
                string status = Next();
                Assert.True(status.StartsWith('='), $"{engine} refused 'play {colour} {m}': {status}");
                Assert.Equal("", Next());
                colour = colour == "b" ? "w" : "b";
            }
            Send($"lz-analyze {colour} 2");
            Assert.StartsWith("=", Next());
            Dictionary<string, Candidate> analysis;
            while (true)
            {
                string line = Next();
                if (!line.StartsWith("info move ", StringComparison.Ordinal)) continue;
                analysis = Parse(line);
                if (analysis.Values.Sum(c => c.Visits) >= visits) break;
            }
            Send("name"); // stops the analysis
            while (Next().Length > 0) { }
            while (Next().Length > 0) { } // the answer to name
            // Leela Zero's raw evaluation of the position after each asked move (heatmap under the identity symmetry).
            foreach (var child in childWinrates ?? [])
            {
                foreach (var command in new[] { $"play {colour} {child}", "heatmap 0", "undo" })
                {
                    Send(command);
                    Assert.StartsWith("=", Next());
                    Assert.Equal("", Next());
                }
                Assert.True(winrateLines.TryTake(out var w, TimeSpan.FromSeconds(60)), $"{engine} printed no heatmap winrate for {child}");
                heatmapWinrates![child] = double.Parse(w["winrate:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
            return analysis;
        }
        finally
        {
            try { Send("quit"); } catch (IOException) { }
            if (!p.WaitForExit(10_000)) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Our engine's final analysis line of <c>lz-genmove_analyze</c> after a search of <paramref name="visits"/> (one thread, seeded).</summary>
    private static Dictionary<string, Candidate> OurFinalAnalysis(string weights, string[] moves, int visits)
    {
        var gtp = new StringBuilder();
        string colour = "b";
        foreach (var m in moves)
        {
            gtp.Append($"play {colour} {m}\n");
            colour = colour == "b" ? "w" : "b";
        }
        gtp.Append($"lz-genmove_analyze {colour} 100000\nquit\n");
        var result = ProcessRunner.Run(ProcessRunner.Dotnet, [TrainCommandTests.Exe, "gtp", "--weights", weights, "--visits", visits.ToString(CultureInfo.InvariantCulture), "--resign", "0", "--seed", "1"],
            input: gtp.ToString(), timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Error);
        var line = result.Output.Split('\n').LastOrDefault(l => l.StartsWith("info move ", StringComparison.Ordinal));
        Assert.True(line is not null, "our engine printed no analysis line: " + result.Output);
        var analysis = Parse(line);
        Assert.Equal(visits - 1, analysis.Values.Sum(c => c.Visits)); // the root's first visit evaluates the root itself
        return analysis;
    }

    private static Dictionary<string, Candidate> Parse(string line)
    {
        var result = new Dictionary<string, Candidate>();
        foreach (var part in line.Split("info ", StringSplitOptions.RemoveEmptyEntries))
        {
            var w = part.Trim().Split(' ');
            int Field(string key) => int.Parse(w[Array.IndexOf(w, key) + 1], CultureInfo.InvariantCulture);
            result[w[1]] = new Candidate(Field("visits"), Field("winrate"), Field("prior"));
        }
        return result;
    }

    [Fact]
    public void Our_lz_analyze_priors_and_winrates_match_leelaz_on_the_same_weights()
    {
        Assert.NotNull(torchFixture.Info);
        Assert.True(File.Exists(Leelaz), $"{Leelaz} is missing: install Debian's leela-zero package (scripts/test.sh does)");
        Directory.CreateDirectory(_dir);
        string weights = Path.Combine(_dir, "symmetric.txt");
        using (var net = SymmetricNetwork(17)) LeelaZeroWeights.Write(net, weights);
        var moves = Moves;
        var ours = OurFinalAnalysis(weights, moves, 120);
        var once = ours.Where(kv => kv.Value.Visits == 1).Select(kv => kv.Key).ToList();
        var childWinrates = new Dictionary<string, double>();
        var theirs = Analyse(Leelaz, ["--gtp", "--cpu-only", "--noponder", "-t", "1", "-w", weights], "leelaz", moves, 3000, once, childWinrates);

        var common = theirs.Keys.Intersect(ours.Keys).ToList();
        Console.WriteLine("leelaz: " + string.Join(", ", theirs.Select(kv => $"{kv.Key} {kv.Value}")));
        Console.WriteLine("ours:   " + string.Join(", ", ours.Select(kv => $"{kv.Key} {kv.Value}")));
        Console.WriteLine("children: " + string.Join(", ", childWinrates.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(common.Count >= 3, $"only {common.Count} moves analysed by both: leelaz {string.Join(' ', theirs.Keys)}; ours {string.Join(' ', ours.Keys)}");
        Assert.True(ours.Values.Select(c => c.Prior).Distinct().Count() > 2, "the priors are all alike: the comparison would prove little");
        foreach (var m in common) // both truncate the same float to units of 1/10,000
            Assert.True(ours[m].Prior == theirs[m].Prior, $"prior of {m}: ours {ours[m].Prior}, leelaz {theirs[m].Prior} (1/10000)");
        // A move searched once has the value of the network's evaluation of its position, seen from the player who
        // moved: 1 − the winrate Leela Zero's network gives the player to move there.
        Assert.True(once.Count >= 2, $"only {once.Count} moves were visited exactly once by our search");
        Assert.True(once.Any(m => ours[m].Winrate is > 100 and < 9_900 and not 5_000), "the once-visited moves' winrates are all saturated or even: the comparison would prove little");
        foreach (var m in once)
        {
            double expected = (1 - childWinrates[m]) * 10_000;
            Assert.True(Math.Abs(ours[m].Winrate - expected) <= 1, $"winrate of {m} after one visit: ours {ours[m].Winrate}, leelaz's network {expected:F1} (1/10000)");
        }
    }
}
