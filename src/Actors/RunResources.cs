using Akka.Actor;
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
public sealed record RunResources(
    IGame Game, EvaluationExtras Extras, RunOptions Options, RunFolder Folder, Learner Learner, long Generation,
    byte[] InitialWeights, torch.Device Device, TaskCompletionSource<string?> Finished,
    Action<string>? Progress, Action<RunStatus>? Status = null)
    : INoSerializationVerificationNeeded
{
    /// <summary>The run's time limit (<c>limits.minutes</c>), counted from when these resources were made, just before
    /// the run actor starts; <c>null</c> without a limit. The run actor stops at it, and the trainer anneals by it.</summary>
    public TimeLimitClock? LimitClock { get; } = Options.Limits.Minutes is { } minutes ? new TimeLimitClock(minutes) : null;
}

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
