using System.Collections.Concurrent;
using System.Diagnostics;
using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>The model an inference service serves: an oracle and the published version it belongs to.</summary>
/// <param name="Oracle">Evaluates batches (a <see cref="NetworkOracle"/> over the published, fused model).</param>
/// <param name="Version">The published model version (0: the initial model).</param>
public sealed record ServedModel(IOracle Oracle, long Version);

/// <summary>Counters of a <see cref="BatchingOracle"/> (a snapshot).</summary>
/// <param name="Batches">Batches run.</param>
/// <param name="Positions">Positions evaluated.</param>
/// <param name="Requests">Evaluate calls served.</param>
/// <param name="BusyTime">Time spent inside the served oracle.</param>
public sealed record BatchingStatistics(long Batches, long Positions, long Requests, TimeSpan BusyTime)
{
    /// <summary>Average positions per batch.</summary>
    public double AverageBatch => Batches == 0 ? 0 : (double)Positions / Batches;
}

/// <summary>
/// The one place where inference requests are batched: many searches (one per game, each on its own thread)
/// call <see cref="Evaluate"/>; a single inference thread gathers their states until <c>maxBatch</c> positions
/// are waiting or <c>maxWait</c> has passed since the first, runs the served oracle once on all of them, and hands
/// each caller its rows. <see cref="Serve"/> switches the model; the switch takes effect between batches.
/// </summary>
/// <remarks>Thread-safe. A failure of the served oracle is rethrown to every caller of that batch.</remarks>
public sealed class BatchingOracle : IOracle, IDisposable
{
    private readonly IGame _game;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly BlockingCollection<Request> _queue = new();
    private readonly Thread _thread;
    private volatile ServedModel _model;
    private long _batches, _positions, _requests, _busyTicks;
    private int _disposed;

    [ThreadStatic] private static long t_lastVersion;

    /// <summary>Starts the inference thread.</summary>
    /// <param name="game">The game of every state evaluated.</param>
    /// <param name="model">The model served first.</param>
    /// <param name="maxBatch">Most positions per batch. Requests are never split: one that would overflow a batch starts the
    /// next, and a single request larger than this is served whole, alone.</param>
    /// <param name="maxWait">Longest wait for more requests after the first of a batch arrives.</param>
    public BatchingOracle(IGame game, ServedModel model, int maxBatch, TimeSpan maxWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        if (maxWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxWait), maxWait, "must not be negative");
        _game = game;
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _maxBatch = maxBatch;
        _maxWait = maxWait;
        _thread = new Thread(Run) { IsBackground = true, Name = "inference" };
        _thread.Start();
    }

    /// <summary>The version of the model currently served.</summary>
    public long Version => _model.Version;

    /// <summary>The model version that served this thread's last <see cref="Evaluate"/> call.</summary>
    public static long LastVersionOnThisThread => t_lastVersion;

    /// <summary>Serves <paramref name="model"/> from the next batch on.</summary>
    public void Serve(ServedModel model) => _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Counters so far.</summary>
    public BatchingStatistics Statistics => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _positions),
        Interlocked.Read(ref _requests), TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks)));

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        if (states.Length == 0) return;
        var request = new Request(states.ToArray());
        try { _queue.Add(request); }
        catch (InvalidOperationException) { throw new ObjectDisposedException(nameof(BatchingOracle), "the inference service has stopped"); }
        request.Done.Wait();
        request.Done.Dispose();
        if (request.Failure is { } failure) throw new InvalidOperationException($"inference failed: {failure.Message}", failure);
        request.Priors.AsSpan().CopyTo(priors);
        request.Values.AsSpan().CopyTo(values);
        t_lastVersion = request.Version;
    }

    private void Run()
    {
        var pending = new List<Request>();
        int actions = _game.NumActions;
        Request? carried = null; // taken from the queue but too large for the batch it came to: it starts the next one
        while (true)
        {
            var first = carried;
            carried = null;
            if (first is null && !_queue.TryTake(out first, Timeout.Infinite)) break; // completed and empty
            pending.Clear();
            pending.Add(first);
            int count = first.States.Length;
            var deadline = Stopwatch.GetTimestamp() + (long)(_maxWait.TotalSeconds * Stopwatch.Frequency);
            while (count < _maxBatch)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || !_queue.TryTake(out var next, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency))) break;
                if (count + next.States.Length > _maxBatch) { carried = next; break; }
                pending.Add(next);
                count += next.States.Length;
            }
            var model = _model;
            var states = new IGameState[count];
            int offset = 0;
            foreach (var r in pending) { r.States.CopyTo(states, offset); offset += r.States.Length; }
            var priors = new float[count * actions];
            var values = new float[count];
            Exception? failure = null;
            long start = Stopwatch.GetTimestamp();
            try { model.Oracle.Evaluate(states, priors, values); }
            catch (Exception e) { failure = e; }
            Interlocked.Add(ref _busyTicks, TimeSpan.FromSeconds((double)(Stopwatch.GetTimestamp() - start) / Stopwatch.Frequency).Ticks);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _positions, count);
            Interlocked.Add(ref _requests, pending.Count);
            offset = 0;
            foreach (var r in pending)
            {
                int n = r.States.Length;
                r.Failure = failure;
                r.Version = model.Version;
                r.Priors = priors.AsSpan(offset * actions, n * actions).ToArray();
                r.Values = values.AsSpan(offset, n).ToArray();
                offset += n;
                r.Done.Set();
            }
        }
    }

    /// <summary>Stops the inference thread after the requests already queued.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private sealed class Request(IGameState[] states)
    {
        public IGameState[] States { get; } = states;
        public ManualResetEventSlim Done { get; } = new();
        public float[] Priors { get; set; } = [];
        public float[] Values { get; set; } = [];
        public long Version { get; set; }
        public Exception? Failure { get; set; }
    }
}
