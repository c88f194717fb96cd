using System.Diagnostics;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Speed of the Go rules engine: random playouts (<see cref="GoPlayout"/>: random legal moves that do not fill
/// the mover's own eyes, pass when none is left) from the empty board to the end of the game, on 9×9 and 19×19,
/// one thread. Each move copies the board (states are immutable), checks legality with captures, suicide and
/// positional superko, and updates the Zobrist hash.
/// </summary>
internal sealed class GoRulesBenchmark : IBenchmark
{
    public string Name => "go";

    public string Description => "Go rules engine: random playouts/s from the empty board, 9x9 and 19x19, one thread";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        foreach (int size in new[] { 9, 19 })
        {
            var game = new GoGame(size);
            var rng = new Random(size);
            for (int i = 0; i < 20; i++) GoPlayout.Run(game.NewGame(), rng); // warm-up (JIT tiers)
            long moves = 0;
            int playouts = 0, blackWins = 0;
            var watch = Stopwatch.StartNew();
            while (playouts == 0 || watch.Elapsed.TotalSeconds < settings.Seconds)
            {
                var end = GoPlayout.Run(game.NewGame(), rng);
                moves += end.MoveNumber;
                playouts++;
                if (end.Returns(0) > 0) blackWins++;
            }
            double seconds = watch.Elapsed.TotalSeconds;
            settings.Log.WriteLine($"  {size}x{size}: {playouts} playouts in {seconds:F1} s");
            yield return new BenchResult(Name, $"{size}x{size} random playouts", playouts / seconds, "playouts/s",
                $"{moves / (double)playouts:F0} moves per playout, {moves / seconds:N0} moves/s, Black won {100.0 * blackWins / playouts:F0}% (komi 7.5)");
        }
    }
}
