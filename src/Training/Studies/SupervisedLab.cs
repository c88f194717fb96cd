using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Studies;

/// <summary>A position with exact labels from a perfect solver: the optimal actions and the game-theoretic value.</summary>
/// <param name="State">The position (not terminal).</param>
/// <param name="OptimalActions">The optimal actions (at least one, all legal).</param>
/// <param name="Value">The value for the player to move with perfect play: +1 win, 0 draw, −1 loss.</param>
public sealed record LabelledExample(IGameState State, IReadOnlyList<int> OptimalActions, double Value);

/// <summary>
/// A labelled set encoded as tensors on the CPU: observations <c>[n, planes, h, w]</c>, policy targets (uniform over
/// the optimal actions) <c>[n, actions]</c>, value targets <c>[n]</c>, and masks of the optimal and the legal actions.
/// </summary>
public sealed class LabDataset : IDisposable
{
    private LabDataset(Tensor input, Tensor policy, Tensor value, Tensor optimal, Tensor legal)
    {
        Input = input; Policy = policy; Value = value; Optimal = optimal; Legal = legal;
    }

    /// <summary>Observations from the side to move.</summary>
    public Tensor Input { get; }

    /// <summary>Policy targets: 1/k on each of the k optimal actions.</summary>
    public Tensor Policy { get; }

    /// <summary>Value targets in [−1, 1].</summary>
    public Tensor Value { get; }

    /// <summary>Which actions are optimal (bool).</summary>
    public Tensor Optimal { get; }

    /// <summary>Which actions are legal (bool).</summary>
    public Tensor Legal { get; }

    /// <summary>Number of positions.</summary>
    public int Count => (int)Value.shape[0];

    /// <summary>Encodes <paramref name="examples"/> of <paramref name="game"/>.</summary>
    /// <exception cref="ArgumentException">The set is empty, or a position is terminal, has no optimal action, an
    /// illegal optimal action or a value outside [−1, 1].</exception>
    public static LabDataset Encode(IGame game, IReadOnlyList<LabelledExample> examples)
    {
        ArgumentNullException.ThrowIfNull(game);
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) throw new ArgumentException("a labelled set needs at least one position", nameof(examples));
        var shape = game.ObservationShape;
        int n = examples.Count, actions = game.NumActions;
        var input = new float[n * shape.Size];
        var policy = new float[n * actions];
        var value = new float[n];
        var optimal = new bool[n * actions];
        var legal = new bool[n * actions];
        for (int i = 0; i < n; i++)
        {
            var e = examples[i];
            if (e.State.IsTerminal) throw new ArgumentException($"labelled position {i} is terminal", nameof(examples));
            if (e.OptimalActions.Count == 0) throw new ArgumentException($"labelled position {i} has no optimal action", nameof(examples));
            if (!(e.Value is >= -1 and <= 1)) throw new ArgumentException($"labelled position {i} has value {e.Value}, outside [-1, 1]", nameof(examples));
            e.State.WriteObservation(input.AsSpan(i * shape.Size, shape.Size));
            e.State.GetLegalMask(legal.AsSpan(i * actions, actions));
            foreach (int a in e.OptimalActions)
            {
                if (a < 0 || a >= actions || !legal[i * actions + a])
                    throw new ArgumentException($"labelled position {i}: optimal action {a} is not legal", nameof(examples));
                optimal[i * actions + a] = true;
                policy[i * actions + a] = 1f / e.OptimalActions.Count;
            }
            value[i] = (float)e.Value;
        }
        return new LabDataset(
            tensor(input, [n, shape.Planes, shape.Height, shape.Width]), tensor(policy, [n, actions]), tensor(value, [n]),
            tensor(optimal, [n, actions]), tensor(legal, [n, actions]));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Input.Dispose(); Policy.Dispose(); Value.Dispose(); Optimal.Dispose(); Legal.Dispose();
    }
}

/// <summary>How one supervised training run of <see cref="SupervisedLab"/> is set up.</summary>
public sealed record LabRunOptions
{
    /// <summary>The network (default: 2 residual blocks of 32 filters, sized for Connect Four by the caller).</summary>
    public required ResidualNetworkShape Shape { get; init; }

    /// <summary>The normalization layer (default: the BatchNorm library).</summary>
    public NormalizationLayer Layer { get; init; } = NormalizationLayer.Library;

    /// <summary>Groups of Group Normalization.</summary>
    public int Groups { get; init; } = 8;

    /// <summary>BatchNorm options of every layer (Ghost BN's group size is the normalization batch).</summary>
    public BatchNormOptions BatchNorm { get; init; } = new();

