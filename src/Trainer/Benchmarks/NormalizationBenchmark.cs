using SelfPlayBN.BatchNorm;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// BatchNorm's alternatives against BatchNorm in the 6-block, 64-filter residual network on 19×19 inputs (18 planes, 362
/// actions), in one run: a training step and an eval-mode forward with each of <c>network.normalization</c>'s choices —
/// BatchNorm (the library's layer; its eval forward fused, as the pipeline publishes it), Group Normalization (8 groups),
/// Layer Normalization and none — and each one's time as a ratio to BatchNorm's.
/// </summary>
/// <remarks>
/// A training step is zero_grad, forward, loss (policy cross-entropy + value MSE), backward, SGD step and reading the
/// loss; an eval forward reads one output (which waits for the device). All variants are timed in alternating rounds
/// (<see cref="BenchTiming.Alternate(IReadOnlyList{Action}, double)"/>). Runs on the CPU, or on CUDA with
/// <c>--device cuda</c>. Total time is about 4 × <c>--seconds</c> plus warm-up.
/// </remarks>
internal sealed class NormalizationBenchmark : IBenchmark
{
    private static readonly (string Name, NormalizationLayer Layer)[] Variants =
    [
        ("batch", NormalizationLayer.Library), ("group", NormalizationLayer.Group), ("layer", NormalizationLayer.Layer), ("none", NormalizationLayer.None),
    ];

    public string Name => "normalization";

    public string Description => "BatchNorm vs Group/Layer Normalization and none: training step and inference (6x64 residual net, 19x19)";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var device = settings.Device();
        var info = settings.InitializeTorch();
        int batch = device.type == DeviceType.CUDA ? 256 : 32;
        var log = settings.Log;
        log.WriteLine($"  device: {device.type}, batch {batch}, {torch.get_num_threads()} threads, libtorch {info.LibTorchVersion} ({info.Backend})");
        var shape = new ResidualNetworkShape(InputPlanes: 18, Height: 19, Width: 19, Actions: 362, Blocks: 6, Filters: 64);

        random.manual_seed(1);
        using var x = randn(batch, 18, 19, 19, device: device);
        using var targetPolicy = randint(0, shape.Actions, batch, dtype: ScalarType.Int64, device: device);
        using var targetValue = rand(batch, device: device) * 2 - 1;
        var nets = Variants.Select(v => new ResidualNetwork(shape, layer: v.Layer, groups: 8)).ToArray();
        var optimizers = nets.Select(n => { n.to(device); return optim.SGD(n.parameters(), 0.01, momentum: 0.9); }).ToArray();
        try
        {
            Action TrainStep(int i) => () =>
            {
                using var scope = NewDisposeScope();
                optimizers[i].zero_grad();
                var (p, v) = nets[i].call(x);
                var loss = F.cross_entropy(p, targetPolicy) + F.mse_loss(v, targetValue);
                loss.backward();
                optimizers[i].step();
                _ = loss.item<float>();
            };
            foreach (var n in nets) n.train();
            var steps = BenchTiming.Alternate(Enumerable.Range(0, nets.Length).Select(TrainStep).ToList(), settings.Seconds * 2);

            // Inference as published: BatchNorm folded into the convolutions; the alternatives have nothing to fold.
            foreach (var n in nets) n.eval();
            int fused = BatchNormFusion.FuseAll(nets[0]);
            Action Forward(int i) => () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var (p, v) = nets[i].call(x);
                _ = p[0, 0].item<float>() + v[0].item<float>();
            };
            var forwards = BenchTiming.Alternate(Enumerable.Range(0, nets.Length).Select(Forward).ToList(), settings.Seconds * 2);

            var results = new List<BenchResult>();
            for (int i = 0; i < nets.Length; i++)
            {
                string name = Variants[i].Name;
                log.WriteLine($"  {name}: training step {steps[i]}; eval forward {forwards[i]}");
                results.Add(new BenchResult(Name, $"training step, batch {batch}, {name}", steps[i].Mean, "ms/step", steps[i].Spread));
                results.Add(new BenchResult(Name, $"eval forward, batch {batch}, {name}" + (i == 0 ? $" (fused, {fused} pairs)" : ""),
                    forwards[i].Mean, "ms/batch", forwards[i].Spread));
            }
            for (int i = 1; i < nets.Length; i++)
            {
                string name = Variants[i].Name;
                results.Add(new BenchResult(Name, $"training step: {name} / batch", steps[i].Mean / steps[0].Mean, "ratio",
                    $"CPU time {steps[i].CpuMean / steps[0].CpuMean:0.000}"));
                results.Add(new BenchResult(Name, $"eval forward: {name} / batch (fused)", forwards[i].Mean / forwards[0].Mean, "ratio",
                    $"CPU time {forwards[i].CpuMean / forwards[0].CpuMean:0.000}"));
            }
            results.Add(new BenchResult(Name, "device", 0, "", $"{device.type}, batch {batch}, {torch.get_num_threads()} threads, libtorch {info.LibTorchVersion} ({info.Backend})"));
            return results;
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
            foreach (var n in nets) n.Dispose();
        }
    }
}
