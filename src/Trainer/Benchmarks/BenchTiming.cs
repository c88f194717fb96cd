using System.Diagnostics;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>Wall-clock milliseconds per call: mean over all calls, and the range of the per-round means; and the process's
/// CPU milliseconds per call (all threads), which a busy machine inflates less than wall time.</summary>
internal sealed record Timing(double Mean, double Min, double Max, long Count, double CpuMean)
{
    public string Spread => $"rounds {Min:0.0}–{Max:0.0} ms, {Count} calls; CPU time {CpuMean:0.0} ms/call";

    public override string ToString() => $"{Mean:0.00} ms ({Spread})";
}

/// <summary>Timing of actions that are compared with each other in one run: each is warmed up, then all are timed in
/// alternating rounds (the order reverses every round) so that a change in machine load hits all of them alike.</summary>
internal static class BenchTiming
{
    private const int Rounds = 6;

    /// <summary>Times <paramref name="once"/> for about <paramref name="seconds"/> (at least <paramref name="minCalls"/> calls).</summary>
    public static Timing Measure(Action once, double seconds, int minCalls = 2)
    {
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (n < minCalls || sw.Elapsed.TotalSeconds < seconds) { once(); n++; }
        double ms = sw.Elapsed.TotalMilliseconds / n;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / n;
        return new Timing(ms, ms, ms, n, cpu);
    }

    /// <summary>Warms both up, then times them in alternating rounds sharing <paramref name="seconds"/> in all.</summary>
    public static (Timing A, Timing B) Alternate(Action a, Action b, double seconds)
    {
        var t = Alternate([a, b], seconds);
        return (t[0], t[1]);
    }

    /// <summary>Warms each up (3 calls), then times them in alternating rounds sharing <paramref name="seconds"/> in all; the
    /// order reverses every round.</summary>
    public static Timing[] Alternate(IReadOnlyList<Action> actions, double seconds)
    {
        for (int i = 0; i < 3; i++)
            foreach (var action in actions) action();
        var rounds = actions.Select(_ => new List<Timing>()).ToArray();
        var order = Enumerable.Range(0, actions.Count).ToArray();
        for (int r = 0; r < Rounds; r++)
            foreach (int k in r % 2 == 0 ? order : order.Reverse())
                rounds[k].Add(Measure(actions[k], seconds / (actions.Count * Rounds)));
        return rounds.Select(ts =>
        {
            long n = ts.Sum(t => t.Count);
            return new Timing(ts.Sum(t => t.Mean * t.Count) / n, ts.Min(t => t.Mean), ts.Max(t => t.Mean), n, ts.Sum(t => t.CpuMean * t.Count) / n);
        }).ToArray();
    }
}
