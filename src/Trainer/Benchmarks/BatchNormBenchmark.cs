using SelfPlayBN.BatchNorm;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// The BatchNorm library inside the 6-block, 64-filter residual network on 19×19 inputs (18 planes, 362 actions),
/// on the device TorchSharp uses (CUDA when available, else the CPU), in one run:
/// (a) a training step with the library's layer in plain batch mode against TorchSharp's <c>BatchNorm2d</c>;
/// (b) Precise BN's cost per 1,000 samples against one training step;
/// (c) eval-mode forward of the fused network against the unfused one, with the largest output difference.
/// </summary>
/// <remarks>
/// A training step is zero_grad, forward, loss (policy cross-entropy + value MSE), backward, SGD step, and
/// reading the loss (which waits for the device). The two variants of (a) and of (c) are measured in
/// alternating rounds (the order flips each round) so that a change in machine load hits both alike; each
/// variant is warmed up first. Total time is about 5 × <c>--seconds</c> plus warm-up.
/// </remarks>
internal sealed class BatchNormBenchmark : IBenchmark
{
    public string Name => "batchnorm";

    public string Description => "BatchNorm library vs TorchSharp BatchNorm2d, Precise BN cost, fusion (6x64 residual net, 19x19)";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var info = settings.InitializeTorch();
        var device = info.CudaAvailable ? CUDA : CPU;
        int batch = info.CudaAvailable ? 256 : 32;
        var log = settings.Log;
        log.WriteLine($"  device: {device.type}, batch {batch}, {torch.get_num_threads()} threads, libtorch {info.LibTorchVersion} ({info.Backend})");
        var shape = new ResidualNetworkShape(InputPlanes: 18, Height: 19, Width: 19, Actions: 362, Blocks: 6, Filters: 64);
        var results = new List<BenchResult>();

        random.manual_seed(1);
        using var library = new ResidualNetwork(shape);
        using var baseline = new ResidualNetwork(shape, layer: NormalizationLayer.TorchSharp);
        baseline.load_state_dict(library.state_dict());
        library.to(device);
        baseline.to(device);
        using var x = randn(batch, 18, 19, 19, device: device);
        using var targetPolicy = randint(0, shape.Actions, batch, dtype: ScalarType.Int64, device: device);
        using var targetValue = rand(batch, device: device) * 2 - 1;

