using System.Diagnostics;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Trainer.Commands;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// The self-play pipeline against the network alone: Connect Four with the default config's network (untrained, seeded)
/// and search, on the device of <c>--device</c>, the setup chosen for it (<see cref="SelfPlaySetup.Resolve"/>) and, for
/// comparison, the same without overlap (one group per worker). For each case, after a warm-up, in alternating windows:
/// the network evaluations per second of self-play, then (the service paused) the network alone on batches of the
/// pipeline's average size in the same precision (one thread, the same kind of host buffers and copies); their ratio
/// (median over the windows; the aim on a CPU is ≥ 0.9), the network's busy share of wall time, games and moves per
/// second.
/// </summary>
internal sealed class SelfPlayBenchmark : IBenchmark
{
    public string Name => "selfplay";

    public string Description => "self-play network evaluations/s vs the network alone at the same batch and precision, Connect Four default config";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        var device = settings.Device();
        bool cuda = device.type == DeviceType.CUDA;
        var game = ConnectFourGame.Instance;
        var options = RunSetup.EmbeddedOptions("connect4");
        manual_seed(options.Seed);
        byte[] weights;
        using (var net = Models.Create(game, options.Network, options.Bn.Decay, CPU)) weights = Models.Save(net);
        var setup = SelfPlaySetup.Resolve(options, cuda, Environment.ProcessorCount);
        var serial = SelfPlaySetup.Resolve(options with { SelfPlay = options.SelfPlay with { GroupsPerWorker = 1 } }, cuda, Environment.ProcessorCount);
        var results = new List<BenchResult>();
        foreach (var (label, s) in new[] { ("default setup", setup), ("no overlap (1 group per worker)", serial) })
            results.AddRange(Measure(label, game, options, weights, device, s, settings));
        return results;
    }

    private IEnumerable<BenchResult> Measure(string label, IGame game, RunOptions options, byte[] weights, Device device, SelfPlaySetup setup, BenchSettings settings)
    {
        BenchResult[]? results = null;
        Exception? failure = null;
        // On a thread of its own, as the service's runners are: libtorch ran about 10 times slower on this process's main thread.
        var thread = new Thread(() =>
        {
            try { results = MeasureOnThisThread(label, game, options, weights, device, setup, settings); }
            catch (Exception e) { failure = e; }
        }) { Name = "selfplay-bench" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"the self-play benchmark failed: {failure.Message}", failure);
        return results!;
    }

    /// <summary>
    /// Self-play for <c>Rounds</c> windows; after each, with the inference service paused (the workers idle), the network
    /// alone for half as long on the pipeline's average batch of that window. Alternating keeps both measurements close in
    /// time, which matters on a machine whose speed drifts (a shared virtual machine).
    /// </summary>
    private BenchResult[] MeasureOnThisThread(string label, IGame game, RunOptions options, byte[] weights, Device device, SelfPlaySetup setup,
        BenchSettings settings)
    {
        const int Rounds = 4;
        var log = settings.Log;
        log.WriteLine($"  {label}: {setup}");
        double window = Math.Max(2, settings.Seconds / Rounds);
        var ratios = new List<double>();
        double pipelineSeconds = 0, aloneRate = 0, busySeconds = 0;
        long positions = 0, batches = 0, moves = 0, games = 0;
        Exception? failure = null;
        using (var alone = Models.BatchModels(game, options.Network, weights, device, setup with { Runners = 1 }, out _)[0])
        using (var host = SamplePositions(game, setup.MaxBatch, device))
        using (var inference = Models.InferenceService(game, options.Network, weights, 0, device, setup))
        using (var engine = new SelfPlayEngine(game, inference, setup.Engine(options.SelfPlay, options.Seed), long.MaxValue / 2, _ => { },
                   e => failure ??= e))
        {
            engine.Start();
            Thread.Sleep(TimeSpan.FromSeconds(Math.Max(3, window))); // warm-up; then measuring windows, not synchronisation
            for (int round = 0; round < Rounds && failure is null; round++)
            {
                var before = inference.Statistics;
                long moves0 = engine.Moves, games0 = engine.Games;
                var clock = Stopwatch.StartNew();
                Thread.Sleep(TimeSpan.FromSeconds(window));
                var after = inference.Statistics;
                double seconds = clock.Elapsed.TotalSeconds;
                long p = after.Positions - before.Positions, b = after.Batches - before.Batches;
                using (inference.Pause())
                {
                    int size = Math.Clamp((int)Math.Round(b == 0 ? 1 : (double)p / b), 1, setup.MaxBatch);
                    double rate = NetworkAlone(alone, host, size, window / 2);
                    ratios.Add(p / seconds / rate);
                    aloneRate += rate / Rounds;
                    log.WriteLine($"    window {round + 1}: pipeline {p / seconds:N0} evaluations/s at batch {(double)p / Math.Max(1, b):0.0}, " +
                                  $"network alone {rate:N0}/s at batch {size}: ratio {p / seconds / rate:0.00}");
                }
                pipelineSeconds += seconds;
                positions += p;
                batches += b;
                busySeconds += (after.BusyTime - before.BusyTime).TotalSeconds;
                moves += engine.Moves - moves0;
                games += engine.Games - games0;
            }
        }
        if (failure is not null) throw new InvalidOperationException($"self-play failed during the benchmark: {failure.Message}", failure);
        ratios.Sort();
        double median = (ratios[(ratios.Count - 1) / 2] + ratios[ratios.Count / 2]) / 2;
        double pipeline = positions / pipelineSeconds;
        string where = $"{label}; {setup}";
        log.WriteLine($"    pipeline {pipeline:N0} evaluations/s at average batch {(double)positions / Math.Max(1, batches):0.0}; ratio median {median:0.00} " +
                      $"(windows {ratios[0]:0.00}–{ratios[^1]:0.00}); busy {busySeconds / pipelineSeconds:P0}");
        return
        [
            new(Name, $"{label}: pipeline", pipeline, "evaluations/s", where),
            new(Name, $"{label}: network alone", aloneRate, "evaluations/s",
                $"{setup.Precision.ToString().ToLowerInvariant()}, one thread, the pipeline's batch, same host buffers; mean of {Rounds} windows"),
            new(Name, $"{label}: pipeline / network alone", median, "ratio", $"median of {Rounds} alternating windows ({ratios[0]:0.00}–{ratios[^1]:0.00}); aim on a CPU ≥ 0.9"),
            new(Name, $"{label}: average batch", (double)positions / Math.Max(1, batches), "positions"),
            new(Name, $"{label}: network busy", busySeconds / pipelineSeconds, "share of wall time", "time at least one runner was inside the network"),
            new(Name, $"{label}: games", games / pipelineSeconds, "games/s"),
            new(Name, $"{label}: moves", moves / pipelineSeconds, "positions/s", "moves played (training positions)"),
        ];
    }

    /// <summary>A host batch full of observations of positions from random playouts (the statistics of real positions).</summary>
    private static TensorHostBatch SamplePositions(IGame game, int capacity, Device device)
    {
        var host = new TensorHostBatch(capacity, game.ObservationShape, game.NumActions, pinned: device.type == DeviceType.CUDA);
        var rng = new Random(1);
        int size = game.ObservationShape.Size;
        var actions = new int[game.NumActions];
        for (int i = 0; i < capacity; i++)
        {
            var state = game.NewInitialState();
            int plies = rng.Next(0, 20), legal;
            for (int p = 0; p < plies && !state.IsTerminal && (legal = state.GetLegalActions(actions)) > 0; p++)
                state = state.Apply(actions[rng.Next(legal)]);
            if (state.IsTerminal) state = game.NewInitialState();
            state.WriteObservation(host.Input.Slice(i * size, size));
        }
        return host;
    }

    /// <summary>The served model alone: <paramref name="batch"/> rows run again and again for <paramref name="seconds"/>.</summary>
    private static double NetworkAlone(IBatchModel model, HostBatch host, int batch, double seconds)
    {
        for (int i = 0; i < 3; i++) model.Run(host, batch);
        var clock = Stopwatch.StartNew();
        long runs = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            model.Run(host, batch);
            runs++;
        }
        return runs * batch / clock.Elapsed.TotalSeconds;
    }
}
