using System.Collections.Concurrent;
using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

/// <summary>
/// A fake inner oracle: each row is derived from its state (value = key + offset, prior[a] = 16·key + a), so a
/// caller can tell its own rows from anyone else's; it records every batch's size and the thread that ran it, and
/// can hold a batch until released or fail one.
/// </summary>
internal sealed class KeyOracle(float offset = 0) : IOracle
{
    private readonly object _gate = new();
    public readonly List<int> BatchSizes = [];
    public readonly ManualResetEventSlim Entered = new();
    public ManualResetEventSlim? HoldFirstBatchUntil { get; init; }
    public int FailBatch { get; init; } = -1;
    public Action<int>? OnBatch { get; init; }
    public Thread? ServingThread { get; private set; }

    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        int batch;
        lock (_gate)
        {
            batch = BatchSizes.Count;
            BatchSizes.Add(states.Length);
            ServingThread = Thread.CurrentThread;
        }
        Entered.Set();
        if (batch == 0) HoldFirstBatchUntil?.Wait();
        OnBatch?.Invoke(batch);
        if (batch == FailBatch) throw new FakeFailure(batch);
        for (int i = 0; i < states.Length; i++) Write(states[i], priors.Slice(i * 9, 9), out values[i], offset);
    }

    public static void Write(IGameState s, Span<float> row, out float value, float offset)
    {
        int key = TestGames.Key(s);
        for (int a = 0; a < 9; a++) row[a] = key * 16 + a;
        value = key + offset;
    }
}

internal sealed class FakeFailure(int batch) : Exception($"fake failure of batch {batch}");

/// <summary>A thread that keeps what it threw (an assertion failing on a plain thread would end the test host).</summary>
internal sealed class Caller
{
    private readonly Thread _thread;
    private Exception? _error;

    private Caller(Action action) => _thread = new Thread(() =>
    {
        try { action(); }
        catch (Exception e) { _error = e; }
    });

    public static Caller Start(Action action)
    {
        var c = new Caller(action);
        c._thread.Start();
        return c;
    }

    public void Join() => _thread.Join();

    public void ThrowIfFailed()
    {
        if (_error is not null) throw new Xunit.Sdk.XunitException($"the caller thread failed: {_error}");
    }
}

public sealed class BatchingOracleTests
{
    private static readonly IGame Game = TestGames.TicTacToe;
    private static readonly List<IGameState> States = TestGames.SomeStates(1, 200);

    /// <summary>Evaluates <paramref name="states"/> and checks every row came from them, for the version that served the call.</summary>
    private static long EvaluateAndCheck(IOracle oracle, IGameState[] states, Func<long, float> offsetOfVersion)
    {
        var priors = new float[states.Length * 9];
        var values = new float[states.Length];
        oracle.Evaluate(states, priors, values);
        long version = BatchingOracle.LastVersionOnThisThread;
        var row = new float[9];
        for (int i = 0; i < states.Length; i++)
        {
            KeyOracle.Write(states[i], row, out float value, offsetOfVersion(version));
            Assert.Equal(row, priors.AsSpan(i * 9, 9).ToArray());
            Assert.Equal(value, values[i]);
        }
        return version;
    }

    private static IGameState[] Pick(Random rng, int n) => Enumerable.Range(0, n).Select(_ => States[rng.Next(States.Count)]).ToArray();

