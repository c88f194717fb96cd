using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SelfPlayBN.Training;

/// <summary>
/// Host memory of one inference batch: up to <see cref="Capacity"/> rows of observations in, the network's answers
/// out. For a batch of <c>n</c> rows, <see cref="Output"/> holds first the <c>n × A</c> priors (row-major, softmax over
/// the game's whole action space, <c>A</c> = <see cref="Actions"/>), then the <c>n</c> values (each for the player to
/// move in its row's position): so the answers of consecutive rows are contiguous, and a device writes them with one copy.
/// </summary>
/// <remarks>Self-play workers write observations straight into <see cref="Input"/> and read their answers from
/// <see cref="Output"/>; a model reads the one and writes the other. The service hands each row range to one writer at a
/// time and runs a batch only when its writers are done, so no locking is needed on the memory itself.</remarks>
public abstract class HostBatch : IDisposable
{
    /// <summary>Creates the description of a batch of <paramref name="capacity"/> rows.</summary>
    protected HostBatch(int capacity, int observationSize, int actions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(observationSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(actions, 1);
        Capacity = capacity;
        ObservationSize = observationSize;
        Actions = actions;
    }

    /// <summary>Rows the batch holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Floats per observation row (planes × height × width).</summary>
    public int ObservationSize { get; }

    /// <summary>The game's action count: priors per row.</summary>
    public int Actions { get; }

    /// <summary>All observation rows, row-major: <c>Capacity × ObservationSize</c> floats.</summary>
    public abstract Span<float> Input { get; }

    /// <summary>The answers: <c>Capacity × (Actions + 1)</c> floats, of which a batch of <c>n</c> rows uses the first
    /// <c>n × (Actions + 1)</c> (priors, then values; see the class summary).</summary>
    public abstract Span<float> Output { get; }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the memory (override to release native buffers).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A <see cref="HostBatch"/> in managed arrays pinned by the runtime (for models that read host memory, and for tests).</summary>
public sealed class ManagedHostBatch : HostBatch
{
    /// <summary>Allocates the two arrays, pinned (their addresses never move).</summary>
    public ManagedHostBatch(int capacity, int observationSize, int actions) : base(capacity, observationSize, actions)
    {
        InputArray = GC.AllocateArray<float>(capacity * observationSize, pinned: true);
        OutputArray = GC.AllocateArray<float>(capacity * (actions + 1), pinned: true);
    }

    /// <summary>The observation array (what <see cref="Input"/> spans).</summary>
    public float[] InputArray { get; }

    /// <summary>The output array (what <see cref="Output"/> spans).</summary>
    public float[] OutputArray { get; }

    /// <inheritdoc />
    public override Span<float> Input => InputArray;

    /// <inheritdoc />
    public override Span<float> Output => OutputArray;
}

/// <summary>
/// A model served by <see cref="InferenceService"/>: evaluates the first rows of a <see cref="HostBatch"/>. One instance
/// is used by one runner thread at a time (the service gives each runner its own replica).
/// </summary>
public interface IBatchModel : IDisposable
{
    /// <summary>Reads observation rows <c>[0, count)</c> of <paramref name="batch"/> and writes their answers to its
    /// output: <c>count × A</c> softmax priors over the whole action space, then <c>count</c> values for the player to move,
    /// in <c>[−1, 1]</c> (see <see cref="HostBatch"/>).</summary>
    void Run(HostBatch batch, int count);
}

/// <summary>Counters of an <see cref="InferenceService"/> (a snapshot).</summary>
/// <param name="Batches">Batches run.</param>
/// <param name="Positions">Positions evaluated.</param>
/// <param name="Requests">Contributions served (one per group of games a worker submitted).</param>
/// <param name="BusyTime">Wall time during which at least one runner was inside the model: the network's busy time.</param>
public sealed record InferenceStatistics(long Batches, long Positions, long Requests, TimeSpan BusyTime)
{
    /// <summary>Average positions per batch.</summary>
    public double AverageBatch => Batches == 0 ? 0 : (double)Positions / Batches;
}

/// <summary>Settings of an <see cref="InferenceService"/>.</summary>
/// <param name="MaxBatch">Rows per batch at most (each host buffer's capacity); a single contribution may not exceed it.</param>
/// <param name="Runners">Threads that run batches (each with its own model replica). On a GPU two let one thread launch the
/// next batch's kernels while the other waits for its results.</param>
/// <param name="Buffers">Host batch buffers: one filling, the others running or holding answers not yet read. At least
/// <paramref name="Runners"/> + 1.</param>
/// <param name="MaxWait">How long a runner that finds a batch short of <paramref name="MaxBatch"/> waits for it to fill
/// before running it; zero runs what is there as soon as a runner is free (the batch then grows by itself to what the
/// workers produce while the previous batch runs).</param>
public sealed record InferenceServiceOptions(int MaxBatch, int Runners = 1, int Buffers = 3, TimeSpan MaxWait = default)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (MaxBatch < 1) throw new ArgumentException($"MaxBatch must be at least 1, got {MaxBatch}", nameof(MaxBatch));
        if (Runners < 1) throw new ArgumentException($"Runners must be at least 1, got {Runners}", nameof(Runners));
        if (Buffers < Runners + 1) throw new ArgumentException($"Buffers must be at least Runners + 1 = {Runners + 1}, got {Buffers}", nameof(Buffers));
        if (MaxWait < TimeSpan.Zero) throw new ArgumentException($"MaxWait must not be negative, got {MaxWait}", nameof(MaxWait));
    }
}

