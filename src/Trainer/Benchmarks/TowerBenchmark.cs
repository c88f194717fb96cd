using System.Diagnostics;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Networks;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Inference alone through the project's own path (<see cref="TorchBatchModel"/> over a <see cref="TensorHostBatch"/>: one
/// host→device copy, the fused network, softmax and values in float32, one device→host copy) for Leela Zero's 19×19
/// network shape with 10 blocks × 128 filters, in each precision and memory layout. On CUDA at batch 1024 (the figure
/// <c>scripts/tower-pytorch.py</c> measures for PyTorch eager on the same tower, for a ratio); on a CPU at batch 16 in
/// fp32 only (libtorch's CPU half-precision convolutions are far slower than fp32).
/// </summary>
internal sealed class TowerBenchmark : IBenchmark
{
    public string Name => "tower";

    public string Description => "inference through the served-model path, 10x128 tower, 19x19, 18 planes: positions/s per precision and layout";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var device = settings.Device();
        bool cuda = device.type == DeviceType.CUDA;
        int batch = cuda ? 1024 : 16;
        var shape = LeelaZeroWeights.ShapeFor(10, 128);
        var observation = new ObservationShape(shape.InputPlanes, shape.Height, shape.Width);
        var cases = cuda
            ? new[] { (InferencePrecision.Fp32, false), (InferencePrecision.Bf16, false), (InferencePrecision.Bf16, true), (InferencePrecision.Fp16, false), (InferencePrecision.Fp16, true) }
            : new[] { (InferencePrecision.Fp32, false), (InferencePrecision.Fp32, true) };
        var results = new List<BenchResult>();
        var thread = new Thread(() =>
        {
            using var host = new TensorHostBatch(batch, observation, shape.Actions, pinned: cuda);
            var rng = new Random(1);
            var input = host.Input;
            for (int i = 0; i < input.Length; i++) input[i] = rng.Next(4) == 0 ? 1f : 0f; // stones on about a quarter of the points
            foreach (var (precision, channelsLast) in cases)
            {
                manual_seed(1);
                var net = new ResidualNetwork(shape);
                net.to(device);
                net.eval();
                BatchNormFusion.FuseAll(net);
                using var model = new TorchBatchModel(observation, shape.Actions, net, device, precision, channelsLast);
                for (int i = 0; i < 5; i++) model.Run(host, batch);
                var clock = Stopwatch.StartNew();
                long runs = 0;
                while (clock.Elapsed.TotalSeconds < settings.Seconds)
                {
                    model.Run(host, batch);
                    runs++;
                }
                double rate = runs * batch / clock.Elapsed.TotalSeconds;
                string name = $"{precision.ToString().ToLowerInvariant()}{(channelsLast ? ", channels-last" : "")}, batch {batch}";
                settings.Log.WriteLine($"  {name}: {rate:N0} positions/s");
                results.Add(new BenchResult(Name, name, rate, "positions/s", cuda ? "compare scripts/tower-pytorch.py" : "CPU"));
            }
        }) { Name = "tower-bench" }; // libtorch ran about 10 times slower on this process's main thread
        thread.Start();
        thread.Join();
        return results;
    }
}
