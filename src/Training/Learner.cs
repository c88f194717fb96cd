using MessagePack;
using SelfPlayBN.Games;
using SelfPlayBN.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>The loss terms of one optimiser step (means over its positions).</summary>
/// <param name="Step">The optimiser step this was (1 for the first).</param>
/// <param name="Policy">Policy cross-entropy −Σ π·log p.</param>
/// <param name="Value">Value mean squared error (z − v)².</param>
/// <param name="L2">c·Σw² over convolution and linear weights.</param>
/// <param name="LearningRate">The learning rate of the step.</param>
public sealed record LossReport(long Step, double Policy, double Value, double L2, double LearningRate)
{
    /// <summary>Policy + value + L2.</summary>
    public double Total => Policy + Value + L2;
}

/// <summary>Loss terms averaged over a generation's steps (recorded with each published model and sent with the
/// trainer's snapshot).</summary>
/// <param name="Policy">Policy cross-entropy.</param>
/// <param name="Value">Value MSE.</param>
/// <param name="L2">L2 penalty.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Steps">Optimiser steps so far (all generations).</param>
[MessagePackObject]
public sealed record LossSummary([property: Key(0)] double Policy, [property: Key(1)] double Value, [property: Key(2)] double L2,
    [property: Key(3)] double LearningRate, [property: Key(4)] long Steps);

/// <summary>
/// Turns replay positions into tensors: replays the game's actions up to the position, writes the observation
/// from the side to move, optionally applies a random symmetry of the game to observation and policy target, and
/// takes the value target as the final return <c>z</c> of the player to move, or, with a mix <c>m</c> &gt; 0, as
/// <c>(1 − m)·z + m·q</c> with <c>q</c> the search's root value at that move (<see cref="GameRecord.RootValues"/>; records
/// without them use <c>z</c>).
/// </summary>
/// <param name="game">The game.</param>
/// <param name="valueTargetMix">The weight <c>m</c> of the root value in the value target, in <c>[0, 1]</c>.</param>
public sealed class PositionEncoder(IGame game, double valueTargetMix = 0)
{
    /// <summary>The game.</summary>
    public IGame Game { get; } = game;

    /// <summary>The weight of the search's root value in the value target (0: the game's result alone).</summary>
    public double ValueTargetMix { get; } = valueTargetMix is >= 0 and <= 1 ? valueTargetMix
        : throw new ArgumentOutOfRangeException(nameof(valueTargetMix), valueTargetMix, "the value target mix must be in [0, 1]");

    /// <summary>The state before move <paramref name="ply"/> of <paramref name="record"/>.</summary>
    public IGameState StateAt(GameRecord record, int ply)
    {
        var state = Game.NewInitialState();
        for (int i = 0; i < ply; i++) state = state.Apply(record.Actions[i]);
        return state;
    }

    /// <summary>Input <c>[n, planes, h, w]</c>, policy targets <c>[n, actions]</c> and value targets <c>[n]</c> on the CPU.</summary>
    public (Tensor Input, Tensor Policy, Tensor Value) Encode(IReadOnlyList<ReplayPosition> positions, Random? augment)
    {
        var shape = Game.ObservationShape;
        int n = positions.Count, actions = Game.NumActions;
        var input = new float[n * shape.Size];
        var policy = new float[n * actions];
        var value = new float[n];
        var scratch = new float[shape.Size];
        for (int i = 0; i < n; i++)
        {
            var (record, ply) = positions[i];
            var state = StateAt(record, ply);
            var target = record.Policies[ply];
            var symmetry = augment is null ? Game.Symmetries[0] : Game.Symmetries[augment.Next(Game.Symmetries.Count)];
            state.WriteObservation(scratch);
            symmetry.TransformObservation(scratch, input.AsSpan(i * shape.Size, shape.Size), shape);
            symmetry.TransformPolicy<float>(target, policy.AsSpan(i * actions, actions));
            double z = record.Returns[state.CurrentPlayer];
            value[i] = (float)(ValueTargetMix > 0 && record.RootValues is { } q ? (1 - ValueTargetMix) * z + ValueTargetMix * q[ply] : z);
        }
        return (tensor(input, [n, shape.Planes, shape.Height, shape.Width]), tensor(policy, [n, actions]), tensor(value, [n]));
    }
}

