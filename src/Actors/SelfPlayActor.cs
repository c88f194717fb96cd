using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Runs many self-play games at once, each on its own background thread, all sharing one batching inference
/// service; finished games come back to the actor as messages and are submitted to the replay buffer in small batches
/// through a <see cref="SubmissionTracker"/>: each submission stays under the remoting frame size, is kept until the
/// buffer acknowledges it and is sent again after <see cref="RetryAfter"/> without an answer (the buffer
/// de-duplicates). Back-pressure: a game thread starts a game only with a credit, and credits come back only when the
/// buffer acknowledges games, so at most <c>maxUnacknowledged</c> games wait in memory however long the buffer is away.
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
    private readonly SubmissionTracker _tracker;
    private readonly SemaphoreSlim _credits;
    private readonly IActorRef? _acknowledgements;
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
    /// <param name="maxUnacknowledged">Games finished or in progress and not yet acknowledged, at most (at least
    /// <c>parallelGames</c>); 0 picks <c>max(256, 2 × parallelGames)</c>.</param>
    /// <param name="acknowledgements">Told <see cref="GamesAcknowledged"/> for each acknowledged submission (may be <c>null</c>).</param>
    public static Props Props(IGame game, BatchingOracle oracle, SelfPlayOptions options, IActorRef buffer, int seed, int submitEvery = 8,
        int maxUnacknowledged = 0, IActorRef? acknowledgements = null) =>
        Akka.Actor.Props.Create(() => new SelfPlayActor(game, oracle, options, buffer, seed, submitEvery, maxUnacknowledged, acknowledgements));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public SelfPlayActor(IGame game, BatchingOracle oracle, SelfPlayOptions options, IActorRef buffer, int seed, int submitEvery,
        int maxUnacknowledged, IActorRef? acknowledgements)
    {
        _game = game;
        _oracle = oracle;
        _options = options;
        _buffer = buffer;
        _seed = seed;
        _submitEvery = Math.Max(1, submitEvery);
        _tracker = new SubmissionTracker(RetryAfter);
        int credits = maxUnacknowledged > 0 ? Math.Max(maxUnacknowledged, options.ParallelGames) : Math.Max(256, 2 * options.ParallelGames);
        _credits = new SemaphoreSlim(credits);
        _acknowledgements = acknowledgements;

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
            foreach (var message in _tracker.Due(DateTime.UtcNow))
            {
                _log.Warning("no acknowledgement for submission {SubmissionId} ({Count} games) after {Seconds:0} s: sending it again",
                    message.SubmissionId, message.Games.Length, _tracker.RetryAfter.TotalSeconds);
                _buffer.Tell(message);
            }
        });
        Receive<GamesAccepted>(m =>
        {
            if (_tracker.Acknowledge(m.SubmissionId) is not { } games) return; // a retry's second acknowledgement
            _credits.Release(games.Length);
            _acknowledgements?.Tell(new GamesAcknowledged(games.Select(g => g.Id).ToArray(), m.NewGames));
        });
        Receive<Local.WorkFailed>(m => throw new InvalidOperationException($"self-play failed: {m.What}", m.Error));
        Receive<GetSelfPlayStats>(_ => Sender.Tell(new SelfPlayStats(_games, _positions, _tracker.UnacknowledgedGames, _oracle.Statistics)));
    }

    private void Submit()
    {
        IReadOnlyList<SubmitGames> messages;
        try
        {
            messages = _tracker.Submit(_pending, DateTime.UtcNow);
        }
        catch (InvalidDataException)
        {
            // A game too large for one message can never be delivered: drop it with an error, send the others.
            messages = [];
            foreach (var game in _pending)
            {
                try { messages = [.. messages, .. _tracker.Submit([game], DateTime.UtcNow)]; }
                catch (InvalidDataException e)
                {
                    _log.Error("dropping a finished game: {Problem}", e.Message);
                    _credits.Release();
                }
            }
        }
        _pending.Clear();
        foreach (var m in messages) _buffer.Tell(m);
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
                        _credits.Wait(token); // back-pressure: returned when the buffer acknowledges the game
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
