using System.Diagnostics;
using System.Globalization;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Search;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Raw speed of the tree search: MCTS simulations per second on Connect Four with the uniform oracle
/// (so the figure is the search's own cost: selection, one new state per expansion, backup), one thread.
/// Self-play-like games are played to the end (800 simulations per move, root noise, temperature 1 for
/// the first 10 moves) with 1 and 8 leaves per oracle batch, with and without tree reuse; a last case
/// searches the empty board only, where every simulation expands a node (no cheap terminal visits).
/// </summary>
internal sealed class MctsBenchmark : IBenchmark
{
    private const int SimulationsPerMove = 800;

    public string Name => "mcts";

    public string Description => "MCTS simulations/s, Connect Four, uniform oracle, 1 thread, 800 sims/move, leaves per batch 1/8, reuse on/off";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        foreach (int leaves in new[] { 1, 8 })
        foreach (bool reuse in new[] { true, false })
        {
            var options = new MctsOptions { Simulations = SimulationsPerMove, LeavesPerBatch = leaves, ReuseTree = reuse, Seed = 1 };
            yield return Measure($"whole games, leaves/batch {leaves}, reuse {(reuse ? "on" : "off")}", options, settings.Seconds, openingOnly: false);
        }
        foreach (int leaves in new[] { 1, 8 })
        {
            var options = new MctsOptions { Simulations = SimulationsPerMove, LeavesPerBatch = leaves, Seed = 1 };
            yield return Measure($"empty board only, leaves/batch {leaves}", options, settings.Seconds, openingOnly: true);
        }
    }

    private BenchResult Measure(string name, MctsOptions options, double seconds, bool openingOnly)
    {
        var mcts = new Mcts(UniformOracle.Instance, options);
        int maxNodes = 0;
        long simulations = 0, terminal = 0, oracleCalls = 0, leaves = 0, collisions = 0;
        void Count(SearchResult r)
        {
            simulations += r.Simulations;
            terminal += r.Statistics.TerminalVisits;
            oracleCalls += r.Statistics.OracleCalls;
            leaves += r.Statistics.LeavesEvaluated;
            collisions += r.Statistics.Collisions;
            maxNodes = Math.Max(maxNodes, mcts.NodeCount);
        }
        void PlayGame()
        {
            IGameState s = ConnectFourGame.Instance.NewInitialState();
            mcts.Reset(s);
            if (openingOnly)
            {
                Count(mcts.Search());
                return;
            }
            while (!s.IsTerminal)
            {
                var r = mcts.Search();
                Count(r);
                s = s.Apply(r.Action);
                mcts.AdvanceTo(r.Action);
            }
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < Math.Min(1.0, seconds / 3)) PlayGame(); // JIT tiers, arena growth
        simulations = terminal = oracleCalls = leaves = collisions = 0;
        long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds) PlayGame();
        double elapsed = sw.Elapsed.TotalSeconds;
        long bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
        string note = string.Create(CultureInfo.InvariantCulture,
            $"{(double)bytes / simulations:F1} B allocated/simulation (a new state per expansion, a result per move); " +
            $"{100.0 * terminal / simulations:F0}% of simulations ended at a terminal state; mean oracle batch {(double)leaves / Math.Max(1, oracleCalls):F2}, " +
            $"{collisions:N0} collisions; tree up to {maxNodes:N0} nodes");
        return new BenchResult(Name, name, simulations / elapsed, "simulations/s", note);
    }
}