    [Fact]
    public void ConcurrentCallersGetTheirOwnRowsInBatchesNoLargerThanMax()
    {
        var inner = new KeyOracle();
        const int threads = 8, calls = 60, maxBatch = 4;
        long positions = 0;
        using (var batching = new BatchingOracle(Game, new ServedModel(inner, 5), maxBatch, TimeSpan.FromMilliseconds(1)))
        {
            using var start = new Barrier(threads);
            var errors = new ConcurrentQueue<Exception>();
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var rng = new Random(100 + t);
                start.SignalAndWait();
                try
                {
                    for (int c = 0; c < calls; c++)
                    {
                        var states = Pick(rng, 1 + rng.Next(maxBatch));
                        Interlocked.Add(ref positions, states.Length);
                        Assert.Equal(5, EvaluateAndCheck(batching, states, _ => 0));
                    }
                }
                catch (Exception e) { errors.Enqueue(e); }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            Assert.Empty(errors);
            var stats = batching.Statistics;
            Assert.Equal(threads * calls, stats.Requests);
            Assert.Equal(positions, stats.Positions);
            Assert.Equal(inner.BatchSizes.Count, stats.Batches);
        }
        Assert.Equal(positions, inner.BatchSizes.Sum());
        Assert.All(inner.BatchSizes, b => Assert.InRange(b, 1, maxBatch));
        Assert.Contains(inner.BatchSizes, b => b > 1); // requests of different callers were batched together
    }

    [Fact]
    public void RequestsThatWouldOverflowABatchWaitForTheNext()
    {
        // The first batch is held inside the inner oracle while two callers queue 3 positions each; maxBatch is 4,
        // so they must not share a batch (3 + 3 > 4).
        using var release = new ManualResetEventSlim();
        var inner = new KeyOracle { HoldFirstBatchUntil = release };
        using var batching = new BatchingOracle(Game, new ServedModel(inner, 1), 4, TimeSpan.FromMilliseconds(200));
        var first = Caller.Start(() => EvaluateAndCheck(batching, [States[0]], _ => 0));
        inner.Entered.Wait();
        using var ready = new CountdownEvent(2);
        var errors = new ConcurrentQueue<Exception>();
        var others = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            ready.Signal();
            try { EvaluateAndCheck(batching, States.Skip(10 + 3 * t).Take(3).ToArray(), _ => 0); }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToList();
        others.ForEach(o => o.Start());
        ready.Wait();
        release.Set();
        first.Join();
        first.ThrowIfFailed();
        others.ForEach(o => o.Join());
        Assert.Empty(errors);
        Assert.Equal([1, 3, 3], inner.BatchSizes);
    }

    [Fact]
    public void ARequestLargerThanMaxBatchIsServedWhole()
    {
        var inner = new KeyOracle();
        using var batching = new BatchingOracle(Game, new ServedModel(inner, 2), 4, TimeSpan.Zero);
        EvaluateAndCheck(batching, States.Take(7).ToArray(), _ => 0);
        Assert.Equal([7], inner.BatchSizes);
    }

    [Fact]
    public void ServeTakesEffectBetweenBatchesAndVersionIsReported()
    {
        using var release = new ManualResetEventSlim();
        var v1 = new KeyOracle(offset: 100_000) { HoldFirstBatchUntil = release };
        var v2 = new KeyOracle(offset: 200_000);
        using var batching = new BatchingOracle(Game, new ServedModel(v1, 1), 4, TimeSpan.Zero);
        Func<long, float> offset = v => v * 100_000;
        long version = -1;
        var caller = Caller.Start(() => version = EvaluateAndCheck(batching, [States[3]], offset));
        v1.Entered.Wait();
        // A switch while a batch runs leaves that batch to the old model.
        batching.Serve(new ServedModel(v2, 2));
        Assert.Equal(2, batching.Version);
        release.Set();
        caller.Join();
        caller.ThrowIfFailed();
        Assert.Equal(1, version);
        Assert.Equal(2, EvaluateAndCheck(batching, [States[4], States[5]], offset));
        Assert.Equal(2, BatchingOracle.LastVersionOnThisThread);
        Assert.Equal([1], v1.BatchSizes);
        Assert.Equal([2], v2.BatchSizes);
    }