    /// <summary>The SGD batch: positions per optimiser step, one forward.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>SGD learning rate; divided by 10 for the last quarter of the steps.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 penalty on convolution and linear weights.</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Evaluate every this many steps (0: only after the last).</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Training positions Precise BN sees, in batches of <see cref="BatchSize"/> (so Ghost BN's groups are the
    /// training ones); at most the training set.</summary>
    public int PreciseSamples { get; init; } = 4096;

    /// <summary>Seed of the initialisation and of the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Shape);
        Shape.Validate();
        BatchNorm.Validate();
        if (BatchSize < 2) throw new ArgumentException($"{nameof(BatchSize)} must be at least 2, got {BatchSize}");
        if (Steps < 1) throw new ArgumentException($"{nameof(Steps)} must be at least 1, got {Steps}");
        if (!(LearningRate > 0)) throw new ArgumentException($"{nameof(LearningRate)} must be positive, got {LearningRate}");
        if (!(Momentum is >= 0 and < 1)) throw new ArgumentException($"{nameof(Momentum)} must be in [0, 1), got {Momentum}");
        if (!(L2 >= 0)) throw new ArgumentException($"{nameof(L2)} must be at least 0, got {L2}");
        if (EvaluateEvery < 0) throw new ArgumentException($"{nameof(EvaluateEvery)} must be at least 0, got {EvaluateEvery}");
        if (PreciseSamples < BatchSize) throw new ArgumentException($"{nameof(PreciseSamples)} must be at least one batch ({BatchSize}), got {PreciseSamples}");
        if (BatchNorm.BatchStatistics == BatchStatistics.Ghost && BatchSize % BatchNorm.GhostBatchSize != 0)
            throw new ArgumentException($"the SGD batch {BatchSize} must be a multiple of Ghost BN's group size {BatchNorm.GhostBatchSize}");
    }
}

/// <summary>Validation results of one network state.</summary>
/// <param name="Error">Share of positions whose highest legal policy logit is not an optimal action.</param>
/// <param name="Loss">Policy cross-entropy against the optimal-move target plus value mean squared error.</param>
public readonly record struct LabScore(double Error, double Loss);

/// <summary>One evaluation during a run.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TrainLoss">Mean training loss (policy + value, no L2) since the previous evaluation.</param>
/// <param name="Ema">The network in eval mode with its running (EMA) statistics; for a network without BatchNorm, its only state.</param>
/// <param name="Precise">The same weights with precise statistics (<see cref="LabRunOptions.PreciseSamples"/>); equal to
/// <paramref name="Ema"/> for a network without BatchNorm.</param>
/// <param name="MeanGap">The EMA statistics' mean gap from the precise ones (σ units, averaged over layers); null without BatchNorm.</param>
/// <param name="LogVarianceGap">The same for log-variances; null without BatchNorm.</param>
public sealed record LabPoint(long Step, double TrainLoss, LabScore Ema, LabScore Precise, double? MeanGap, double? LogVarianceGap);

/// <summary>A finished run: its evaluations (the last one after the last step) and its duration.</summary>
public sealed record LabRunResult(IReadOnlyList<LabPoint> Points, double Seconds)
{
    /// <summary>The evaluation after the last step.</summary>
    public LabPoint Final => Points[^1];
}