/// <summary>
/// The one place where inference is batched. Self-play workers reserve rows of the batch being filled
/// (<see cref="TryReserve"/>), write their observations straight into its host memory, commit, and later read their
/// answers from the same buffer; runner threads take each filled batch and run the served model on it once. Several
/// batches are in flight at once (one filling while others run), so the workers search while the network computes.
/// </summary>
/// <remarks>
/// <para><b>Batches.</b> A runner takes the oldest full batch, else the batch being filled as soon as it holds at least
/// one committed contribution (after waiting up to <see cref="InferenceServiceOptions.MaxWait"/> for it to fill). It waits
/// for writers still encoding rows of that batch, then runs the model. Contributions are never split across batches.</para>
/// <para><b>Models.</b> <see cref="Serve"/> switches the model between batches; every ticket tells the version that
/// answered it. A replaced model is disposed once no runner uses it.</para>
/// <para><b>Thread-safety.</b> All members are thread-safe. A ticket is used by the thread that reserved it.</para>
/// <para><b>Failures.</b> If the model throws, every ticket of that batch reports the failure (<see cref="InferenceTicket.Failure"/>)
/// and the service goes on with the next batch.</para>
/// </remarks>
public sealed class InferenceService : IDisposable
{
    private readonly object _gate = new();
    private readonly Slot[] _slots;
    private readonly Stack<Slot> _free = new();
    private readonly Queue<Slot> _full = new();
    private readonly List<ManualResetEventSlim> _starved = [];
    private readonly Thread[] _runners;
    private readonly InferenceServiceOptions _options;
    private Slot? _open;
    private Replicas _model;
    private bool _stopping;
    private int _pauses;
    private long _batches, _positions, _requests, _busyTicks;
    private int _active, _idleRunners;
    private long _busySince;

