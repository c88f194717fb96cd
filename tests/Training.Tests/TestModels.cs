using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

/// <summary>
/// A deterministic stand-in for a network that sees only observations, as a real one does: the answers of a row are a
/// function of its observation floats (prior[a] = 1 + ((a + 1)·s mod 7), value = tanh((s − 3.5)/4) with s a weighted sum
/// of the row). <see cref="ObservationOracle"/> computes the same from states, so the sequential search and the batched
/// pipeline can be compared exactly. Hooks let a test hold or fail a batch, and it records every batch's size.
/// </summary>
internal sealed class ObservationModel(int actions) : IBatchModel
{
    private readonly object _gate = new();
    public readonly List<int> BatchSizes = [];
    public readonly ManualResetEventSlim Entered = new();
    public ManualResetEventSlim? HoldFirstBatchUntil { get; init; }
    public int FailBatch { get; init; } = -1;
    /// <summary>Runs (counted from the first) whose last value is overwritten with NaN, as a miscomputing kernel would.</summary>
    public int NaNRuns { get; init; }
    public bool Disposed { get; private set; }

    public int Batches
    {
        get { lock (_gate) return BatchSizes.Count; }
    }

    public void Run(HostBatch batch, int count)
    {
        int index;
        lock (_gate)
        {
            index = BatchSizes.Count;
            BatchSizes.Add(count);
        }
        Entered.Set();
        if (index == 0) HoldFirstBatchUntil?.Wait();
        if (index == FailBatch) throw new FakeFailure(index);
        int size = batch.ObservationSize;
        var input = batch.Input;
        var output = batch.Output;
        for (int i = 0; i < count; i++)
            Answer(input.Slice(i * size, size), output.Slice(i * actions, actions), out output[count * actions + i]);
        if (index < NaNRuns) output[count * (actions + 1) - 1] = float.NaN;
    }

    public static void Answer(ReadOnlySpan<float> observation, Span<float> priors, out float value)
    {
        double s = 0;
        for (int k = 0; k < observation.Length; k++) s += observation[k] * (k % 5 + 1);
        for (int a = 0; a < priors.Length; a++) priors[a] = 1 + (float)((a + 1) * s % 7);
        value = (float)Math.Tanh((s - 3.5) / 4);
    }

    public void Dispose() => Disposed = true;
}

/// <summary>The answers of <see cref="ObservationModel"/>, computed from states (their observations) for the sequential search.</summary>
internal sealed class ObservationOracle : IOracle
{
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            var game = states[i].Game;
            var observation = new float[game.ObservationShape.Size];
            states[i].WriteObservation(observation);
            int a = game.NumActions;
            ObservationModel.Answer(observation, priors.Slice(i * a, a), out values[i]);
        }
    }
}

internal sealed class FakeFailure(int batch) : Exception($"fake failure of batch {batch}");

/// <summary>Waits for a condition that other threads make true, without sleeping: each check blocks on an event those threads set.</summary>
internal static class Await
{
    public static void Until(Func<bool> condition, ManualResetEventSlim changed, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            changed.Reset();
            if (condition()) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !changed.Wait(left)) Assert.Fail($"timed out waiting for {what}");
        }
    }
}
