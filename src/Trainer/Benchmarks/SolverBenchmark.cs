using System.Diagnostics;
using System.Globalization;
using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Speed of the perfect Connect Four solver answering all seven columns (W/D/L) of a position, as
/// <c>solve connect4</c> does. Positions come from random games played to 8, 9, 10, 11, 12 stones in turn
/// (fixed seed, so every run sees the same sequence), keeping only positions where the game is not over and
/// the player to move cannot win at once. The first <see cref="SetSize"/> positions of the sequence (20 each of
/// 8–12 stones) are solved in order, one solver reused throughout (its transposition table kept, as the command
/// does), stopping early when the measuring time is spent; once with one search thread and once with two (the
/// default on a machine with more than one processor), on the same positions. Besides times it reports search
/// nodes per stone count, which with one thread do not depend on the machine or its load.
/// </summary>
internal sealed class SolverBenchmark : IBenchmark
{
    private const int Seed = 20240601;

    /// <summary>Size of the fixed position set: with a long enough measuring time every run solves the same positions.</summary>
    internal const int SetSize = 100;

    public string Name => "solver";

    public string Description => "Connect Four solver: positions/s, nodes/s and worst times, all 7 columns, 8-12 stones, 1 and 2 threads";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        foreach (int threads in new[] { 1, 2 })
            foreach (var result in Measure(settings, threads))
                yield return result;
    }

    private IEnumerable<BenchResult> Measure(BenchSettings settings, int threads)
    {
        var solver = new ConnectFourSolver(threads: threads);
        // Warm-up (JIT tiers) on positions outside the measured sequence.
        foreach (string moves in Positions(Seed + 1).Take(3)) solver.SolveColumns(ConnectFourState.FromMoves(moves));
        solver.Reset();

        int count = 0;
        long nodes = 0;
        double worst = 0;
        string worstMoves = "";
        var perStones = new SortedDictionary<int, (int Count, double Seconds, double Worst, long Nodes, long WorstNodes)>();
        var total = Stopwatch.StartNew();
        foreach (string moves in Positions(Seed).Take(SetSize))
        {
            if (count > 0 && total.Elapsed.TotalSeconds >= settings.Seconds) break;
            var state = ConnectFourState.FromMoves(moves);
            solver.ResetNodeCount();
            long start = Stopwatch.GetTimestamp();
            solver.SolveColumns(state);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            long n = solver.NodeCount;
            nodes += n;
            count++;
            perStones[moves.Length] = perStones.TryGetValue(moves.Length, out var p)
                ? (p.Count + 1, p.Seconds + seconds, Math.Max(p.Worst, seconds), p.Nodes + n, Math.Max(p.WorstNodes, n))
                : (1, seconds, seconds, n, n);
            if (seconds > worst)
            {
                worst = seconds;
                worstMoves = moves;
            }
        }
        double elapsed = total.Elapsed.TotalSeconds;
        string breakdown = string.Join(", ", perStones.Select(kv => string.Create(CultureInfo.InvariantCulture,
            $"{kv.Key} stones: {kv.Value.Count} × {1000 * kv.Value.Seconds / kv.Value.Count:F0} ms (worst {1000 * kv.Value.Worst:F0})")));
        string nodeBreakdown = string.Join(", ", perStones.Select(kv => string.Create(CultureInfo.InvariantCulture,
            $"{kv.Key} stones: {kv.Value.Nodes / 1e6 / kv.Value.Count:F3} M (worst {kv.Value.WorstNodes / 1e6:F3} M)")));
        string threadText = threads == 1 ? "1 thread" : $"{threads} threads";
        settings.Log.WriteLine($"  {threadText}: {count} positions in {elapsed:F1} s ({breakdown})");
        settings.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {threadText}: {nodes / 1e6:F2} M nodes in all; mean nodes by stones: {nodeBreakdown}"));
        string note = string.Create(CultureInfo.InvariantCulture, $"{count} positions in {elapsed:F1} s; mean by stones: {breakdown}");
        yield return new BenchResult(Name, $"8-12 stones, 7 columns, {threadText}", count / elapsed, "positions/s", note);
        yield return new BenchResult(Name, $"8-12 stones, 7 columns, {threadText}", nodes / elapsed, "nodes/s",
            string.Create(CultureInfo.InvariantCulture, $"{(double)nodes / count:F0} nodes/position; {nodes} nodes in all; mean by stones: {nodeBreakdown}"));
        yield return new BenchResult(Name, $"8-12 stones, worst position, {threadText}", 1000 * worst, "ms", $"position {worstMoves}");
    }

    /// <summary>The endless, reproducible sequence of benchmark positions (move strings) for a seed.</summary>
    internal static IEnumerable<string> Positions(int seed)
    {
        var rng = new Random(seed);
        var moves = new System.Text.StringBuilder();
        for (int i = 0; ; i++)
        {
            int stones = 8 + i % 5;
            while (true)
            {
                var s = ConnectFourGame.Instance.Initial;
                moves.Clear();
                while (s.MoveNumber < stones && !s.IsTerminal)
                {
                    int c = rng.Next(ConnectFourBitboard.Width);
                    if (!s.IsLegal(c)) continue;
                    s = s.Play(c);
                    moves.Append((char)('1' + c));
                }
                bool canWinAtOnce = (ConnectFourBitboard.WinningCells(s.CurrentStones, s.Mask) & ConnectFourBitboard.Playable(s.Mask)) != 0;
                if (!s.IsTerminal && !canWinAtOnce) break;
            }
            yield return moves.ToString();
        }
    }
}
