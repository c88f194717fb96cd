using System.Diagnostics;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;
using SelfPlayBN.Go.Match;

namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// Dead-stone judgement against GNU Go: finished 9×9 games are played by GNU Go (level 1) against itself, with a
/// random move instead of GNU Go's at 15 % of the first 40 plies so that games leave dead stones behind, until GNU Go
/// passes twice in a row (or 200 plies); then GNU Go's <c>final_status_list dead</c> (its default level, reading-based)
/// is the reference for <see cref="DeadStones"/> with random playouts and for the static rule (the baseline).
/// Figures: the share of stones on which the verdict (dead or not) agrees, the share of positions whose dead lists
/// are equal, and the milliseconds per judgement. Needs <c>/usr/games/gnugo</c>; <c>--seconds</c> × 4 games (at least 10).
/// </summary>
internal sealed class DeadStoneBenchmark : IBenchmark
{
    private const string GnuGo = "/usr/games/gnugo";

    public string Name => "deadstones";

    public string Description => "final_status_list dead vs GNU Go on finished 9x9 GNU Go games: agreement of Monte-Carlo ownership and of the static rule";

    public IEnumerable<BenchResult> Run(BenchSettings settings)
    {
        if (!File.Exists(GnuGo)) return [new BenchResult(Name, "skipped", 0, "", $"{GnuGo} is not installed (apt-get install gnugo)")];
        return RunAsync(settings).GetAwaiter().GetResult();
    }

    private async Task<IEnumerable<BenchResult>> RunAsync(BenchSettings settings)
    {
        int games = Math.Max(10, (int)(4 * settings.Seconds));
        var game = new GoGame(9, 7.5);
        var rng = new Random(2026);
        var judges = new (string Name, DeadStoneOptions Options)[] { ("static rule (baseline)", new DeadStoneOptions { Playouts = 0 }), ("playouts 400 (default)", new DeadStoneOptions()), ("playouts 100", new DeadStoneOptions { Playouts = 100 }) };
        var agreeStones = new int[judges.Length];
        var agreePositions = new int[judges.Length];
        var time = new TimeSpan[judges.Length];
        int stones = 0, deadStones = 0;
        await using var player = GtpClient.Start($"{GnuGo} --mode gtp --level 1 --chinese-rules", "gnugo-player");
        await using var referee = GtpClient.Start($"{GnuGo} --mode gtp --chinese-rules", "gnugo-referee");
        foreach (var c in new[] { player, referee })
            foreach (var setup in new[] { "boardsize 9", "komi 7.5" })
                await c.CommandAsync(setup);
        for (int g = 0; g < games; g++)
        {
            await player.CommandAsync("clear_board");
            var s = game.NewGame();
            int passes = 0;
            for (int ply = 0; ply < 200 && passes < 2 && !s.IsTerminal; ply++)
            {
                string colour = s.CurrentPlayer == 0 ? "b" : "w";
                int move;
                if (ply < 40 && rng.NextDouble() < 0.15 && RandomMove(s, rng) is int random)
                {
                    move = random;
                    await player.CommandAsync($"play {colour} {game.ActionToString(move)}");
                }
                else
                {
                    string text = (await player.CommandAsync($"genmove {colour}")).Trim();
                    if (text.Equals("resign", StringComparison.OrdinalIgnoreCase)) break;
                    if (!game.TryParseAction(text, out move)) throw new InvalidOperationException($"GNU Go played '{text}'");
                }
                passes = move == game.PassAction ? passes + 1 : 0;
                s = s.Play(move);
            }
            // The referee sees the final stones.
            await referee.CommandAsync("clear_board");
            for (int p = 0; p < game.Points; p++)
                if (s.At(p) == GoState.Black) await referee.CommandAsync($"play b {game.ActionToString(p)}");
            for (int p = 0; p < game.Points; p++)
                if (s.At(p) == GoState.White) await referee.CommandAsync($"play w {game.ActionToString(p)}");
            var reference = (await referee.CommandAsync("final_status_list dead", TimeSpan.FromMinutes(2)))
                .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .Select(v => game.TryParseAction(v, out int a) ? a : throw new InvalidOperationException($"GNU Go listed '{v}'")).ToHashSet();
            var final = GoState.FromDiagram(game, s.ToDiagram(), s.CurrentPlayer);
            int here = Enumerable.Range(0, game.Points).Count(p => final.At(p) != GoState.Empty);
            stones += here;
            deadStones += reference.Count;
            for (int j = 0; j < judges.Length; j++)
            {
                var watch = Stopwatch.StartNew();
                var dead = DeadStones.Classify(final, judges[j].Options).Where(c => c.Status == ChainStatus.Dead).SelectMany(c => c.Points).ToHashSet();
                time[j] += watch.Elapsed;
                int agree = Enumerable.Range(0, game.Points).Count(p => final.At(p) != GoState.Empty && dead.Contains(p) == reference.Contains(p));
                agreeStones[j] += agree;
                if (agree == here) agreePositions[j]++;
            }
            settings.Log.WriteLine($"  game {g + 1}/{games}: {here} stones, GNU Go lists {reference.Count} dead");
        }
        var results = new List<BenchResult>();
        for (int j = 0; j < judges.Length; j++)
        {
            double stoneShare = (double)agreeStones[j] / stones, positionShare = (double)agreePositions[j] / games;
            results.Add(new BenchResult(Name, $"{judges[j].Name}: stones agreeing", 100 * stoneShare, "%",
                $"{agreeStones[j]} of {stones} stones ({deadStones} dead by GNU Go) in {games} finished games"));
            results.Add(new BenchResult(Name, $"{judges[j].Name}: positions agreeing", 100 * positionShare, "%",
                $"{agreePositions[j]} of {games}; {time[j].TotalMilliseconds / games:F1} ms per position"));
        }
        return results;
    }

    /// <summary>A uniformly random legal point that does not fill the mover's own eye, or null.</summary>
    private static int? RandomMove(GoState s, Random rng)
    {
        var points = Enumerable.Range(0, s.GoGame.Points).Where(p => s.IsLegal(p) && !s.IsOwnEye(p, s.CurrentPlayer + 1)).ToArray();
        return points.Length == 0 ? null : points[rng.Next(points.Length)];
    }
}