        // (a) training step, library (batch mode, the default options) vs TorchSharp's BatchNorm2d.
        using var libraryOpt = optim.SGD(library.parameters(), 0.01, momentum: 0.9);
        using var baselineOpt = optim.SGD(baseline.parameters(), 0.01, momentum: 0.9);
        library.train();
        baseline.train();
        Action TrainStep(ResidualNetwork net, optim.Optimizer opt) => () =>
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var (p, v) = net.call(x);
            var loss = F.cross_entropy(p, targetPolicy) + F.mse_loss(v, targetValue);
            loss.backward();
            opt.step();
            _ = loss.item<float>();
        };
        var (libStep, baseStep) = BenchTiming.Alternate(TrainStep(library, libraryOpt), TrainStep(baseline, baselineOpt), settings.Seconds * 2);
        double stepRatio = libStep.Mean / baseStep.Mean;
        log.WriteLine($"  training step: library {libStep}, TorchSharp {baseStep}, ratio {stepRatio:0.000}");
        results.Add(new BenchResult(Name, $"training step, batch {batch}, TorchSharp BatchNorm2d (baseline)", baseStep.Mean, "ms/step", baseStep.Spread));
        results.Add(new BenchResult(Name, $"training step, batch {batch}, library BatchNorm (batch mode)", libStep.Mean, "ms/step", libStep.Spread));
        results.Add(new BenchResult(Name, "training step: library / TorchSharp", stepRatio, "ratio", stepRatio <= 1.10 ? "target <= 1.10 met" : "target <= 1.10 NOT met"));
        results.Add(new BenchResult(Name, "training step: library / TorchSharp, CPU time", libStep.CpuMean / baseStep.CpuMean, "ratio", "process CPU time per step"));

        // (b) Precise BN (union estimator) over batches of the same size, forward-only, statistics written.
        var pool = Enumerable.Range(0, 4).Select(_ => randn(batch, 18, 19, 19, device: device) * 1.5 + 0.5).ToArray();
        try
        {
            int batchesPerPass = Math.Max(1, (1000 + batch - 1) / batch);
            void PreciseUpdate(int batches) => PreciseBatchNorm.Update(library, Enumerable.Range(0, batches).Select(i => pool[i % pool.Length]),
                b => library.call(b));
            PreciseUpdate(2); // warm-up, short: a pass of about 1,000 samples takes seconds on a CPU
            var precise = BenchTiming.Measure(() => PreciseUpdate(batchesPerPass), settings.Seconds, minCalls: 1);
            double perThousand = precise.Mean * 1000.0 / (batchesPerPass * batch);
            double vsStep = perThousand / libStep.Mean;
            double perSampleRatio = perThousand / (libStep.Mean * 1000.0 / batch);
            log.WriteLine($"  Precise BN: {perThousand:0.0} ms per 1,000 samples ({batchesPerPass} batches of {batch} per pass, {precise.Count} passes) = {vsStep:0.00} training steps; per sample {perSampleRatio:0.000} of a training step");
            results.Add(new BenchResult(Name, $"Precise BN, batches of {batch}", perThousand, "ms/1,000 samples", $"{batchesPerPass * batch} samples per pass, union estimator"));
            double cpuPerThousand = precise.CpuMean * 1000.0 / (batchesPerPass * batch);
            results.Add(new BenchResult(Name, "Precise BN per 1,000 samples / one training step", vsStep, "ratio",
                $"training step = {libStep.Mean:0.0} ms for {batch} samples; CPU time: {cpuPerThousand:0} ms/1,000 samples = {cpuPerThousand / libStep.CpuMean:0.00} steps"));
            results.Add(new BenchResult(Name, "Precise BN per sample / training step per sample", perSampleRatio, "ratio", "forward-only vs forward+backward+SGD"));
        }
        finally
        {
            foreach (var t in pool) t.Dispose();
        }

        // (c) eval-mode forward, fused copy vs unfused (statistics moved by (a) and written by (b)).
        using var fused = new ResidualNetwork(shape);
        fused.load_state_dict(library.state_dict());
        fused.to(device);
        library.eval();
        fused.eval();
        int pairs = BatchNormFusion.FuseAll(fused);
        double maxDiff;
        using (no_grad())
        using (NewDisposeScope())
        {
            var (p, v) = library.call(x);
            var (pf, vf) = fused.call(x);
            maxDiff = Math.Max((p - pf).abs().max().item<float>(), (v - vf).abs().max().item<float>());
        }
        Action EvalForward(ResidualNetwork net) => () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (p, v) = net.call(x);
            _ = p[0, 0].item<float>() + v[0].item<float>();
        };
        var (fusedFwd, unfusedFwd) = BenchTiming.Alternate(EvalForward(fused), EvalForward(library), settings.Seconds * 2);
        double speedup = unfusedFwd.Mean / fusedFwd.Mean;
        log.WriteLine($"  eval forward: fused {fusedFwd}, unfused {unfusedFwd}, speedup {speedup:0.000}, max abs diff {maxDiff:G3} ({pairs} pairs fused)");
        results.Add(new BenchResult(Name, $"eval forward, batch {batch}, unfused", unfusedFwd.Mean, "ms/batch", unfusedFwd.Spread));
        results.Add(new BenchResult(Name, $"eval forward, batch {batch}, fused ({pairs} conv-BN pairs)", fusedFwd.Mean, "ms/batch", fusedFwd.Spread));
        results.Add(new BenchResult(Name, "eval forward: unfused / fused", speedup, "speedup", ""));
        results.Add(new BenchResult(Name, "eval forward: unfused / fused, CPU time", unfusedFwd.CpuMean / fusedFwd.CpuMean, "speedup", "process CPU time per batch"));
        results.Add(new BenchResult(Name, "fused vs unfused outputs, max abs difference", maxDiff, "", "policy logits and value"));
        results.Add(new BenchResult(Name, "device", 0, "", $"{device.type}, batch {batch}, {torch.get_num_threads()} threads, libtorch {info.LibTorchVersion} ({info.Backend})"));
        return results;
    }
}
