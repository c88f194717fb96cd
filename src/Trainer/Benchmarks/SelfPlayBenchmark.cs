using System.Diagnostics;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Trainer.Commands;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// The self-play pipeline against the network alone: Connect Four with the default config's network (untrained, seeded)
/// and search, on the device of <c>--device</c>, the setup chosen for it (<see cref="SelfPlaySetup.Resolve"/>) and, for
/// comparison, the same without overlap (one group per worker). For each case, after a warm-up: the network evaluations
/// per second of self-play, the network alone on full batches of the pipeline's average size in the same precision (one
/// thread, the same host buffers and copies), their ratio (the aim on a CPU is ≥ 0.9), the network's busy share of wall
/// time, games and moves per second.
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
        var options = TrainCommand.EmbeddedOptions("connect4");
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
        var log = settings.Log;
        log.WriteLine($"  {label}: {setup}");
        double warmup = Math.Max(3, settings.Seconds / 5);
        InferenceStatistics before, after;
        long moves0, moves1, games0, games1;
        double seconds;
        Exception? failure = null;
        using (var inference = Models.InferenceService(game, options.Network, weights, 0, device, setup))
        using (var engine = new SelfPlayEngine(game, inference, setup.Engine(options.SelfPlay, options.Seed), long.MaxValue / 2, _ => { },
                   e => failure ??= e))
        {
            engine.Start();
            Thread.Sleep(TimeSpan.FromSeconds(warmup)); // a benchmark's measuring window, not synchronisation
            before = inference.Statistics;
            (moves0, games0) = (engine.Moves, engine.Games);
            var clock = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(settings.Seconds));
            after = inference.Statistics;
            (moves1, games1) = (engine.Moves, engine.Games);
            seconds = clock.Elapsed.TotalSeconds;
        }
        if (failure is not null) throw new InvalidOperationException($"self-play failed during the benchmark: {failure.Message}", failure);
        long positions = after.Positions - before.Positions, batches = after.Batches - before.Batches;
        double pipeline = positions / seconds;
        double batch = batches == 0 ? 0 : (double)positions / batches;
        double busy = (after.BusyTime - before.BusyTime).TotalSeconds / seconds;
        int size = Math.Max(1, (int)Math.Round(batch));
        double alone = NetworkAlone(game, options, weights, device, setup, size, Math.Max(2, settings.Seconds / 2));
        string where = $"{label}; {setup}";
        log.WriteLine($"    pipeline {pipeline:N0} evaluations/s at average batch {batch:0.0}, network alone {alone:N0}/s, ratio {pipeline / alone:0.00}, busy {busy:P0}");
        return
        [
            new(Name, $"{label}: pipeline", pipeline, "evaluations/s", where),
            new(Name, $"{label}: network alone at batch {size}", alone, "evaluations/s", $"{setup.Precision.ToString().ToLowerInvariant()}, one thread, same host buffers"),
            new(Name, $"{label}: pipeline / network alone", pipeline / alone, "ratio", "aim on a CPU ≥ 0.9"),
            new(Name, $"{label}: average batch", batch, "positions"),
            new(Name, $"{label}: network busy", busy, "share of wall time", "inference.busy: time at least one runner was inside the network"),
            new(Name, $"{label}: games", (games1 - games0) / seconds, "games/s"),
            new(Name, $"{label}: moves", (moves1 - moves0) / seconds, "positions/s", "moves played (training positions)"),
        ];
    }

    /// <summary>The served model alone: <paramref name="batch"/> rows of real-looking observations run again and again through
    /// one replica, in the setup's precision, with the same host buffers (pinned on CUDA) and copies as the pipeline, on a
    /// thread of its own as the service's runners are (libtorch ran about 10 times slower on this process's main thread).</summary>
    private static double NetworkAlone(IGame game, RunOptions options, byte[] weights, Device device, SelfPlaySetup setup, int batch, double seconds)
    {
        double rate = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { rate = NetworkAloneOnThisThread(game, options, weights, device, setup, batch, seconds); }
            catch (Exception e) { failure = e; }
        }) { Name = "network-alone" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"the network alone failed: {failure.Message}", failure);
        return rate;
    }

    private static double NetworkAloneOnThisThread(IGame game, RunOptions options, byte[] weights, Device device, SelfPlaySetup setup, int batch, double seconds)
    {
        var single = setup with { Runners = 1 };
        var model = Models.BatchModels(game, options.Network, weights, device, single, out _)[0];
        using (model)
        using (var host = new TensorHostBatch(batch, game.ObservationShape, game.NumActions, pinned: device.type == DeviceType.CUDA))
        {
            // Observations of positions from random playouts, so the input has the statistics of real positions.
            var rng = new Random(1);
            int size = game.ObservationShape.Size;
            for (int i = 0; i < batch; i++)
            {
                var state = game.NewInitialState();
                int plies = rng.Next(0, 20), legal = 0;
                var actions = new int[game.NumActions];
                for (int p = 0; p < plies && !state.IsTerminal && (legal = state.GetLegalActions(actions)) > 0; p++)
                    state = state.Apply(actions[rng.Next(legal)]);
                if (state.IsTerminal) state = game.NewInitialState();
                state.WriteObservation(host.Input.Slice(i * size, size));
            }
            for (int i = 0; i < 5; i++) model.Run(host, batch);
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
}
