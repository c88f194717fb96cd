using Akka.Actor;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>Messages an actor sends itself or its parent inside one process (never on the wire, so exempt from
/// serialization checks).</summary>
internal static class Local
{
    internal sealed record GameDone(GameRecord Game) : INoSerializationVerificationNeeded;
    internal sealed record Flush : INoSerializationVerificationNeeded { public static readonly Flush Instance = new(); }
    internal sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    internal sealed record Trained(TrainedGeneration Generation) : INoSerializationVerificationNeeded;
    internal sealed record WorkFailed(string What, Exception Error) : INoSerializationVerificationNeeded;
}

/// <summary>Counters of the self-play actor, asked by the run actor.</summary>
/// <param name="Games">Games finished by this process.</param>
/// <param name="Positions">Positions of those games.</param>
/// <param name="Unacknowledged">Games submitted but not yet acknowledged by the buffer.</param>
/// <param name="Inference">The inference service's counters.</param>
/// <param name="Tally">Game lengths, passes and resignations of the games finished by this process.</param>
public sealed record SelfPlayStats(long Games, long Positions, int Unacknowledged, InferenceStatistics Inference, GameTally Tally) : INoSerializationVerificationNeeded;

/// <summary>Event from the self-play actor: the replay buffer has these games on disk.</summary>
/// <param name="GameIds">The acknowledged submission's games.</param>
/// <param name="NewGames">Of those, the ones the buffer had not stored before (the rest were retries).</param>
public sealed record GamesAcknowledged(Guid[] GameIds, int NewGames) : INoSerializationVerificationNeeded;

/// <summary>Query for <see cref="SelfPlayStats"/>.</summary>
public sealed record GetSelfPlayStats : INoSerializationVerificationNeeded
{
    /// <summary>The one instance.</summary>
    public static readonly GetSelfPlayStats Instance = new();
}

/// <summary>Work an actor runs off its thread (a <c>Task.Run</c> piped back to it).</summary>
internal static class BackgroundWork
{
    /// <summary>The longest an actor's stop waits for its work in flight. The actor system's termination is given longer
    /// (<see cref="TrainingRun.BaseConfig"/>), so the process never ends while an actor still waits.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromMinutes(2);

    /// <summary>Waits (bounded) for work in flight when the actor stops: a process must not exit while another thread still
    /// runs libtorch. That is what crashed runs at exit with a segmentation fault (exit code 139): a run stopped during an
    /// evaluation (minutes on a CPU), Akka gave the actor system's termination its default 10 s, and the process ended
    /// while the evaluator's thread was inside libtorch. Cancel the work first (<paramref name="cancel"/>) so that the wait
    /// is short. The work's failure, if any, reached the actor already.</summary>
    public static void AwaitOnStop(Task? work, CancellationTokenSource? cancel = null)
    {
        cancel?.Cancel();
        try { work?.Wait(StopWait); }
        catch (AggregateException) { }
    }
}
