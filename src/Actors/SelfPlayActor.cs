using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Runs many self-play games at once, each on its own background thread, all sharing one batching inference
/// service; finished games come back to the actor as messages, are submitted to the replay buffer in small batches,
/// and are kept until the buffer acknowledges them (re-sent after <see cref="RetryAfter"/> without an answer; the
/// buffer de-duplicates).
/// </summary>
public sealed class SelfPlayActor : ReceiveActor, IWithTimers
{
    /// <summary>How long an unacknowledged submission waits before it is sent again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IGame _game;
    private readonly BatchingOracle _oracle;
    private readonly SelfPlayOptions _options;
    private readonly IActorRef _buffer;
    private readonly int _seed;
    private readonly int _submitEvery;
    private readonly List<GameRecord> _pending = [];
    private readonly Dictionary<Guid, (SubmitGames Message, DateTime SentAt)> _unacked = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private long _games, _positions;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="oracle">The shared inference service.</param>
    /// <param name="options">Self-play options (parallel games, search).</param>
    /// <param name="buffer">The replay buffer actor.</param>
    /// <param name="seed">Seed of the games' searches (game k of thread t uses a seed derived from both).</param>
    /// <param name="submitEvery">Games per submission (a timer also flushes every second).</param>
    public static Props Props(IGame game, BatchingOracle oracle, SelfPlayOptions options, IActorRef buffer, int seed, int submitEvery = 8) =>
        Akka.Actor.Props.Create(() => new SelfPlayActor(game, oracle, options, buffer, seed, submitEvery));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public SelfPlayActor(IGame game, BatchingOracle oracle, SelfPlayOptions options, IActorRef buffer, int seed, int submitEvery)
    {
        _game = game;
        _oracle = oracle;
        _options = options;
        _buffer = buffer;
        _seed = seed;
        _submitEvery = Math.Max(1, submitEvery);

        Receive<Local.GameDone>(m =>
        {
            _games++;
            _positions += m.Game.Length;
            _pending.Add(m.Game);
            if (_pending.Count >= _submitEvery) Submit();
        });
        Receive<Local.Flush>(_ =>
        {
            if (_pending.Count > 0) Submit();
            var now = DateTime.UtcNow;
            foreach (var (id, (message, sentAt)) in _unacked.ToList())
                if (now - sentAt >= RetryAfter)
                {
                    _log.Warning("no acknowledgement for submission {SubmissionId} ({Count} games) after {Seconds:0} s: sending it again", id, message.Games.Length, (now - sentAt).TotalSeconds);
                    _buffer.Tell(message);
                    _unacked[id] = (message, now);
                }
        });
        Receive<GamesAccepted>(m => _unacked.Remove(m.SubmissionId));
        Receive<Local.WorkFailed>(m => throw new InvalidOperationException($"self-play failed: {m.What}", m.Error));
        Receive<GetSelfPlayStats>(_ => Sender.Tell(new SelfPlayStats(_games, _positions, _unacked.Values.Sum(u => u.Message.Games.Length), _oracle.Statistics)));
    }

    private void Submit()
    {
        var message = new SubmitGames(Guid.NewGuid(), _pending.ToArray());
        _pending.Clear();
        _unacked[message.SubmissionId] = (message, DateTime.UtcNow);
        _buffer.Tell(message);
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("flush", Local.Flush.Instance, TimeSpan.FromSeconds(1));
        var self = Self;
        var token = _stop.Token;
        for (int t = 0; t < _options.ParallelGames; t++)
        {
            int thread = t;
            var worker = new Thread(() =>
            {
                var search = new MctsOptions
                {
                    Simulations = _options.Simulations,
                    CPuct = _options.CPuct,
                    DirichletAlpha = _options.DirichletAlpha,
                    DirichletEpsilon = _options.DirichletEpsilon,
                    TemperatureMoves = _options.TemperatureMoves,
                    RootNoise = true,
                    ReuseTree = true,
                };
                try
                {
                    for (long k = 0; !token.IsCancellationRequested; k++)
                    {
                        var record = SelfPlayer.Play(_game, _oracle, search with { Seed = HashCode.Combine(_seed, thread, k) }, token);
                        self.Tell(new Local.GameDone(record));
                    }
                }
                catch (OperationCanceledException) { }
                catch (ObjectDisposedException) when (token.IsCancellationRequested) { }
                catch (Exception e) when (!token.IsCancellationRequested) { self.Tell(new Local.WorkFailed($"game thread {thread}", e)); }
            })
            { IsBackground = true, Name = $"selfplay-{t}" };
            _threads.Add(worker);
            worker.Start();
        }
        _log.Info("self-play: {Games} games at once, {Simulations} simulations per move", _options.ParallelGames, _options.Simulations);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _stop.Cancel();
        // Games in progress end at their next move; their threads are background threads and are not awaited here
        // (a thread may be waiting on an inference batch, which its owner completes or disposes).
        if (_pending.Count > 0) Submit(); // best effort: unacknowledged games are lost on stop, acknowledged ones never
        base.PostStop();
    }
}
