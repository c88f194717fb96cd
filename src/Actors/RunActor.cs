using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>Everything the run actor needs that lives outside the actor system (created by <see cref="TrainingRun"/>).</summary>
/// <param name="Game">The game.</param>
/// <param name="Extras">What the game adds to the evaluation (from the game catalogue).</param>
/// <param name="Options">The run's options.</param>
/// <param name="Folder">The run folder's layout.</param>
/// <param name="Learner">The learner (already restored when resuming).</param>
/// <param name="Generation">Generations already trained.</param>
/// <param name="InitialWeights">Weights of the untrained network, published as version 0 in a new run.</param>
/// <param name="Device">Where networks run.</param>
/// <param name="Finished">Completed with <c>null</c> when the run ends normally, or an error message.</param>
/// <param name="Progress">Receives a line per event for the console (may be <c>null</c>).</param>
/// <param name="Status">Receives the run's state about once a second, for a live view (may be <c>null</c>).</param>
/// <param name="Wiring">Which actors the run creates: the whole pipeline in one process (<see cref="LocalWiring"/>), or a
/// cluster's trainer node.</param>
public sealed record RunResources(
    IGame Game, EvaluationExtras Extras, RunOptions Options, RunFolder Folder, Learner Learner, long Generation,
    byte[] InitialWeights, torch.Device Device, TaskCompletionSource<string?> Finished,
    Action<string>? Progress, IRunWiring Wiring, Action<RunStatus>? Status = null)
    : INoSerializationVerificationNeeded;

/// <summary>The state of a run, for a live view. Rates are over the last ten seconds.</summary>
/// <param name="Generation">The last published generation.</param>
/// <param name="Games">Self-play games finished by this process.</param>
/// <param name="Positions">Their positions.</param>
/// <param name="GamesPerSecond">Recent games per second.</param>
/// <param name="PositionsPerSecond">Recent positions per second.</param>
/// <param name="AverageBatch">Average inference batch so far.</param>
/// <param name="BufferPositions">Positions in the replay window.</param>
/// <param name="Losses">The last generation's losses.</param>
/// <param name="Staleness">The last publication's BN staleness.</param>
/// <param name="LastEvaluation">The last evaluation, as text.</param>
/// <param name="NextGeneration">Games towards the next generation as a fraction of <c>trainer.gamesPerGeneration</c> (1: training).</param>
/// <param name="Elapsed">Time since this process started the run.</param>
public sealed record RunStatus(long Generation, long Games, long Positions, double GamesPerSecond, double PositionsPerSecond, double AverageBatch,
    int BufferPositions, LossSummary? Losses, StalenessSummary? Staleness, string? LastEvaluation, double NextGeneration, TimeSpan Elapsed);