/// <summary>
/// A supervised BatchNorm laboratory: trains a <see cref="ResidualNetwork"/> on a fixed solver-labelled set and measures
/// validation error with the EMA statistics and with precise ones, so that normalization choices (Ghost BN's group size,
/// Batch Renorm, Group/Layer Normalization, none, the EMA decay) compare on a task with exact labels and no self-play noise.
/// Deterministic for a seed on one device and thread count. Runs on the CPU tensors of the datasets' device.
/// </summary>
public static class SupervisedLab
{
    /// <summary>Trains one network from scratch and evaluates it.</summary>
    /// <param name="options">The run.</param>
    /// <param name="train">Training positions (at least one batch).</param>
    /// <param name="validation">Held-out positions.</param>
    /// <param name="progress">Receives each evaluation as it is made.</param>
    /// <param name="cancel">Stops the run between steps.</param>
    /// <param name="trained">Receives the trained network (eval mode, precise statistics written when it has BatchNorm)
    /// before it is disposed.</param>
    public static LabRunResult Run(LabRunOptions options, LabDataset train, LabDataset validation,
        IProgress<LabPoint>? progress = null, CancellationToken cancel = default, Action<ResidualNetwork>? trained = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        options.Validate();
        if (train.Count < options.BatchSize)
            throw new ArgumentException($"the training set has {train.Count} positions, fewer than one batch of {options.BatchSize}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        random.manual_seed(options.Seed);
        using var network = new ResidualNetwork(options.Shape, options.BatchNorm, options.Layer, options.Groups);
        var parameters = network.parameters().ToList();
        var decayed = network.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => p.parameter).ToArray();
        using var optimizer = optim.SGD(parameters, options.LearningRate, options.Momentum);
        var order = new Random(options.Seed);
        var permutation = Enumerable.Range(0, train.Count).ToArray();
        int cursor = train.Count; // forces a shuffle before the first batch
        var points = new List<LabPoint>();
        double lossSum = 0; int lossSteps = 0;
        for (int step = 1; step <= options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            if (cursor + options.BatchSize > train.Count) { order.Shuffle(permutation); cursor = 0; }
            double rate = step > options.Steps * 3 / 4 ? options.LearningRate / 10 : options.LearningRate;
            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
            using (NewDisposeScope())
            {
                network.train();
                optimizer.zero_grad();
                var index = tensor(permutation.AsSpan(cursor, options.BatchSize).ToArray().Select(i => (long)i).ToArray());
                cursor += options.BatchSize;
                var (policyLoss, valueLoss) = Losses(network, train, index);
                var loss = policyLoss + valueLoss;
                var total = options.L2 > 0 ? loss + stack(decayed.Select(w => w.square().sum())).sum() * options.L2 : loss;
                total.backward();
                optimizer.step();
                lossSum += loss.item<float>(); lossSteps++;
            }
            if (step == options.Steps || (options.EvaluateEvery > 0 && step % options.EvaluateEvery == 0))
            {
                var point = Evaluate(network, options, train, validation, step, lossSum / lossSteps, order);
                lossSum = 0; lossSteps = 0;
                points.Add(point);
                progress?.Report(point);
            }
        }
        if (trained is not null)
        {
            if (FrozenBatchNorm.NamedLayers(network).Any()) PreciseBatchNorm.Update(network, PreciseBatches(train, options, order), b => Forward(network, b));
            network.eval();
            trained(network);
        }
        return new LabRunResult(points, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Validation error and loss of <paramref name="network"/> as it stands, in eval mode (its mode is restored).</summary>
    public static LabScore Score(ResidualNetwork network, LabDataset data, int chunk = 1024)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = network.training;
        network.eval();
        try
        {
            using var noGrad = no_grad();
            double wrong = 0, loss = 0;
            for (int start = 0; start < data.Count; start += chunk)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(chunk, data.Count - start);
                var index = arange(start, start + n, dtype: ScalarType.Int64);
                var (logits, value) = network.call(data.Input.index_select(0, index));
                var legal = data.Legal.index_select(0, index);
                var masked = logits.masked_fill(legal.logical_not(), float.NegativeInfinity);
                var choice = masked.argmax(1, keepdim: true);
                var hit = data.Optimal.index_select(0, index).gather(1, choice);
                wrong += n - hit.sum().item<long>();
                var policy = -(data.Policy.index_select(0, index) * nn.functional.log_softmax(logits, 1)).sum(1).sum();
                var valueLoss = (value - data.Value.index_select(0, index)).square().sum();
                loss += (policy + valueLoss).item<float>();
            }
            return new LabScore(wrong / data.Count, loss / data.Count);
        }
        finally
        {
            if (wasTraining) network.train();
        }
    }

    /// <summary>Mean policy cross-entropy and value squared error of the rows <paramref name="index"/> (training mode as set).</summary>
    private static (Tensor Policy, Tensor Value) Losses(ResidualNetwork network, LabDataset data, Tensor index)
    {
        var (logits, value) = network.call(data.Input.index_select(0, index));
        var policy = -(data.Policy.index_select(0, index) * nn.functional.log_softmax(logits, 1)).sum(1).mean();
        var valueLoss = (value - data.Value.index_select(0, index)).square().mean();
        return (policy, valueLoss);
    }

    private static LabPoint Evaluate(ResidualNetwork network, LabRunOptions options, LabDataset train, LabDataset validation,
        long step, double trainLoss, Random order)
    {
        var ema = Score(network, validation);
        if (!FrozenBatchNorm.NamedLayers(network).Any()) return new LabPoint(step, trainLoss, ema, ema, null, null);
        var precise = PreciseBatchNorm.Compute(network, PreciseBatches(train, options, order), b => Forward(network, b));
        var gaps = Staleness.Measure(precise);
        using var saved = BufferSnapshot.Take(network);
        try
        {
            precise.WriteTo();
            var withPrecise = Score(network, validation);
            return new LabPoint(step, trainLoss, ema, withPrecise, gaps.MeanGap, gaps.LogVarianceGap);
        }
        finally
        {
            saved.Restore();
        }
    }

