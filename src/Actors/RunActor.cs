using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors;

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
    private readonly IRunWiring _wiring;
    private readonly RunChildren _children;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly RunProgress _progress;
    private readonly RunRecorder _recorder;
    private bool _ending;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the run actor, which creates its children with <paramref name="wiring"/>.</summary>
    public static Props Props(IRunWiring wiring, RunResources resources) => Akka.Actor.Props.Create(() => new RunActor(wiring, resources));

    /// <summary>Props of a run actor that loads its resources when it is created (a cluster singleton resumes from the
    /// run folder each time it starts).</summary>
    public static Props Props(IRunWiring wiring, Func<RunResources> load) => Akka.Actor.Props.Create(() => new RunActor(wiring, load));

    /// <summary>Creates the pipeline from resources loaded now (use <see cref="Props(IRunWiring, Func{RunResources})"/>).</summary>
    public RunActor(IRunWiring wiring, Func<RunResources> load) : this(wiring, load()) { }

    /// <summary>Creates the pipeline (use <see cref="Props(IRunWiring, RunResources)"/>).</summary>
    public RunActor(IRunWiring wiring, RunResources r)
    {
        _r = r;
        _wiring = wiring;
        _progress = new RunProgress(r.Options.Trainer.GamesPerGeneration, _started);
        _recorder = new RunRecorder(r.Folder, m => _log.Warning(m));
        try
        {
            _children = wiring.Create(Context, r);
            foreach (var child in Context.GetChildren()) Context.Watch(child);
        }
        catch (Exception e)
        {
            r.Finished.TrySetResult($"the pipeline could not start: {e.Message}");
            throw;
        }
        Handlers(r.Options.Limits);
    }

    private void Handlers(LimitOptions limits)
    {
        Receive<VersionPublished>(p =>
        {
            var recent = _progress.Published(p.Info);
            if (_recorder.Published(p, _progress.SelfPlay, _progress.Buffer, recent, DateTime.UtcNow - _started) is { } line) Report(line);
            if (limits.Generations is { } limit && p.Info.Version >= limit) End(null, $"reached {limit} generations");
        });
        Receive<EvaluationFinished>(e =>
        {
            string summary = _recorder.Evaluated(e);
            _progress.Evaluated(summary);
            Report("evaluation: " + summary);
        });
        Receive<AccuracyMeasured>(a => Report(_recorder.Measured(a)));
        Receive<GatingDecided>(g => Report(_recorder.Gated(g)));
        Receive<Local.Tick>(_ =>
        {
            _children.SelfPlay?.Tell(GetSelfPlayStats.Instance);
            _children.Buffer.Tell(new GetBufferStatus());
            if (_r.LimitClock is { } clock && clock.ElapsedShare() >= 1) End(null, $"reached {limits.Minutes} minutes");
        });
        Receive<SelfPlayStats>(s =>
        {
            var now = DateTime.UtcNow;
            bool lineDue = _progress.SelfPlayReported(s, now);
            if (_r.Status is { } status && _progress.Status(now) is { } state) status(state);
            if (lineDue) Report(_progress.SelfPlayLine(now));
        });
        Receive<BufferStatus>(_progress.BufferReported);
        Receive<Terminated>(t =>
        {
            if (!_ending) End($"actor {t.ActorRef.Path.Name} stopped unexpectedly (see the log for its error)", null);
        });
        // The wiring's own protocol (a cluster's model fetches go to its model publisher).
        ReceiveAny(m =>
        {
            if (_children.Forward is { } forward) forward.Forward(m);
            else Unhandled(m);
        });
    }

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Local.Tick.Instance, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_wiring.OwnsLearner) _r.Learner.Dispose(); // the children that used it have stopped
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
        if (error is null && reason is not null) _wiring.Ended(_progress.Generation, reason);
        _r.Finished.TrySetResult(error);
    }

    private void Report(string line)
    {
        _log.Info(line);
        _r.Progress?.Invoke(line);
    }
}