    [Fact]
    public void EveryCallSeesRowsOfTheVersionItReportsWhileModelsSwitch()
    {
        const int threads = 6, calls = 60, versions = 6;
        var oracles = Enumerable.Range(0, versions + 1).Select(v => new KeyOracle(offset: v * 100_000)).ToArray();
        using var batching = new BatchingOracle(Game, new ServedModel(oracles[0], 0), 5, TimeSpan.FromMilliseconds(1));
        using var start = new Barrier(threads + 1);
        var errors = new ConcurrentQueue<Exception>();
        var seen = new ConcurrentDictionary<long, bool>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var rng = new Random(t);
            start.SignalAndWait();
            try
            {
                long last = 0;
                // Until the last version has been seen, so that every switch below happens.
                for (int c = 0; c < calls || last < versions; c++)
                {
                    long v = EvaluateAndCheck(batching, Pick(rng, 1 + rng.Next(3)), v => v * 100_000);
                    Assert.True(v >= last, "versions never go back");
                    last = v;
                    seen[v] = true;
                }
            }
            catch (Exception e) { errors.Enqueue(e); }
        })).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        // Switch models as batches complete (driven by the batches themselves, not by time).
        for (int v = 1; v <= versions; v++)
        {
            oracles[v - 1].Entered.Wait();
            batching.Serve(new ServedModel(oracles[v], v));
        }
        workers.ForEach(w => w.Join());
        Assert.Empty(errors);
        Assert.True(seen.ContainsKey(versions));
    }

    [Fact]
    public void InnerFailureReachesEveryCallerOfThatBatchAndServiceGoesOn()
    {
        using var release = new ManualResetEventSlim();
        var inner = new KeyOracle { HoldFirstBatchUntil = release, FailBatch = 1 };
        using var batching = new BatchingOracle(Game, new ServedModel(inner, 1), 8, TimeSpan.FromMilliseconds(200));
        var first = Caller.Start(() => EvaluateAndCheck(batching, [States[0]], _ => 0));
        inner.Entered.Wait();
        const int callers = 3;
        using var ready = new CountdownEvent(callers);
        var failed = new ConcurrentQueue<(int Positions, Exception Error)>();
        var succeeded = new ConcurrentQueue<int>();
        var others = Enumerable.Range(0, callers).Select(t => new Thread(() =>
        {
            var states = States.Skip(20 + 2 * t).Take(2).ToArray();
            ready.Signal();
            try { EvaluateAndCheck(batching, states, _ => 0); succeeded.Enqueue(states.Length); }
            catch (Exception e) { failed.Enqueue((states.Length, e)); }
        })).ToList();
        others.ForEach(o => o.Start());
        ready.Wait();
        release.Set();
        first.Join();
        first.ThrowIfFailed();
        others.ForEach(o => o.Join());

        Assert.NotEmpty(failed);
        // Exactly the callers of the failed batch failed, each with the inner exception.
        Assert.Equal(inner.BatchSizes[1], failed.Sum(f => f.Positions));
        Assert.All(failed, f => Assert.IsType<FakeFailure>(f.Error.InnerException));
        Assert.Equal(callers * 2, failed.Sum(f => f.Positions) + succeeded.Sum());
        // Later calls are served.
        EvaluateAndCheck(batching, [States[50], States[51]], _ => 0);
        Assert.Equal(1, BatchingOracle.LastVersionOnThisThread);
    }

    [Fact]
    public void DisposeStopsTheThread()
    {
        var inner = new KeyOracle();
        var batching = new BatchingOracle(Game, new ServedModel(inner, 1), 4, TimeSpan.Zero);
        EvaluateAndCheck(batching, [States[0]], _ => 0);
        var thread = inner.ServingThread!;
        Assert.NotSame(Thread.CurrentThread, thread);
        batching.Dispose();
        Assert.False(thread.IsAlive);
        Assert.Throws<ObjectDisposedException>(() => batching.Evaluate([States[1]], new float[9], new float[1]));
        batching.Dispose(); // a second Dispose is harmless
    }
}
