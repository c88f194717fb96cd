using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Runs the self-play engine (<see cref="SelfPlayEngine"/>: a few worker threads advancing many games each, their leaves
/// batched through the shared <see cref="InferenceService"/>); finished games come back to the actor as messages and are
/// submitted to the replay buffer in small batches through a <see cref="GameOutbox"/>: each submission stays under
/// the remoting frame size, is kept until the buffer acknowledges it and is sent again after <see cref="RetryAfter"/>
/// without an answer (the buffer de-duplicates). Back-pressure: a game starts only with a credit, and credits come back
/// only when the buffer acknowledges games, so at most <c>maxUnacknowledged</c> games wait in memory however long the
/// buffer is away.
/// </summary>
public sealed class SelfPlayActor : ReceiveActor, IWithTimers
{
    /// <summary>How long an unacknowledged submission waits before it is sent again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IGame _game;
    private readonly InferenceService _inference;
    private readonly SelfPlayOptions _options;
    private readonly SelfPlaySetup _setup;
    private readonly IActorRef _buffer;
    private readonly int _seed;
    private readonly int _credits;
    private readonly GameOutbox _outbox;
    private readonly IActorRef? _acknowledgements;
    private SelfPlayEngine? _engine;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="game">The game.</param>
    /// <param name="inference">The shared inference service.</param>
    /// <param name="options">Self-play options (the search).</param>
    /// <param name="setup">Games, workers and groups, resolved for the device.</param>
    /// <param name="buffer">The replay buffer actor.</param>
    /// <param name="seed">Seed of the games' searches (each game's seed derives from it, its worker, slot and number).</param>
    /// <param name="submitEvery">Games per submission (a timer also flushes every second).</param>
    /// <param name="maxUnacknowledged">Games finished or in progress and not yet acknowledged, at most (at least the games
    /// at once); 0 picks <see cref="SelfPlaySetup.MaxUnacknowledged"/>.</param>
    /// <param name="acknowledgements">Told <see cref="GamesAcknowledged"/> for each acknowledged submission (may be <c>null</c>).</param>
    /// <param name="maxSubmissionBytes">Upper bound on one submission's games, which must fit the remoting frame when the buffer is
    /// on another node (the default, <see cref="SubmissionTracker.DefaultMaxMessageBytes"/>); a buffer in the same process takes
    /// games of any size (<see cref="int.MaxValue"/>), such as long Go games, whose policies alone can pass 96,000 bytes.</param>
    public static Props Props(IGame game, InferenceService inference, SelfPlayOptions options, SelfPlaySetup setup, IActorRef buffer, int seed,
        int submitEvery = 8, int maxUnacknowledged = 0, IActorRef? acknowledgements = null, int maxSubmissionBytes = SubmissionTracker.DefaultMaxMessageBytes) =>
        Akka.Actor.Props.Create(() => new SelfPlayActor(game, inference, options, setup, buffer, seed, submitEvery, maxUnacknowledged, acknowledgements, maxSubmissionBytes));

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public SelfPlayActor(IGame game, InferenceService inference, SelfPlayOptions options, SelfPlaySetup setup, IActorRef buffer, int seed,
        int submitEvery, int maxUnacknowledged, IActorRef? acknowledgements, int maxSubmissionBytes = SubmissionTracker.DefaultMaxMessageBytes)
    {
        _game = game;
        _inference = inference;
        _options = options;
        _setup = setup;
        _buffer = buffer;
        _seed = seed;
        _outbox = new GameOutbox(game, submitEvery, new SubmissionTracker(RetryAfter, maxSubmissionBytes));
        _credits = maxUnacknowledged > 0 ? Math.Max(maxUnacknowledged, setup.Games) : setup.MaxUnacknowledged;
        _acknowledgements = acknowledgements;

        Receive<Local.GameDone>(m => Send(_outbox.Finished(m.Game, DateTime.UtcNow)));
        Receive<Local.Flush>(_ => Send(_outbox.Flush(DateTime.UtcNow)));
        Receive<GamesAccepted>(m =>
        {
            if (_outbox.Acknowledge(m.SubmissionId) is not { } games) return; // a retry's second acknowledgement
            _engine?.AddCredits(games.Length);
            _acknowledgements?.Tell(new GamesAcknowledged(games.Select(g => g.Id).ToArray(), m.NewGames));
        });
        Receive<Local.WorkFailed>(m => throw new InvalidOperationException($"self-play failed: {m.What}", m.Error));
        Receive<GetSelfPlayStats>(_ => Sender.Tell(new SelfPlayStats(_outbox.Games, _outbox.Positions, _outbox.UnacknowledgedGames, _inference.Statistics, _outbox.Tally)));
    }

    private void Send(Outgoing outgoing)
    {
        foreach (var problem in outgoing.Dropped)
        {
            _log.Error("dropping a finished game: {Problem}", problem);
            _engine?.AddCredits(1);
        }
        foreach (var message in outgoing.Retries)
        {
            _log.Warning("no acknowledgement for submission {SubmissionId} ({Count} games) after {Seconds:0} s: sending it again",
                message.SubmissionId, message.Games.Length, _outbox.RetryAfter.TotalSeconds);
            _buffer.Tell(message);
        }
        foreach (var message in outgoing.Messages) _buffer.Tell(message);
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("flush", Local.Flush.Instance, TimeSpan.FromSeconds(1));
        var self = Self;
        _engine = new SelfPlayEngine(_game, _inference, _setup.Engine(_options, _seed), _credits,
            record => self.Tell(new Local.GameDone(record)),
            error => self.Tell(new Local.WorkFailed("a self-play worker", error)));
        _engine.Start();
        _log.Info("self-play: {Setup}; {Simulations} simulations per move", _setup, _options.Search.Simulations);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // Stops the workers and waits for their threads: none is left inside the search or the inference service.
        _engine?.Dispose();
        Send(_outbox.SubmitPending(DateTime.UtcNow)); // best effort: unacknowledged games are lost on stop, acknowledged ones never
        base.PostStop();
    }
}
