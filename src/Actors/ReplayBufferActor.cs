using Akka.Actor;
using Akka.Event;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// Owns the <see cref="ReplayBuffer"/>: stores submitted games (acknowledging them with <see cref="GamesAccepted"/> only
/// once they are on disk), tells its subscribers (<see cref="SubscribeToBufferStatus"/>: the trainer) its status after
/// each submission that stored new games, answers status queries and samples positions uniformly from the window (in one
/// message, or in frame-sized parts for another node). An invalid submission is logged and not acknowledged.
/// </summary>
public sealed class ReplayBufferActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = [];

    /// <summary>The largest sample a <see cref="SamplePositionsInParts"/> may ask for.</summary>
    public const int MaxSampleInParts = 1_000_000;

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
                if (fresh > 0 && _subscribers.Count > 0)
                {
                    var status = Status(buffer);
                    foreach (var s in _subscribers) s.Tell(status);
                }
            }
            catch (InvalidDataException e)
            {
                _log.Error("rejected submission {SubmissionId} of {Count} games from {Sender}: {Problem}", m.SubmissionId, m.Games.Length, Sender, e.Message);
            }
        });
        Receive<GetBufferStatus>(_ => Sender.Tell(Status(buffer)));
        Receive<SubscribeToBufferStatus>(_ =>
        {
            if (_subscribers.Add(Sender)) Context.Watch(Sender);
            Sender.Tell(Status(buffer));
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<SamplePositions>(m =>
        {
            var positions = buffer.Positions == 0 || m.Count <= 0 ? [] : buffer.Sample(m.Count, rng);
            Sender.Tell(PositionsSampled.From(m.RequestId, positions));
        });
        Receive<SamplePositionsInParts>(m =>
        {
            if (m.Count is < 0 or > MaxSampleInParts)
            {
                _log.Error("refused a sample of {Count} positions in parts from {Sender}: at most {Max}", m.Count, Sender, MaxSampleInParts);
                return;
            }
            var positions = buffer.Positions == 0 || m.Count == 0 ? [] : buffer.Sample(m.Count, rng);
            try
            {
                int limit = Math.Clamp(m.MaxPartBytes, 1024, MessageParts.DefaultMaxBytes);
                foreach (var part in MessageParts.SplitSample(m.RequestId, positions, limit)) Sender.Tell(part);
            }
            catch (InvalidDataException e)
            {
                _log.Error("cannot send a sample of {Count} positions to {Sender}: {Problem}", m.Count, Sender, e.Message);
            }
        });
    }

    private static BufferStatus Status(ReplayBuffer buffer) => new(buffer.Positions, buffer.Games, buffer.GamesAccepted);
}
