using Akka.Actor;
using Akka.Configuration;
using SelfPlayBN.Games;
using SelfPlayBN.Training;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Actors;

/// <summary>How a run ended.</summary>
/// <param name="Error"><c>null</c> when it ended normally (limit reached or interrupted), else what failed.</param>
/// <param name="Generations">Generations trained in total.</param>
public sealed record RunOutcome(string? Error, long Generations);

/// <summary>
/// Sets up and runs the training pipeline in one process: the run folder (config copy, replay segments, checkpoints,
/// logs, metrics), resumption from what the folder holds, the actor system (every pipeline message through
/// <see cref="PipelineSerializer"/>, Akka's logs into Serilog's global logger, <see cref="Log.Logger"/>, which the
/// executable sets), and a clean stop on cancellation.
/// </summary>
public static class TrainingRun
{
    /// <summary>Runs until a limit is reached, <paramref name="cancel"/> fires, or an actor fails.</summary>
    /// <param name="game">The game (must match <c>options.Game</c>).</param>
    /// <param name="extras">What the game adds to the evaluation (from the game catalogue).</param>
    /// <param name="options">Validated options.</param>
    /// <param name="folder">The run folder (created if missing; resumed if it holds a run).</param>
    /// <param name="device">Where the networks run.</param>
    /// <param name="progress">Receives progress lines for the console.</param>
    /// <param name="cancel">Stops the run (Ctrl+C).</param>
    /// <param name="extraHocon">Extra Akka configuration (tests turn on <c>serialize-messages</c>).</param>
    /// <param name="status">Receives the run's state about once a second (a live view).</param>
    public static async Task<RunOutcome> RunAsync(IGame game, EvaluationExtras extras, RunOptions options, RunFolder folder, torch.Device device,
        Action<string>? progress, CancellationToken cancel, string extraHocon = "", Action<RunStatus>? status = null)
    {
        if (game.Name != options.Game) throw new ArgumentException($"the options are for {options.Game}, the game is {game.Name}");
        folder.Prepare(options);
        var (learner, generation, initial) = PrepareTrainer(game, options, folder, device, progress);
        var buffer = ReplayBuffer.Open(game, folder.Replay, options.Replay.ToWindow());
        if (buffer.Games > 0) progress?.Invoke($"replay buffer: {buffer.Games} games, {buffer.Positions} positions reloaded");
        if (options.Limits.Generations is { } limit && generation >= limit)
            return new RunOutcome(null, generation);

        // The inference service starts with the published model the registry will announce (or the initial one).
        var servedWeights = initial;
        long servedVersion = 0;
        if (folder.ModelStore.Latest() is { } latest)
        {
            servedWeights = folder.ModelStore.ReadWeights(latest);
            servedVersion = latest.Version;
        }
        var setup = SelfPlaySetup.Resolve(options, device.type == DeviceType.CUDA, Environment.ProcessorCount);
        progress?.Invoke($"self-play: {setup}");
        // Disposed after the actor system has terminated, so after the self-play workers have stopped (its runner threads
        // are joined: no thread is left inside libtorch when the process exits).
        using var inference = Models.InferenceService(game, options.Network, servedWeights, servedVersion, device, setup);

        var finished = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = BaseConfig(extraHocon);
        var system = ActorSystem.Create("selfplaybn", config);
        try
        {
            var resources = new RunResources(game, extras, options, folder, learner, generation, initial, device, finished, progress, status);
            system.ActorOf(RunActor.Props(new LocalWiring(buffer, inference, setup), resources), "run");
            using (cancel.Register(() => finished.TrySetResult(null)))
            {
                string? error = await finished.Task.ConfigureAwait(false);
                long trained = TrainerCheckpoint.Load(folder.Trainer)?.Generation ?? generation;
                return new RunOutcome(error, trained);
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
            learner.Dispose();
        }
    }

    /// <summary>The network and optimiser, resumed from the trainer's checkpoint when the folder holds one, the number
    /// of generations already trained, and the initial weights (seeded by the options: the same on every start).</summary>
    public static (Learner Learner, long Generation, byte[] InitialWeights) PrepareTrainer(IGame game, RunOptions options, RunFolder folder,
        torch.Device device, Action<string>? progress)
    {
        torch.manual_seed(options.Seed);
        var network = Models.Create(game, options.Network, options.Bn.Decay, device);
        var initial = Models.Save(network);
        var learner = new Learner(game, network, options.Trainer, device);
        long generation = 0;
        if (TrainerCheckpoint.Load(folder.Trainer) is { } checkpoint)
        {
            learner.Restore(checkpoint);
            generation = checkpoint.Generation;
            progress?.Invoke($"resuming after generation {generation} ({learner.Steps} optimiser steps)");
        }
        return (learner, generation, initial);
    }

    /// <summary>The Akka configuration every process of the pipeline shares: pipeline messages through
    /// <see cref="PipelineSerializer"/>, Akka's logs into Serilog, and a termination that waits for the actors' work in
    /// flight (<see cref="BackgroundWork.StopWait"/>).</summary>
    public static Config BaseConfig(string extraHocon) =>
        ConfigurationFactory.ParseString(extraHocon)
            .WithFallback(ConfigurationFactory.ParseString(PipelineSerializer.Hocon))
            .WithFallback(ConfigurationFactory.ParseString("""
                akka {
                  loglevel = INFO
                  stdout-loglevel = OFF
                  log-dead-letters-during-shutdown = off
                  loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
                  logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
                  actor.debug.unhandled = on
                  # An actor's stop waits up to 2 minutes for its libtorch work in flight (BackgroundWork.StopWait); the
                  # system's termination must wait longer, or the process ends while that work is inside libtorch.
                  coordinated-shutdown.phases.actor-system-terminate.timeout = 150s
                }
                """));
}
