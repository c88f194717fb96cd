using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Networks;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Search speed against Leela Zero on the same network: a random 6-block, 64-filter network of Leela Zero's
/// architecture is written in its format; <c>leelaz --cpu-only --benchmark</c> searches the empty 19×19 board with
/// it, and so does our MCTS (the network fused, evaluated through <see cref="NetworkOracle"/>, several leaves per
/// batch with virtual loss), on the same number of threads. Figures are playouts (network evaluations at new
/// leaves) per second; Leela Zero's is the <c>n/s</c> it prints. Needs <c>/usr/games/leelaz</c> (Debian's
/// <c>leela-zero</c>); without it only our side is measured.
/// </summary>
internal sealed partial class LeelaZeroBenchmark : IBenchmark
{
    private const string Leelaz = "/usr/games/leelaz";

    public string Name => "lz";

    public string Description => "Go 19x19 search playouts/s, ours vs leelaz --cpu-only --benchmark, same 6x64 network, same threads";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var info = settings.InitializeTorch();
        random.manual_seed(3);
        using var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(6, 64));
        net.eval();
        string dir = Directory.CreateTempSubdirectory("selfplaybn-lz-bench").FullName;
        var results = new List<BenchResult>();
        int original = torch.get_num_threads();
        try
        {
            string weights = Path.Combine(dir, "6x64.txt");
            LeelaZeroWeights.Write(net, weights);
            BatchNormFusion.FuseAll(net);
            var game = new GoGame(19, inputs: GoInputs.LeelaZero);
            var oracle = new NetworkOracle(game, net, CPU);
            // Visits per search: about settings.Seconds of Leela Zero's 140 playouts/s, at least 200.
            int visits = Math.Max(200, (int)(140 * settings.Seconds));
            foreach (int threads in new SortedSet<int> { 1, Environment.ProcessorCount })
            {
                double? theirs = null;
                if (File.Exists(Leelaz))
                {
                    theirs = LeelazPlayoutsPerSecond(weights, threads, visits, settings.Log);
                    results.Add(new BenchResult(Name, $"leelaz, {threads} thread{(threads == 1 ? "" : "s")} (baseline)", theirs.Value, "playouts/s",
                        $"--cpu-only --benchmark -v {visits}"));
                }
                torch.set_num_threads(threads);
                foreach (int leaves in new[] { 8, 16 })
                {
                    var search = new Mcts(oracle, new MctsOptions { Simulations = visits, RootNoise = false, LeavesPerBatch = leaves, ReuseTree = false, TemperatureMoves = 0 });
                    search.Reset(game.NewGame());
                    search.Search(Math.Min(64, visits)); // warm-up
                    search.Reset(game.NewGame());
                    var watch = Stopwatch.StartNew();
                    search.Search(visits);
                    double ours = visits / watch.Elapsed.TotalSeconds;
                    settings.Log.WriteLine($"  ours, {threads} threads, {leaves} leaves per batch: {ours:F0} playouts/s");
                    results.Add(new BenchResult(Name, $"ours, {threads} thread{(threads == 1 ? "" : "s")}, {leaves} leaves/batch", ours, "playouts/s",
                        theirs is { } t ? $"{ours / t:F2}x leelaz; {visits} visits from the empty board" : $"{visits} visits from the empty board; leelaz not installed"));
                }
            }
            results.Add(new BenchResult(Name, "libtorch", 0, "", $"backend {info.Backend}, libtorch {info.LibTorchVersion}"));
        }
        finally
        {
            torch.set_num_threads(original);
            Directory.Delete(dir, recursive: true);
        }
        return results;
    }

    private static double LeelazPlayoutsPerSecond(string weights, int threads, int visits, TextWriter log)
    {
        var psi = new ProcessStartInfo(Leelaz) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--cpu-only", "--benchmark", "-w", weights, "-t", threads.ToString(CultureInfo.InvariantCulture), "-v", visits.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{Leelaz} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        string all = stderr + "\n" + stdout.Result;
        var m = RateLine().Match(all);
        if (!m.Success) throw new InvalidOperationException($"leelaz --benchmark printed no 'n/s' figure (exit code {p.ExitCode}): {all[Math.Max(0, all.Length - 400)..]}");
        log.WriteLine($"  leelaz, {threads} threads: {m.Value}");
        return double.Parse(m.Groups["rate"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(?<visits>\d+) visits, \d+ nodes, (?<playouts>\d+) playouts, (?<rate>\d+) n/s")]
    private static partial Regex RateLine();
}