/// <summary>
/// The run: creates the pipeline's actors (replay buffer, model registry, inference service, self-play, Precise BN,
/// trainer, evaluator), writes a metrics line per publication and per evaluation to <c>metrics.jsonl</c>, reports
/// progress, and ends the run at the generation limit or when an actor fails (each failure stops the run with its
/// message instead of restarting an actor whose state may be inconsistent).
/// </summary>
public sealed class RunActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RunResources _r;
    private readonly IActorRef? _selfPlay;
    private readonly IActorRef _buffer;
    private readonly IActorRef? _forward;
    private readonly DateTime _started = DateTime.UtcNow;
    private SelfPlayStats? _stats;
    private readonly Queue<(DateTime Time, long Games, long Positions)> _recent = new();
    private long _generation, _gamesAtPublication;
    private GameTally _tallyAtPublication = GameTally.Empty;
    private LossSummary? _losses;
    private StalenessSummary? _staleness;
    private string? _lastEvaluation;
    private BufferStatus? _bufferStatus;
    private bool _ending;
    private readonly RunRecorder _recorder;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the run actor.</summary>
    public static Props Props(RunResources resources) => Akka.Actor.Props.Create(() => new RunActor(resources));

    /// <summary>Props of a run actor that loads its resources when it is created (a cluster singleton resumes from the
    /// run folder each time it starts).</summary>
    public static Props Props(Func<RunResources> load) => Akka.Actor.Props.Create(() => new RunActor(load));

    /// <summary>Creates the pipeline from resources loaded now (use <see cref="Props(Func{RunResources})"/>).</summary>
    public RunActor(Func<RunResources> load) : this(load()) { }

    /// <summary>Creates the pipeline (use <see cref="Props(RunResources)"/>).</summary>
    public RunActor(RunResources r)
    {
        _r = r;
        _recorder = new RunRecorder(r.Folder, m => _log.Warning(m));
        var o = r.Options;
        try
        {
            (_buffer, _selfPlay, _forward) = r.Wiring.Create(Context, r);
            foreach (var child in Context.GetChildren()) Context.Watch(child);
        }
        catch (Exception e)
        {
            r.Finished.TrySetResult($"the pipeline could not start: {e.Message}");
            throw;
        }
        Handlers(o);
    }

    private void Handlers(RunOptions o)
    {
        Receive<VersionPublished>(p =>
        {
            var i = p.Info;
            _generation = i.Version;
            _gamesAtPublication = _stats?.Games ?? 0;
            var tally = _stats?.Tally;
            var recent = tally?.Since(_tallyAtPublication);
            if (tally is not null) _tallyAtPublication = tally;
            _losses = i.Losses ?? _losses;
            bool noBatchNorm = i.Statistics == "none"; // a network without BatchNorm: no statistics, no staleness
            _staleness = noBatchNorm ? null : i.Staleness ?? _staleness;
            if (_recorder.Published(p, _stats, _bufferStatus, recent, DateTime.UtcNow - _started) is { } line) Report(line);
            if (o.Limits.Generations is { } limit && i.Version >= limit) End(null, $"reached {limit} generations");
        });
        Receive<EvaluationFinished>(e =>
        {
            _lastEvaluation = _recorder.Evaluated(e);
            Report("evaluation: " + _lastEvaluation);
        });
        Receive<AccuracyMeasured>(a =>
        {
            Report(_recorder.Measured(a));
        });
        Receive<GatingDecided>(g =>
        {
            Report(_recorder.Gated(g));
        });
        Receive<Local.Tick>(_ =>
        {
            _selfPlay?.Tell(GetSelfPlayStats.Instance);
            _buffer.Tell(new GetBufferStatus());
            if (o.Limits.Minutes is { } minutes && DateTime.UtcNow - _started >= TimeSpan.FromMinutes(minutes)) End(null, $"reached {minutes} minutes");
        });
        Receive<SelfPlayStats>(s =>
        {
            bool first = _stats is null;
            _stats = s;
            PublishStatus(s, o);
            if (first || s.Games / 50 != (_lastReportedGames / 50)) ReportSelfPlay(s);
        });
        Receive<BufferStatus>(s => _bufferStatus = s);
        Receive<Terminated>(t =>
        {
            if (!_ending) End($"actor {t.ActorRef.Path.Name} stopped unexpectedly (see the log for its error)", null);
        });
        // The wiring's own protocol (a cluster's model fetches go to its model publisher).
        ReceiveAny(m =>
        {
            if (_forward is not null) _forward.Forward(m);
            else Unhandled(m);
        });
    }

    private long _lastReportedGames;

    private void PublishStatus(SelfPlayStats s, RunOptions o)
    {
        if (_r.Status is not { } status) return;
        var now = DateTime.UtcNow;
        _recent.Enqueue((now, s.Games, s.Positions));
        while (_recent.Count > 1 && now - _recent.Peek().Time > TimeSpan.FromSeconds(10)) _recent.Dequeue();
        var (t0, g0, p0) = _recent.Peek();
        double seconds = (now - t0).TotalSeconds;
        double gps = seconds > 0 ? (s.Games - g0) / seconds : 0, pps = seconds > 0 ? (s.Positions - p0) / seconds : 0;
        double next = Math.Min(1.0, (s.Games - _gamesAtPublication) / (double)o.Trainer.GamesPerGeneration);
        status(new RunStatus(_generation, s.Games, s.Positions, gps, pps, s.Inference.AverageBatch, _bufferStatus?.Positions ?? 0,
            _losses, _staleness, _lastEvaluation, next, now - _started));
    }

    private void ReportSelfPlay(SelfPlayStats s)
    {
        _lastReportedGames = s.Games;
        double seconds = Math.Max(1e-9, (DateTime.UtcNow - _started).TotalSeconds);
        Report($"self-play: {s.Games} games, {s.Positions} positions ({s.Games / seconds:0.0} games/s, {s.Positions / seconds:0} positions/s), " +
               $"average inference batch {s.Inference.AverageBatch:0.0}, buffer {_bufferStatus?.Positions ?? 0} positions");
    }

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Local.Tick.Instance, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_r.Wiring.OwnsLearner) _r.Learner.Dispose(); // the children that used it have stopped
        base.PostStop();
    }

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _log.Error(e, "pipeline actor failed: {Message}", e.Message);
        return Directive.Stop;
    });

    private void End(string? error, string? reason)
    {
        if (_ending) return;
        _ending = true;
        if (reason is not null) Report($"stopping: {reason}");
        // In a cluster, a run that ends at its limit tells the other nodes, which stop too (announced before this node
        // leaves the cluster).
        if (error is null && reason is not null) _r.Wiring.Ended(_generation, reason);
        _r.Finished.TrySetResult(error);
    }

    private void Report(string line)
    {
        _log.Info(line);
        _r.Progress?.Invoke(line);
    }

}
