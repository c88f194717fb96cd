using System.Collections.Concurrent;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

/// <summary>
/// The network as the inference service serves it (<see cref="TorchBatchModel"/> over <see cref="TensorHostBatch"/>):
/// the same answers as the network oracle in fp32, in either memory layout and through either kind of host buffer; half
/// precisions within a stated distance; the whole engine on a real network; and the same on CUDA where there is one.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TorchBatchModelTests
{
    private static readonly NetworkOptions Network = new() { Blocks = 2, Filters = 16, ValueHidden = 32 };

    /// <summary>Weights of a network whose running statistics moved away from (0, 1), so that folding them matters.</summary>
    private static byte[] TrainedWeights(IGame game, long seed)
    {
        torch.manual_seed(seed);
        using var net = Models.Create(game, Network, 0.5, CPU);
        var shape = game.ObservationShape;
        net.train();
        using (no_grad())
            for (int i = 0; i < 4; i++) net.call(torch.randn(32, shape.Planes, shape.Height, shape.Width) * 1.5 + 0.3);
        return Models.Save(net);
    }

    private static SelfPlaySetup Setup(InferencePrecision precision = InferencePrecision.Fp32, bool channelsLast = false, int runners = 1) =>
        new(Games: 8, Workers: 1, GroupsPerWorker: 2, LeavesPerGame: 1, MaxBatch: 64, Runners: runners, Buffers: runners + 2, TimeSpan.Zero, precision, channelsLast);

    /// <summary>The answers of <paramref name="model"/> for <paramref name="states"/> through a host buffer of the given kind.</summary>
    private static (float[] Priors, float[] Values) Answers(IBatchModel model, IGame game, IReadOnlyList<IGameState> states, HostBatch host)
    {
        int size = game.ObservationShape.Size, actions = game.NumActions, n = states.Count;
        for (int i = 0; i < n; i++) states[i].WriteObservation(host.Input.Slice(i * size, size));
        model.Run(host, n);
        return (host.Output[..(n * actions)].ToArray(), host.Output.Slice(n * actions, n).ToArray());
    }

    private static (float[] Priors, float[] Values) OracleAnswers(IGame game, byte[] weights, IReadOnlyList<IGameState> states, Device device)
    {
        var oracle = Models.InferenceOracle(game, Network, weights, device, out _);
        var priors = new float[states.Count * game.NumActions];
        var values = new float[states.Count];
        oracle.Evaluate(states.ToArray(), priors, values);
        return (priors, values);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    [Theory]
    [InlineData("tictactoe", false)]
    [InlineData("connect4", false)]
    [InlineData("connect4", true)]
    public void In_fp32_the_served_model_answers_as_the_network_oracle(string name, bool channelsLast)
    {
        var game = TestGames.ByName(name);
        var weights = TrainedWeights(game, 11);
        var states = TestGames.SomeStates(4, 40, game);
        var (priors, values) = OracleAnswers(game, weights, states, CPU);
        using var model = Models.BatchModels(game, Network, weights, CPU, Setup(channelsLast: channelsLast), out int fused)[0];
        Assert.Equal(2 * Network.Blocks + 3, fused);
        using var tensors = new TensorHostBatch(64, game.ObservationShape, game.NumActions, pinned: false);
        var viaTensors = Answers(model, game, states, tensors);
        Assert.True(MaxDifference(priors, viaTensors.Priors) < 1e-5, $"priors differ by {MaxDifference(priors, viaTensors.Priors):E2}");
        Assert.True(MaxDifference(values, viaTensors.Values) < 1e-5, $"values differ by {MaxDifference(values, viaTensors.Values):E2}");
        using var managed = new ManagedHostBatch(64, game.ObservationShape.Size, game.NumActions);
        var viaArrays = Answers(model, game, states, managed);
        Assert.Equal(viaTensors.Priors, viaArrays.Priors);
        Assert.Equal(viaTensors.Values, viaArrays.Values);
    }

    [Fact]
    public void A_tensor_host_batch_and_its_spans_are_the_same_memory()
    {
        var game = TestGames.ConnectFour;
        using var host = new TensorHostBatch(5, game.ObservationShape, game.NumActions, pinned: false);
        var shape = game.ObservationShape;
        Assert.Equal(new long[] { 5, shape.Planes, 6, 7 }, host.InputTensor.shape);
        Assert.Equal(5 * 8, host.OutputTensor.shape[0]);
        host.Input[7] = 2.5f;
        Assert.Equal(2.5f, host.InputTensor.flatten()[7].item<float>());
        using (no_grad()) host.OutputTensor[39] = torch.tensor(-1.25f);
        Assert.Equal(-1.25f, host.Output[39]);
    }

    [Theory]
    [InlineData(InferencePrecision.Bf16)]
    [InlineData(InferencePrecision.Fp16)]
    public void Half_precisions_stay_close_to_fp32_or_are_refused_with_the_reason(InferencePrecision precision)
    {
        var game = TestGames.ConnectFour;
        var weights = TrainedWeights(game, 12);
        var states = TestGames.SomeStates(5, 48, game);
        using var host = new TensorHostBatch(64, game.ObservationShape, game.NumActions, pinned: false);
        float[] exactPriors, exactValues;
        using (var exact = Models.BatchModels(game, Network, weights, CPU, Setup(), out _)[0])
            (exactPriors, exactValues) = Answers(exact, game, states, host);
        IBatchModel half;
        try { half = Models.BatchModels(game, Network, weights, CPU, Setup(precision), out _)[0]; }
        catch (InvalidDataException e)
        {
            // A libtorch without this precision's CPU kernels: the refusal names the option and the device.
            Assert.Contains("inference.precision", e.Message);
            Assert.Contains("CPU", e.Message);
            return;
        }
        using (half)
        {
            var (priors, values) = Answers(half, game, states, host);
            // bf16 keeps 8 bits of mantissa, fp16 11: a prior or value moves by a few hundredths at most on this network.
            Assert.True(MaxDifference(exactPriors, priors) < 0.05, $"{precision} priors differ from fp32 by {MaxDifference(exactPriors, priors):0.0000}");
            Assert.True(MaxDifference(exactValues, values) < 0.05, $"{precision} values differ from fp32 by {MaxDifference(exactValues, values):0.0000}");
            Assert.True(MaxDifference(exactPriors, priors) > 0, $"{precision} gave exactly the fp32 answers: the cast did not happen");
        }
    }

    [Fact]
    public void The_engine_plays_complete_games_on_a_real_network()
    {
        var game = TestGames.TicTacToe;
        var weights = TrainedWeights(game, 13);
        var setup = Setup(runners: 2);
        var finished = new ConcurrentQueue<GameRecord>();
        var failures = new ConcurrentQueue<Exception>();
        var changed = new ManualResetEventSlim();
        using (var service = Models.InferenceService(game, Network, weights, 3, CPU, setup))
        using (var engine = new SelfPlayEngine(game, service, setup.Engine(new SelfPlayOptions { Search = SelfPlayOptions.DefaultSearch with { Simulations = 16, TemperatureMoves = 2 } }, 1), 12,
                   g => { finished.Enqueue(g); changed.Set(); }, e => { failures.Enqueue(e); changed.Set(); }))
        {
            engine.Start();
            Await.Until(() => finished.Count >= 12 || !failures.IsEmpty, changed, "12 games");
        }
        Assert.Empty(failures);
        foreach (var g in finished)
        {
            g.Validate(game.NumActions, game.NumPlayers);
            Assert.Equal(3, g.ModelVersion);
        }
    }

    [CudaFact]
    public void On_cuda_pinned_batches_answer_as_the_cpu_does_and_bf16_stays_close()
    {
        var game = TestGames.ConnectFour;
        var weights = TrainedWeights(game, 14);
        var states = TestGames.SomeStates(6, 64, game);
        using var cpuHost = new TensorHostBatch(64, game.ObservationShape, game.NumActions, pinned: false);
        using var pinned = new TensorHostBatch(64, game.ObservationShape, game.NumActions, pinned: true);
        Assert.True(pinned.InputTensor.is_pinned());
        float[] cpuPriors, cpuValues;
        using (var cpu = Models.BatchModels(game, Network, weights, CPU, Setup(), out _)[0]) (cpuPriors, cpuValues) = Answers(cpu, game, states, cpuHost);
        foreach (var (precision, channelsLast, tolerance) in new[] { (InferencePrecision.Fp32, false, 2e-3), (InferencePrecision.Bf16, false, 0.05), (InferencePrecision.Bf16, true, 0.05), (InferencePrecision.Fp16, true, 0.05) })
        {
            using var model = Models.BatchModels(game, Network, weights, CUDA, Setup(precision, channelsLast), out _)[0];
            var (priors, values) = Answers(model, game, states, pinned);
            Assert.True(MaxDifference(cpuPriors, priors) < tolerance, $"{precision} (channels-last {channelsLast}) priors differ by {MaxDifference(cpuPriors, priors):0.00000}");
            Assert.True(MaxDifference(cpuValues, values) < tolerance, $"{precision} (channels-last {channelsLast}) values differ by {MaxDifference(cpuValues, values):0.00000}");
        }
    }

    [CudaFact]
    public void On_cuda_the_engine_plays_complete_games_with_two_runners()
    {
        var game = TestGames.ConnectFour;
        var weights = TrainedWeights(game, 15);
        var setup = Setup(InferencePrecision.Bf16, channelsLast: false, runners: 2);
        var finished = new ConcurrentQueue<GameRecord>();
        var failures = new ConcurrentQueue<Exception>();
        var changed = new ManualResetEventSlim();
        using (var service = Models.InferenceService(game, Network, weights, 1, CUDA, setup))
        using (var engine = new SelfPlayEngine(game, service, setup.Engine(new SelfPlayOptions { Search = SelfPlayOptions.DefaultSearch with { Simulations = 32 } }, 1), 24,
                   g => { finished.Enqueue(g); changed.Set(); }, e => { failures.Enqueue(e); changed.Set(); }))
        {
            engine.Start();
            Await.Until(() => finished.Count >= 24 || !failures.IsEmpty, changed, "24 games on CUDA", seconds: 300);
        }
        Assert.Empty(failures);
        Assert.All(finished, g => g.Validate(game.NumActions, game.NumPlayers));
    }
}