    /// <summary>Allocates the host buffers and starts the runner threads.</summary>
    /// <param name="observationSize">Floats per observation (the game's observation shape size).</param>
    /// <param name="actions">The game's action count (priors per row).</param>
    /// <param name="version">The version of the first model.</param>
    /// <param name="replicas">The first model: one replica per runner (the service owns them).</param>
    /// <param name="options">Batch size, runners, buffers, wait.</param>
    /// <param name="allocate">Allocates one host buffer of the given capacity (pinned memory on CUDA); null: managed arrays.</param>
    public InferenceService(int observationSize, int actions, long version, IReadOnlyList<IBatchModel> replicas, InferenceServiceOptions options,
        Func<int, HostBatch>? allocate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        ObservationSize = observationSize;
        Actions = actions;
        _model = new Replicas(version, CheckReplicas(replicas, options.Runners));
        allocate ??= capacity => new ManagedHostBatch(capacity, observationSize, actions);
        _slots = new Slot[options.Buffers];
        for (int i = 0; i < _slots.Length; i++)
        {
            var host = allocate(options.MaxBatch);
            if (host.Capacity < options.MaxBatch || host.ObservationSize != observationSize || host.Actions != actions)
                throw new ArgumentException($"the allocator made a {host.Capacity} × {host.ObservationSize} → {host.Actions} buffer, expected {options.MaxBatch} × {observationSize} → {actions}", nameof(allocate));
            _slots[i] = new Slot(host);
            _free.Push(_slots[i]);
        }
        _runners = new Thread[options.Runners];
        for (int r = 0; r < _runners.Length; r++)
        {
            int runner = r;
            _runners[r] = new Thread(() => Run(runner)) { IsBackground = true, Name = $"inference-{r}" };
            _runners[r].Start();
        }
    }

    /// <summary>Floats per observation row.</summary>
    public int ObservationSize { get; }

    /// <summary>The game's action count (priors per row).</summary>
    public int Actions { get; }

    /// <summary>The settings.</summary>
    public InferenceServiceOptions Options => _options;

    /// <summary>The version of the model currently served (the next batch's).</summary>
    public long Version
    {
        get { lock (_gate) return _model.Version; }
    }

