using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Owns the <see cref="ReplayBuffer"/>: stores submitted games (acknowledging them with <see cref="GamesAccepted"/> only
/// once they are on disk), answers status queries and samples positions uniformly from the window. An invalid
/// submission is logged and not acknowledged.
/// </summary>
public sealed class ReplayBufferActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Props for a buffer actor over <paramref name="buffer"/>; <paramref name="seed"/> seeds sampling.</summary>
    public static Props Props(ReplayBuffer buffer, int seed) => Akka.Actor.Props.Create(() => new ReplayBufferActor(() => buffer, seed));

    /// <summary>Props for a buffer actor that opens its buffer when it starts (a cluster singleton reloads the segments
    /// from disk each time it is created, on whichever node hosts it).</summary>
    public static Props Props(Func<ReplayBuffer> open, int seed) => Akka.Actor.Props.Create(() => new ReplayBufferActor(open, seed));

    /// <summary>Creates the actor (use <see cref="Props(Func{ReplayBuffer}, int)"/>).</summary>
    public ReplayBufferActor(Func<ReplayBuffer> open, int seed)
    {
        var buffer = open();
        var rng = new Random(seed);
        Receive<SubmitGames>(m =>
        {
            try
            {
                int fresh = buffer.Append(m.Games);
                Sender.Tell(new GamesAccepted(m.SubmissionId, fresh, buffer.Positions));
            }
            catch (InvalidDataException e)
            {
                _log.Error("rejected submission {SubmissionId} of {Count} games from {Sender}: {Problem}", m.SubmissionId, m.Games.Length, Sender, e.Message);
            }
        });
        Receive<GetBufferStatus>(_ => Sender.Tell(new BufferStatus(buffer.Positions, buffer.Games, buffer.GamesAccepted)));
        Receive<SamplePositions>(m =>
        {
            var positions = buffer.Positions == 0 || m.Count <= 0 ? [] : buffer.Sample(m.Count, rng);
            Sender.Tell(PositionsSampled.From(m.RequestId, positions));
        });
    }
}
