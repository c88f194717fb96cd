using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using TorchSharp;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// A precisebn node's worker (<c>/user/precise-bn-worker</c>, role <c>precisebn</c> on a node without the trainer
/// role). For each <see cref="MeasurePreciseBn"/> from the trainer singleton it pulls the frozen snapshot from the job's
/// sender with a <see cref="ModelFollowerActor"/> (chunked, checksummed: a half-received or corrupted snapshot is never
/// used), asks the replay-buffer singleton for the sampled positions in frame-sized parts, runs
/// <see cref="PreciseBnPass.Measure"/> off the actor's thread, and answers with the statistics and the staleness summary
/// only (<see cref="PreciseBnComputedPart"/> messages), or <see cref="PreciseBnFailed"/>. A newer job replaces one
/// still gathering its inputs; a measurement already running finishes and is sent (the trainer ignores an answer for a
/// job it no longer waits for). A failed job is reported and logged; the node keeps serving.
/// </summary>
public sealed class PreciseBnWorkerActor : ReceiveActor
{
    /// <summary>The worker's name under <c>/user</c>.</summary>
    public const string Name = "precise-bn-worker";

    private sealed record Measured(MeasurePreciseBn Job, IActorRef Trainer, PreciseBnMeasurement Measurement) : INoSerializationVerificationNeeded;
    private sealed record Failed(MeasurePreciseBn Job, IActorRef Trainer, string Reason) : INoSerializationVerificationNeeded;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IGame _game;
    private readonly RunOptions _options;
    private readonly torch.Device _device;
    private readonly IActorRef _buffer;
    private readonly string _network;
    private PreciseBnJobInputs? _inputs;
    private IActorRef _trainer = ActorRefs.Nobody;
    private IActorRef? _follower;
    private Task? _work;
    private int _followers;

    /// <summary>Props of the worker.</summary>
    /// <param name="game">The game.</param>
    /// <param name="options">The run's options (network, <c>bn</c>).</param>
    /// <param name="device">Where the network runs.</param>
    /// <param name="buffer">The replay-buffer singleton's proxy.</param>
    public static Props Props(IGame game, RunOptions options, torch.Device device, IActorRef buffer) =>
        Akka.Actor.Props.Create(() => new PreciseBnWorkerActor(game, options, device, buffer));

    /// <summary>Creates the worker (use <see cref="Props"/>).</summary>
    public PreciseBnWorkerActor(IGame game, RunOptions options, torch.Device device, IActorRef buffer)
    {
        _game = game;
        _options = options;
        _device = device;
        _buffer = buffer;
        _network = JsonSerializer.Serialize(options.Network, RunOptions.Json);
        Receive<MeasurePreciseBn>(OnJob);
        Receive<ModelFetched>(m =>
        {
            if (_inputs is null || !_inputs.Snapshot(m.Announced, m.Weights)) return;
            StopFollower();
            TryStart();
        });
        Receive<PositionsSampledPart>(p =>
        {
            if (_inputs is not { } inputs) return;
            try
            {
                if (!inputs.Part(p)) return;
            }
            catch (InvalidDataException e)
            {
                Fail(inputs.Job, _trainer, $"sampled positions: {e.Message}");
                return;
            }
            TryStart();
        });
        Receive<Measured>(m =>
        {
            _work = null;
            try
            {
                foreach (var part in PreciseBnParts.SplitMeasurement(m.Job.JobId, m.Job.Snapshot.Version, m.Job.Snapshot.Sha256,
                    m.Measurement.Layers, m.Measurement.Staleness))
                    m.Trainer.Tell(part);
                _log.Info("generation {Generation}: {Staleness}; statistics of {Layers} layers sent to {Trainer}",
                    m.Job.Snapshot.Version, m.Measurement.Report, m.Measurement.Layers.Length, m.Trainer.Path.Address);
            }
            catch (InvalidDataException e)
            {
                Fail(m.Job, m.Trainer, e.Message);
            }
            if (_inputs?.Job.JobId == m.Job.JobId) Clear();
            TryStart();
        });
        Receive<Failed>(f =>
        {
            _work = null;
            Fail(f.Job, f.Trainer, f.Reason);
            TryStart();
        });
    }

    private void OnJob(MeasurePreciseBn job)
    {
        if (_inputs?.Job.JobId == job.JobId) return; // a repeat
        if (job.Snapshot is null || job.Positions < 1 || job.Positions > ReplayBufferActor.MaxSampleInParts)
        {
            _log.Error("refusing a Precise BN job from {Sender}: {Positions} positions", Sender, job.Positions);
            Sender.Tell(new PreciseBnFailed(job.JobId, "malformed job"));
            return;
        }
        if (_inputs is not null) _log.Info("generation {Old}: superseded by a job for generation {New}", _inputs.Job.Snapshot.Version, job.Snapshot.Version);
        Clear();
        _inputs = new PreciseBnJobInputs(job, _game);
        _trainer = Sender;
        _log.Info("generation {Generation}: Precise BN job from {Trainer}; fetching the snapshot ({Size} bytes) and {Positions} positions",
            job.Snapshot.Version, Sender.Path.Address, job.Snapshot.Size, job.Positions);
        // The snapshot server answers GetCurrentModel with the snapshot it serves, which the follower then pulls chunk by chunk.
        _follower = Context.ActorOf(ModelFollowerActor.Props(Sender, null, Self, _game.Name, _network, TimeSpan.FromSeconds(2)),
            $"snapshot-follower-{++_followers}");
        _buffer.Tell(new SamplePositionsInParts(_inputs.SampleRequest, job.Positions, MessageParts.DefaultMaxBytes));
    }

    private void TryStart()
    {
        if (_work is not null || _inputs is not { Complete: true } inputs) return;
        var (job, trainer) = (inputs.Job, _trainer);
        byte[] snapshot;
        ReplayPosition[] positions;
        try
        {
            (snapshot, positions) = inputs.Take();
        }
        catch (InvalidDataException e)
        {
            Fail(job, trainer, e.Message);
            return;
        }
        _work = Task.Run(() => PreciseBnPass.Measure(_game, _options, _device, snapshot, positions)).PipeTo(Self,
            success: m => new Measured(job, trainer, m),
            failure: e => new Failed(job, trainer, e.Message));
    }

    private void Fail(MeasurePreciseBn job, IActorRef trainer, string reason)
    {
        _log.Error("generation {Generation}: Precise BN failed here: {Reason}", job.Snapshot.Version, reason);
        trainer.Tell(new PreciseBnFailed(job.JobId, reason));
        if (_inputs?.Job.JobId == job.JobId) Clear();
    }

    private void Clear()
    {
        StopFollower();
        _inputs = null;
    }

    private void StopFollower()
    {
        if (_follower is not null) Context.Stop(_follower);
        _follower = null;
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        BackgroundWork.AwaitOnStop(_work);
        base.PostStop();
    }
}