    /// <summary>
    /// How many samples Precise BN needs: for each count in <paramref name="samples"/>, <paramref name="repeats"/> estimates
    /// from that many random training positions (in batches of <paramref name="batchSize"/>), each compared with the reference
    /// estimate from the whole training set (mean and log-variance gaps, as the staleness meter measures them) and scored on
    /// <paramref name="validation"/> with the estimate written in. The network's statistics are restored afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The network has no BatchNorm layer, a count is not a positive multiple of
    /// <paramref name="batchSize"/>, or exceeds the training set.</exception>
    public static IReadOnlyList<SamplesPoint> PreciseSamplesCurve(ResidualNetwork network, LabDataset train, LabDataset validation,
        IReadOnlyList<int> samples, int batchSize, int repeats, int seed, IProgress<SamplesPoint>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(samples);
        if (!FrozenBatchNorm.NamedLayers(network).Any()) throw new ArgumentException("the network has no BatchNorm layer: there is nothing to estimate");
        if (batchSize < 2) throw new ArgumentException($"the batch size must be at least 2, got {batchSize}");
        if (repeats < 1) throw new ArgumentException($"repeats must be at least 1, got {repeats}");
        foreach (int k in samples)
            if (k < batchSize || k % batchSize != 0 || k > train.Count)
                throw new ArgumentException($"a sample count must be a multiple of the batch {batchSize} and at most the {train.Count} training positions, got {k}");
        using var saved = BufferSnapshot.Take(network);
        var order = new Random(seed);
        try
        {
            PreciseBatchNorm.Update(network, Batches(train, train.Count / batchSize * batchSize, batchSize, order), b => Forward(network, b));
            using var reference = BufferSnapshot.Take(network);
            var points = new List<SamplesPoint>();
            foreach (int k in samples)
                for (int r = 0; r < repeats; r++)
                {
                    var estimate = PreciseBatchNorm.Compute(network, Batches(train, k, batchSize, order), b => Forward(network, b));
                    var gaps = Staleness.Measure(estimate); // the layers hold the reference: the estimate's distance from it
                    estimate.WriteTo();
                    var point = new SamplesPoint(k, r, gaps.MeanGap, gaps.LogVarianceGap, Score(network, validation));
                    reference.Restore();
                    points.Add(point);
                    progress?.Report(point);
                }
            return points;
        }
        finally
        {
            saved.Restore();
        }
    }

    /// <summary>A copy of every buffer of a network (BatchNorm's running statistics and counters), to write back later.</summary>
    private sealed class BufferSnapshot : IDisposable
    {
        private readonly List<(Tensor Buffer, Tensor Copy)> _buffers;

        private BufferSnapshot(List<(Tensor, Tensor)> buffers) => _buffers = buffers;

        public static BufferSnapshot Take(nn.Module network) =>
            new([.. network.named_buffers().Select(b => (b.buffer, b.buffer.detach().clone()))]);

        /// <summary>Writes the copies back into the network's buffers (the snapshot stays usable).</summary>
        public void Restore()
        {
            using var noGrad = no_grad();
            foreach (var (buffer, copy) in _buffers) buffer.copy_(copy);
        }

        public void Dispose()
        {
            foreach (var (_, copy) in _buffers) copy.Dispose();
        }
    }

    private static void Forward(ResidualNetwork network, Tensor batch)
    {
        using (batch) network.call(batch);
    }

    /// <summary>Random training batches of <see cref="LabRunOptions.BatchSize"/>, <see cref="LabRunOptions.PreciseSamples"/>
    /// positions in all (at most the training set), without repetition.</summary>
    private static IEnumerable<Tensor> PreciseBatches(LabDataset train, LabRunOptions options, Random order) =>
        Batches(train, Math.Min(options.PreciseSamples, train.Count) / options.BatchSize * options.BatchSize, options.BatchSize, order);

    /// <summary><paramref name="count"/> random training positions without repetition, in batches of <paramref name="batchSize"/>.</summary>
    private static IEnumerable<Tensor> Batches(LabDataset train, int count, int batchSize, Random order)
    {
        var rows = Enumerable.Range(0, train.Count).ToArray();
        order.Shuffle(rows);
        for (int start = 0; start + batchSize <= count; start += batchSize)
        {
            using var index = tensor(rows.AsSpan(start, batchSize).ToArray().Select(i => (long)i).ToArray());
            yield return train.Input.index_select(0, index);
        }
    }
}

/// <summary>One estimate of <see cref="SupervisedLab.PreciseSamplesCurve"/>.</summary>
/// <param name="Samples">Training positions the estimate saw.</param>
/// <param name="Repeat">Which repetition (a different random draw each).</param>
/// <param name="MeanGap">Mean gap from the whole-set estimate, σ units, averaged over layers.</param>
/// <param name="LogVarianceGap">Log-variance gap from the whole-set estimate, averaged over layers.</param>
/// <param name="Score">Validation error and loss with this estimate.</param>
public sealed record SamplesPoint(int Samples, int Repeat, double MeanGap, double LogVarianceGap, LabScore Score);