    /// <summary>Counters so far.</summary>
    public InferenceStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                long busy = _busyTicks + (_active > 0 ? Stopwatch.GetTimestamp() - _busySince : 0);
                return new InferenceStatistics(_batches, _positions, _requests, Stopwatch.GetElapsedTime(0, busy));
            }
        }
    }

    /// <summary>Serves <paramref name="replicas"/> (one per runner; the service owns them) as <paramref name="version"/> from the next batch on.</summary>
    /// <exception cref="ArgumentException">Not one replica per runner.</exception>
    public void Serve(long version, IReadOnlyList<IBatchModel> replicas)
    {
        var next = new Replicas(version, CheckReplicas(replicas, _options.Runners));
        Replicas old;
        lock (_gate)
        {
            if (_stopping) { next.DisposeAll(); throw new ObjectDisposedException(nameof(InferenceService)); }
            old = _model;
            _model = next;
            old.Retired = true;
            if (old.Users > 0) old = null!; // the last runner using it disposes it
        }
        old?.DisposeAll();
    }

    /// <summary>
    /// Holds the runners: no batch starts until the returned handle is disposed (batches already running finish). Writers
    /// may still reserve and commit; their batches wait. For measuring the network alone between stretches of self-play
    /// on the same machine, without the workers competing for it.
    /// </summary>
    public IDisposable Pause()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _pauses++;
            while (_active > 0) Monitor.Wait(_gate); // let running batches finish
        }
        return new Resumer(this);
    }

    private sealed class Resumer(InferenceService service) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            lock (service._gate)
            {
                service._pauses--;
                Monitor.PulseAll(service._gate);
            }
        }
    }

    /// <summary>
    /// Reserves <paramref name="rows"/> rows of the batch being filled, for a writer that will fill them and call
    /// <see cref="Commit"/>. Returns false when every buffer is busy; <paramref name="wake"/> is then set as soon as one
    /// frees (and, after a successful reservation, when the ticket's batch has been answered).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is not in <c>[1, MaxBatch]</c>.</exception>
    /// <exception cref="ObjectDisposedException">The service has stopped.</exception>
    public bool TryReserve(int rows, ManualResetEventSlim wake, out InferenceTicket ticket)
    {
        if (rows < 1 || rows > _options.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a contribution must have 1 to {_options.MaxBatch} rows (inference.maxBatch)");
        ArgumentNullException.ThrowIfNull(wake);
        lock (_gate)
        {
            if (_stopping) throw new ObjectDisposedException(nameof(InferenceService), "the inference service has stopped");
            while (true)
            {
                if (_open is { } open)
                {
                    if (open.Rows + rows <= _options.MaxBatch)
                    {
                        ticket = new InferenceTicket(open, open.Rows, rows, open.Generation);
                        open.Rows += rows;
                        open.Writers++;
                        open.Contributors++;
                        open.Wakes.Add(wake);
                        if (open.Rows == _options.MaxBatch) { _full.Enqueue(open); _open = null; Monitor.PulseAll(_gate); }
                        return true;
                    }
                    _full.Enqueue(open); // no room for this contribution: the batch is as full as it gets
                    _open = null;
                    Monitor.PulseAll(_gate);
                }
                if (_free.Count == 0)
                {
                    if (!_starved.Contains(wake)) _starved.Add(wake);
                    ticket = default;
                    return false;
                }
                var slot = _free.Pop();
                slot.Open();
                _open = slot;
            }
        }
    }

    /// <summary>The writer of <paramref name="ticket"/> has written its observation rows: the batch may run.</summary>
    public void Commit(in InferenceTicket ticket)
    {
        var slot = ticket.Slot ?? throw new ArgumentException("not a reserved ticket", nameof(ticket));
        lock (_gate)
        {
            CheckCurrent(ticket);
            slot.Writers--;
            slot.Committed++;
            // A runner is waiting for work and nobody is writing into this batch: close it now, so that the next
            // contribution starts the next batch instead of joining this one before the runner wakes up.
            if (slot == _open && slot.Writers == 0 && _idleRunners > _full.Count && _options.MaxWait == TimeSpan.Zero)
            {
                _full.Enqueue(slot);
                _open = null;
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The reader of <paramref name="ticket"/> is done with its answers: the buffer may be reused once every
    /// contributor has released.</summary>
    public void Release(in InferenceTicket ticket)
    {
        var slot = ticket.Slot ?? throw new ArgumentException("not a reserved ticket", nameof(ticket));
        ManualResetEventSlim[]? wake = null;
        lock (_gate)
        {
            CheckCurrent(ticket);
            if (!slot.Answered) throw new InvalidOperationException("the ticket's batch has not been answered yet");
            if (--slot.Contributors > 0) return;
            slot.Generation++;
            _free.Push(slot);
            if (_starved.Count > 0)
            {
                wake = _starved.ToArray();
                _starved.Clear();
            }
            Monitor.PulseAll(_gate);
        }
        if (wake is not null) foreach (var w in wake) w.Set();
    }

    private static void CheckCurrent(in InferenceTicket ticket)
    {
        if (ticket.Slot!.Generation != ticket.Generation) throw new InvalidOperationException("the ticket was already released");
    }

    private void Run(int runner)
    {
        Slot? slot;
        Replicas? model;
        lock (_gate) (slot, model) = TakeLocked();
        while (slot is not null && model is not null)
        {
            Exception? failure = null;
            try
            {
                if (_stopping) throw new ObjectDisposedException(nameof(InferenceService), "the inference service has stopped");
                RunChecked(model.Models[runner], slot.Host, slot.Rows);
            }
            catch (Exception e) { failure = e; }
            Replicas? retired = null;
            lock (_gate)
            {
                if (--_active == 0) _busyTicks += Stopwatch.GetTimestamp() - _busySince;
                _batches++;
                _positions += slot.Rows;
                _requests += slot.Committed;
                slot.Version = model.Version;
                slot.Failure = failure;
                slot.Answered = true;
                foreach (var w in slot.Wakes) w.Set();
                if (--model.Users == 0 && model.Retired) retired = model;
                Monitor.PulseAll(_gate);
                // The next batch is taken before the lock is let go: a contributor woken just now cannot slip its next
                // contribution into the batch that was waiting while this one ran.
                if (retired is null) (slot, model) = TakeLocked();
            }
            if (retired is not null)
            {
                retired.DisposeAll();
                lock (_gate) (slot, model) = TakeLocked();
            }
        }
    }

    /// <summary>How many times a batch whose answers are not all finite is run again before the batch fails.</summary>
    public const int NonFiniteReruns = 2;

    /// <summary>Batches run again because an answer was not finite (NaN or infinite), since the service started.</summary>
    public long NonFiniteBatches => Interlocked.Read(ref _nonFiniteBatches);

    private long _nonFiniteBatches;

    /// <summary>
    /// Runs <paramref name="model"/> on the batch and checks that every prior and value is finite. A batch with a NaN or an
    /// infinity is run again, up to <see cref="NonFiniteReruns"/> times: libtorch's oneDNN kernels have returned NaNs for
    /// a few calls in many on some processors (<c>TorchBootstrap</c>), and a search fed a NaN prior or value would go on
    /// silently with a broken tree. Answers that stay non-finite fail the batch with an error that names the cause.
    /// </summary>
    private void RunChecked(IBatchModel model, HostBatch host, int rows)
    {
        for (int attempt = 0; ; attempt++)
        {
            model.Run(host, rows);
            int bad = FirstNonFinite(host.Output[..(rows * (host.Actions + 1))]);
            if (bad < 0) return;
            Interlocked.Increment(ref _nonFiniteBatches);
            if (attempt == NonFiniteReruns)
                throw new InvalidOperationException(
                    $"the network's answers are not finite (output {bad} of a batch of {rows}, in {NonFiniteReruns + 1} runs of the same batch): " +
                    "the weights may hold NaNs, or libtorch's CPU kernels miscompute on this processor (try ONEDNN_MAX_CPU_ISA=SSE41)");
        }
    }

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or −1.</summary>
    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>With the lock held: waits for the next batch to run (the oldest full one, else the one filling once it has a
    /// committed contribution) and for its writers, and marks the runner busy; (null, null) when the service stops.</summary>
    private (Slot? Slot, Replicas? Model) TakeLocked()
    {
        Slot? taken = null;
        while (taken is null)
        {
            if (_pauses > 0 && !_stopping) { Monitor.Wait(_gate); continue; }
            if (_full.Count > 0) taken = _full.Dequeue();
            else if (_open is { Committed: > 0 } open)
            {
                if (open.Rows < _options.MaxBatch && _options.MaxWait > TimeSpan.Zero && !_stopping)
                {
                    WaitForFill(open);
                    if (_open != open) continue; // it filled up and went to the full queue, or another runner took it
                }
                taken = open;
                _open = null;
            }
            else if (_stopping) return (null, null);
            else
            {
                _idleRunners++;
                Monitor.Wait(_gate);
                _idleRunners--;
            }
        }
        while (taken.Writers > 0) Monitor.Wait(_gate);
        var model = _model;
        model.Users++;
        if (_active++ == 0) _busySince = Stopwatch.GetTimestamp();
        return (taken, model);
    }

    /// <summary>Waits (holding the lock between waits) until <paramref name="open"/> is full, taken, or MaxWait has passed since now.</summary>
    private void WaitForFill(Slot open)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxWait.TotalSeconds * Stopwatch.Frequency);
        while (_open == open && open.Rows < _options.MaxBatch && !_stopping)
        {
            long left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0) break;
            Monitor.Wait(_gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
        }
    }

    /// <summary>
    /// Stops the runners after the batch each is running; batches not yet run are answered with a failure, so no writer
    /// waits forever. Then disposes the model and the host buffers (stop the workers first).
    /// </summary>
    public void Dispose()
    {
        List<ManualResetEventSlim> wakes = [];
        lock (_gate)
        {
            if (_stopping) return;
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _runners) t.Join();
        lock (_gate)
        {
            // Whatever is still filling or queued was never run: answer it with the failure.
            var unanswered = _full.ToList();
            if (_open is { } open) unanswered.Add(open);
            foreach (var slot in unanswered)
            {
                slot.Failure = new ObjectDisposedException(nameof(InferenceService), "the inference service has stopped");
                slot.Answered = true;
                wakes.AddRange(slot.Wakes);
            }
            _full.Clear();
            _open = null;
            wakes.AddRange(_starved);
            _starved.Clear();
            _model.DisposeAll();
        }
        foreach (var w in wakes) w.Set();
        foreach (var slot in _slots) slot.Host.Dispose();
    }

    private static IBatchModel[] CheckReplicas(IReadOnlyList<IBatchModel> replicas, int runners)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count != runners) throw new ArgumentException($"one model replica per runner is needed: {runners} runners, {replicas.Count} replicas", nameof(replicas));
        return [.. replicas];
    }

    /// <summary>A model's replicas and how many runners use them now.</summary>
    private sealed class Replicas(long version, IBatchModel[] models)
    {
        public long Version { get; } = version;
        public IBatchModel[] Models { get; } = models;
        public int Users { get; set; }
        public bool Retired { get; set; }

        public void DisposeAll()
        {
            foreach (var m in Models) m.Dispose();
        }
    }

    /// <summary>One host buffer and the state of the batch it holds (guarded by the service's lock, except the memory).</summary>
    internal sealed class Slot(HostBatch host)
    {
        public HostBatch Host { get; } = host;
        public int Rows, Writers, Committed, Contributors;
        public long Generation;
        public long Version;
        public volatile bool Answered;
        public Exception? Failure;
        public readonly List<ManualResetEventSlim> Wakes = [];

        public void Open()
        {
            Rows = Writers = Committed = Contributors = 0;
            Answered = false;
            Failure = null;
            Wakes.Clear();
        }
    }
}

