using System.Diagnostics;

namespace SelfPlayBN.Training;

/// <summary>The share of a time limit that has passed since this clock was made (a run makes one at its start, for its
/// stop and for the trainer's anneal).</summary>
public sealed class TimeLimitClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _limit;

    /// <summary>Starts the clock for a limit of <paramref name="minutes"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a positive number of minutes.</exception>
    public TimeLimitClock(double minutes) =>
        _limit = minutes > 0 && double.IsFinite(minutes) ? TimeSpan.FromMinutes(minutes)
            : throw new ArgumentOutOfRangeException(nameof(minutes), minutes, "a time limit must be a positive number of minutes");

    /// <summary>Elapsed time over the limit (above 1 past it).</summary>
    public double ElapsedShare() => _clock.Elapsed / _limit;
}