/// <summary>
/// The learning step of AlphaZero: loss = policy cross-entropy + value MSE + L2, minimised by SGD with momentum or
/// Adam under a piecewise-constant learning-rate schedule. Gradient accumulation runs
/// <see cref="TrainerOptions.Accumulation"/> forward/backward passes of <see cref="TrainerOptions.BatchSize"/> positions
/// per optimiser step: the SGD batch grows, the normalization batch (what BatchNorm sees) does not.
/// </summary>
/// <remarks>Not thread-safe. The network is trained in place on <see cref="Device"/>.</remarks>
public sealed class Learner : IDisposable
{
    private readonly TrainerOptions _options;
    private readonly PositionEncoder _encoder;
    private readonly optim.Optimizer _optimizer;
    private readonly Parameter[] _decayed;

    /// <summary>Creates the learner for <paramref name="network"/> (already on <paramref name="device"/>).</summary>
    public Learner(IGame game, ResidualNetwork network, TrainerOptions options, Device device)
    {
        _options = options;
        _encoder = new PositionEncoder(game, options.ValueTargetMix);
        Network = network;
        Device = device;
        var parameters = network.parameters().ToList();
        _optimizer = options.Optimizer == OptimizerKind.Sgd
            ? optim.SGD(parameters, options.RateAt(0), options.Momentum)
            : optim.Adam(parameters, options.RateAt(0));
        // L2 on convolution and linear weights (dimension ≥ 2), not on biases or BatchNorm's γ, β.
        _decayed = network.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => p.parameter).ToArray();
    }

    /// <summary>The network being trained.</summary>
    public ResidualNetwork Network { get; }

    /// <summary>Where the network lives.</summary>
    public Device Device { get; }

    /// <summary>Optimiser steps taken (restored by <see cref="LoadOptimizer"/>).</summary>
    public long Steps { get; set; }

    /// <summary>A factor on the schedule's learning rate (<see cref="LearningRateAnneal"/>); 1 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in (0, 1].</exception>
    public double RateFactor
    {
        get => _rateFactor;
        set => _rateFactor = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the rate factor must be in (0, 1]");
    }

    private double _rateFactor = 1;

    /// <summary>The encoder of training positions.</summary>
    public PositionEncoder Encoder => _encoder;

    /// <summary>One optimiser step over <see cref="TrainerOptions.Accumulation"/> batches of positions.</summary>
    /// <exception cref="InvalidOperationException">The loss is not finite (the optimiser does not step).</exception>
    /// <param name="batches">Exactly <c>Accumulation</c> batches, each of at least two positions.</param>
    /// <param name="rng">Chooses the symmetries (when augmenting).</param>
    public LossReport Step(IReadOnlyList<IReadOnlyList<ReplayPosition>> batches, Random rng)
    {
        if (batches.Count != _options.Accumulation)
            throw new ArgumentException($"expected {_options.Accumulation} batches (trainer.accumulation), got {batches.Count}");
        double rate = _options.RateAt(Steps) * _rateFactor;
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;
        Network.train();
        _optimizer.zero_grad();
        double policySum = 0, valueSum = 0, l2 = 0;
        long positions = batches.Sum(b => (long)b.Count);
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var (input, policyTarget, valueTarget) = _encoder.Encode(batch, _options.Augment ? rng : null);
            var (logits, value) = Network.call(input.to(Device));
            var policyLoss = -(policyTarget.to(Device) * nn.functional.log_softmax(logits, 1)).sum(1).sum();
            var valueLoss = (value - valueTarget.to(Device)).square().sum();
            // Each batch contributes its share of the mean over all positions of the step.
            ((policyLoss + valueLoss) / positions).backward();
            policySum += policyLoss.item<float>();
            valueSum += valueLoss.item<float>();
        }
        if (_options.L2 > 0)
        {
            using var scope = NewDisposeScope();
            var penalty = stack(_decayed.Select(w => w.square().sum())).sum() * _options.L2;
            penalty.backward();
            l2 = penalty.item<float>();
        }
        if (!double.IsFinite(policySum) || !double.IsFinite(valueSum) || !double.IsFinite(l2))
        {
            var c = System.Globalization.CultureInfo.InvariantCulture;
            throw new InvalidOperationException(
                $"training step {Steps + 1}: the loss is not finite (policy {(policySum / positions).ToString(c)}, value {(valueSum / positions).ToString(c)}, " +
                $"L2 {l2.ToString(c)}), so the optimiser did not step: the training diverged (try a lower trainer.learningRate) or libtorch's CPU " +
                "kernels miscompute on this processor (try ONEDNN_MAX_CPU_ISA=SSE41)");
        }
        _optimizer.step();
        Steps++;
        return new LossReport(Steps, policySum / positions, valueSum / positions, l2, rate);
    }

    /// <summary>Positions one generation trains on: <c>stepsPerGeneration × accumulation × batchSize</c>.</summary>
    public int PositionsPerGeneration => _options.StepsPerGeneration * _options.Accumulation * _options.BatchSize;

    /// <summary>One generation: <c>stepsPerGeneration</c> optimiser steps over <paramref name="positions"/> in order
    /// (<see cref="PositionsPerGeneration"/> of them, sampled by the caller), each step taking the next
    /// <c>accumulation</c> batches of <c>batchSize</c>. Returns the losses averaged over the steps.</summary>
    /// <param name="positions">Exactly <see cref="PositionsPerGeneration"/> positions.</param>
    /// <param name="rng">Chooses the symmetries (when augmenting).</param>
    /// <param name="cancel">Checked before each step: a cancelled generation stops part way (the caller drops it).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired.</exception>
    public LossSummary TrainGeneration(IReadOnlyList<ReplayPosition> positions, Random rng, CancellationToken cancel = default)
    {
        if (positions.Count != PositionsPerGeneration)
            throw new ArgumentException($"a generation trains on {PositionsPerGeneration} positions (steps x accumulation x batch size), got {positions.Count}");
        var all = positions as ReplayPosition[] ?? positions.ToArray();
        int b = _options.BatchSize, a = _options.Accumulation, n = _options.StepsPerGeneration;
        double policy = 0, value = 0, l2 = 0, rate = 0;
        for (int step = 0; step < n; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var batches = new List<IReadOnlyList<ReplayPosition>>(a);
            for (int k = 0; k < a; k++) batches.Add(new ArraySegment<ReplayPosition>(all, (step * a + k) * b, b));
            var report = Step(batches, rng);
            policy += report.Policy; value += report.Value; l2 += report.L2; rate = report.LearningRate;
        }
        return new LossSummary(policy / n, value / n, l2 / n, rate, Steps);
    }

    /// <summary>The trainer's checkpoint of this learner after <paramref name="generation"/> generations: the network's
    /// weights (EMA statistics included) and the optimiser's state.</summary>
    public TrainerCheckpoint Checkpoint(long generation)
    {
        using var optimizer = new MemoryStream();
        SaveOptimizer(optimizer);
        return new TrainerCheckpoint(generation, Models.Save(Network), optimizer.ToArray());
    }

    /// <summary>Restores the network and the optimiser from <paramref name="checkpoint"/>.</summary>
    public void Restore(TrainerCheckpoint checkpoint)
    {
        Models.Load(Network, checkpoint.Weights);
        using var stream = new MemoryStream(checkpoint.Optimizer);
        LoadOptimizer(stream);
    }

    /// <summary>Writes the optimiser state (momentum buffers, Adam moments) and the step count.</summary>
    public void SaveOptimizer(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Steps);
        ((OptimizerHelper)_optimizer).save_state_dict(writer);
    }

    /// <summary>Restores what <see cref="SaveOptimizer"/> wrote.</summary>
    public void LoadOptimizer(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        Steps = reader.ReadInt64();
        ((OptimizerHelper)_optimizer).load_state_dict(reader);
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