/// <summary>
/// Rows of one inference batch reserved by a writer (<see cref="InferenceService.TryReserve"/>): write the observations
/// into <see cref="Observations"/>, <see cref="InferenceService.Commit"/>, wait for <see cref="IsAnswered"/>, read
/// <see cref="Priors"/> and <see cref="Values"/>, then <see cref="InferenceService.Release"/>.
/// </summary>
public readonly struct InferenceTicket
{
    internal InferenceTicket(InferenceService.Slot slot, int offset, int rows, long generation)
    {
        Slot = slot;
        Offset = offset;
        Rows = rows;
        Generation = generation;
    }

    internal InferenceService.Slot? Slot { get; }

    internal long Generation { get; }

    /// <summary>The first row of this ticket in its batch.</summary>
    public int Offset { get; }

    /// <summary>The rows reserved.</summary>
    public int Rows { get; }

    /// <summary>Whether the batch has been run (or failed): answers, version and failure may be read.</summary>
    public bool IsAnswered => Slot is { Answered: true };

    /// <summary>The model version that answered (valid once answered).</summary>
    public long Version => Slot!.Version;

    /// <summary>Why the batch has no answers (the model threw, or the service stopped); null when it has.</summary>
    public Exception? Failure => Slot!.Failure;

    /// <summary>The observation rows to fill: <c>Rows × ObservationSize</c> floats, row-major.</summary>
    public Span<float> Observations
    {
        get
        {
            var host = Slot!.Host;
            return host.Input.Slice(Offset * host.ObservationSize, Rows * host.ObservationSize);
        }
    }

    /// <summary>The priors of this ticket's rows (valid once answered): <c>Rows × A</c> floats, row-major.</summary>
    public ReadOnlySpan<float> Priors
    {
        get
        {
            var host = Slot!.Host;
            return host.Output.Slice(Offset * host.Actions, Rows * host.Actions);
        }
    }

    /// <summary>The values of this ticket's rows (valid once answered), each for the player to move in its row's position.</summary>
    public ReadOnlySpan<float> Values
    {
        get
        {
            var slot = Slot!;
            return slot.Host.Output.Slice(slot.Rows * slot.Host.Actions + Offset, Rows);
        }
    }
}

/// <summary>
/// The network-free model: uniform priors and value 0 for every position, as <see cref="Search.UniformOracle"/> answers.
/// Self-play with it measures the search side of the pipeline alone, and tests the pipeline without a network.
/// </summary>
public sealed class UniformBatchModel : IBatchModel
{
    /// <inheritdoc />
    public void Run(HostBatch batch, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var output = batch.Output;
        output[..(count * batch.Actions)].Fill(1f / batch.Actions);
        output.Slice(count * batch.Actions, count).Clear();
    }

    /// <summary>Nothing to free.</summary>
    public void Dispose()
    {
    }
}
