using System.Diagnostics;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// TorchSharp CPU inference throughput of a 6-block, 64-filter residual network on 19×19 inputs (Leela Zero's
/// 18 input planes, 362 actions) at batch 1, 8 and 64, for each thread count and gradient mode tried.
/// </summary>
internal sealed class InferenceBenchmark : IBenchmark
{
    public string Name => "inference";

    public string Description => "TorchSharp CPU inference, 6x64 residual net, 19x19, batch 1/8/64 (positions/s)";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var info = settings.InitializeTorch();
        var shape = new ResidualNetworkShape(InputPlanes: 18, Height: 19, Width: 19, Actions: 362, Blocks: 6, Filters: 64);
        random.manual_seed(1);
        using var net = new ResidualNetwork(shape);
        net.eval();
        int originalThreads = torch.get_num_threads();
        var threadCounts = new SortedSet<int> { 1, Environment.ProcessorCount, originalThreads }.ToList();
        var results = new List<BenchResult>();
        try
        {
            foreach (int batch in new[] { 1, 8, 64 })
            {
                using var input = randn(batch, 18, 19, 19);
                var best = (Value: 0.0, Case: "");
                var rows = new List<BenchResult>();
                foreach (int threads in threadCounts)
                foreach (bool inferenceMode in new[] { false, true })
                {
                    torch.set_num_threads(threads);
                    double rate = Measure(net, input, batch, inferenceMode, settings.Seconds);
                    string mode = inferenceMode ? "inference_mode" : "no_grad";
                    var row = new BenchResult(Name, $"batch {batch}, {threads} thread{(threads == 1 ? "" : "s")}, {mode}", rate, "positions/s");
                    settings.Log.WriteLine($"  {row.Case}: {rate:N0} positions/s");
                    rows.Add(row);
                    if (rate > best.Value) best = (rate, row.Case);
                }
                results.AddRange(rows.Select(r => r.Case == best.Case ? r with { Note = "best for this batch" } : r));
            }
        }
        finally
        {
            torch.set_num_threads(originalThreads);
        }
        results.Add(new BenchResult(Name, "libtorch", 0, "", $"backend {info.Backend}, libtorch {info.LibTorchVersion}, default threads {originalThreads}"));
        return results;
    }

    private static double Measure(ResidualNetwork net, Tensor input, int batch, bool inferenceMode, double seconds)
    {
        void Once()
        {
            using var scope = NewDisposeScope();
            using var mode = inferenceMode ? torch.inference_mode(true) : torch.no_grad();
            var (p, v) = net.call(input);
            // Read the outputs, as a caller would: forces completion and the copy out.
            _ = p.softmax(1).data<float>()[0] + v.data<float>()[0];
        }
        for (int i = 0; i < 3; i++) Once();
        var sw = Stopwatch.StartNew();
        long iterations = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            Once();
            iterations++;
        }
        return iterations * batch / sw.Elapsed.TotalSeconds;
    }
}
