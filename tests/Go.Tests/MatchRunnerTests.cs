using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Match;

namespace SelfPlayBN.Go.Tests;

/// <summary>
/// Matches between real GTP engines: GNU Go (Debian's gnugo, level 0 and 1 on 9×9 take about a second a game)
/// and small GTP engines written as shell scripts that resign, play an illegal move or die.
/// </summary>
public sealed class MatchRunnerTests : IDisposable
{
    private const string GnuGo0 = "/usr/games/gnugo --mode gtp --level 0 --chinese-rules --capture-all-dead";
    private const string GnuGo1 = "/usr/games/gnugo --mode gtp --level 1 --chinese-rules --capture-all-dead";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "match-test-" + Guid.NewGuid().ToString("N"));

    public MatchRunnerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A GTP engine as a shell script: answers <c>name</c> with <paramref name="name"/>, <c>genmove</c> with
    /// <paramref name="genmove"/> (a shell snippet that prints the answer's text), and everything else with
    /// an empty success.
    /// </summary>
    private string ScriptEngine(string name, string genmove)
    {
        string path = Path.Combine(_dir, name + ".sh");
        File.WriteAllText(path, $$"""
            while read id cmd rest; do
              case "$cmd" in
                name) printf '=%s {{name}}\n\n' "$id" ;;
                version) printf '=%s 1\n\n' "$id" ;;
                genmove) printf '=%s %s\n\n' "$id" "$({{genmove}})" ;;
                quit) printf '=%s\n\n' "$id"; exit 0 ;;
                *) printf '=%s\n\n' "$id" ;;
              esac
            done
            """);
        return $"/bin/sh {path}";
    }

    [Fact]
    public async Task GnuGo_against_GnuGo_plays_two_scored_games_with_legal_moves_and_SGF_files()
    {
        string sgfDir = Path.Combine(_dir, "sgf");
        var options = new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo1, Games = 2, Size = 9, Komi = 7.5, Parallel = 2, SgfDirectory = sgfDir };
        var progress = new List<(int Index, int Games)>();
        var match = await new MatchRunner(options).RunAsync((g, s) => progress.Add((g.Index, s.Games)));

        Assert.Equal("GNU Go 3.8", match.EngineAName);
        Assert.Equal([0, 1], match.Games.Select(g => g.Index));
        Assert.Equal([1, 2], progress.Select(p => p.Games));
        Assert.True(match.Games[0].EngineAIsBlack);
        Assert.False(match.Games[1].EngineAIsBlack);
        Assert.Equal(2, match.Statistics.Games);
        Assert.Equal(match.Games.Sum(g => g.ResultForA > 0 ? 1 : 0), match.Statistics.Wins);
        Assert.Null(match.Sprt);
        var game = new GoGame(9, 7.5);
        foreach (var g in match.Games)
        {
            Assert.True(g.End is GameEnd.TwoPasses or GameEnd.Resignation, $"game {g.Index}: {g.End} {g.Detail}");
            Assert.True(g.Moves > 10, $"game {g.Index}: {g.Moves} moves");
            Assert.Equal("GNU Go 3.8", g.BlackName);

            // The file parses back with the same moves, and they replay legally to the recorded result.
            Assert.Equal(Path.Combine(sgfDir, $"game-{g.Index + 1:D4}.sgf"), g.SgfPath);
            var record = Sgf.ReadFile(g.SgfPath!);
            Assert.Equal(g.Record.Moves.ToArray(), record.Moves.ToArray());
            Assert.Equal(g.Moves, record.Moves.Length);
            Assert.Equal(g.Result, record.Result);
            Assert.Equal(9, record.Size);
            Assert.Equal(7.5, record.Komi);
            Assert.Equal("GNU Go 3.8", record.BlackName);
            Assert.Equal("GNU Go 3.8", record.WhiteName);
            var final = record.FinalState(game);
            Assert.Equal(g.TrompTaylorScore, final.Score());
            if (g.End == GameEnd.TwoPasses)
            {
                Assert.True(final.IsTerminal);
                Assert.Equal(MatchRunner.ScoreText(final.Score()), g.Result);
                Assert.NotNull(g.BlackFinalScore); // GNU Go answers final_score
                Assert.Matches(@"^(B\+|W\+)\d+(\.\d+)?$|^0$", g.BlackFinalScore);
            }
            Assert.Equal(g.Winner is null ? 0 : (g.Winner == SgfColour.Black) == g.EngineAIsBlack ? 1 : -1, g.ResultForA);
        }
        Assert.Equal(["game-0001.sgf", "game-0002.sgf"], Directory.GetFiles(sgfDir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Move_limit_stops_the_game_and_scores_it_as_it_stands()
    {
        var options = new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo0, Games = 1, MaxMoves = 6 };
        var match = await new MatchRunner(options).RunAsync();
        var g = Assert.Single(match.Games);
        Assert.Equal(GameEnd.MoveLimit, g.End);
        Assert.Equal(6, g.Moves);
        Assert.Null(g.SgfPath);
        var final = g.Record.FinalState(new GoGame(9, 7.5));
        Assert.Equal(MatchRunner.ScoreText(final.Score()), g.Result);
        Assert.Contains("move limit of 6", g.Detail);
    }

    [Fact]
    public async Task Illegal_move_loses_and_is_recorded()
    {
        // Plays A1 every time: legal the first time, occupied the second.
        string stubborn = ScriptEngine("stubborn", "echo A1");
        var options = new MatchOptions { EngineA = stubborn, EngineB = GnuGo0, Games = 1, SgfDirectory = _dir };
        var g = Assert.Single((await new MatchRunner(options).RunAsync()).Games);
        Assert.Equal(GameEnd.IllegalMove, g.End);
        Assert.Equal(SgfColour.White, g.Winner);
        Assert.Equal("W+F", g.Result);
        Assert.Equal(-1, g.ResultForA);
        Assert.Equal(2, g.Moves); // A1 and GNU Go's answer
        Assert.Contains("Black played A1 at move 3, illegal: the point is occupied", g.Detail);
        var record = Sgf.ReadFile(g.SgfPath!);
        Assert.Equal("W+F", record.Result);
        Assert.Equal("stubborn 1", record.BlackName);
        Assert.Contains("Black played A1 at move 3", record.Comment);

        // Garbage instead of a vertex is illegal too.
        string confused = ScriptEngine("confused", "echo Z99");
        g = Assert.Single((await new MatchRunner(options with { EngineA = confused }).RunAsync()).Games);
        Assert.Equal(GameEnd.IllegalMove, g.End);
        Assert.Contains("answered 'Z99' to genmove, which is not a move on 9×9", g.Detail);
    }

    [Fact]
    public async Task Resignation_and_engine_failure_lose()
    {
        string resigner = ScriptEngine("resigner", "echo resign");
        var match = await new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = resigner, Games = 2 }).RunAsync();
        Assert.All(match.Games, g => Assert.Equal(GameEnd.Resignation, g.End));
        Assert.Equal("W+R", match.Games[1].Result); // resigner is Black in game 1 and resigns at once
        Assert.Equal(0, match.Games[1].Moves);
        Assert.Equal("B+R", match.Games[0].Result); // resigner is White in game 0 and resigns at its first turn
        Assert.Equal(1, match.Games[0].Moves);
        Assert.Equal(new MatchStatistics(2, 0, 0), match.Statistics);

        string dying = ScriptEngine("dying", "kill $$");
        var g = Assert.Single((await new MatchRunner(new MatchOptions { EngineA = dying, EngineB = GnuGo0, Games = 1 }).RunAsync()).Games);
        Assert.Equal(GameEnd.EngineFailure, g.End);
        Assert.Equal("W+F", g.Result);
        Assert.Contains("Black's engine failed: engine 'A: sh'", g.Detail);
        Assert.Contains("'genmove black'", g.Detail);
    }

    [Fact]
    public async Task Sprt_stops_the_match_once_decided()
    {
        // Engine A always loses at once. H0 = 0 Elo against H1 = 400 Elo: each loss adds
        // ln((1 − 10/11)/(1 − 0.5)) = ln(2/11) = −1.7047 to the LLR, and the lower bound is ln(0.05/0.95) = −2.9444,
        // so two losses decide (−3.41) and the other eight games are never played.
        string resigner = ScriptEngine("resigner", "echo resign");
        var options = new MatchOptions { EngineA = resigner, EngineB = GnuGo0, Games = 10, Sprt = new Sprt(0, 400) };
        var match = await new MatchRunner(options).RunAsync();
        Assert.Equal(SprtDecision.AcceptH0, match.Sprt);
        Assert.Equal(2, match.Games.Count);
        Assert.Equal(new MatchStatistics(0, 2, 0), match.Statistics);
    }

    [Fact]
    public async Task Engine_that_cannot_start_is_named()
    {
        var runner = new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = "/nonexistent/leelaz --gtp" });
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => runner.RunAsync());
        Assert.Contains("cannot start engine 'B: leelaz' (/nonexistent/leelaz --gtp)", e.Message);

        var fiveByFive = new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo0, Size = 5 } with { MaxMoves = 10 });
        Assert.Equal("GNU Go 3.8", (await fiveByFive.CheckEnginesAsync()).EngineA); // 5×5 is fine for GNU Go

        Assert.Throws<ArgumentException>(() => new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo0, MaxMoves = 244 }));
        Assert.Throws<ArgumentException>(() => new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = " ", Games = 1 }));
        Assert.Throws<ArgumentException>(() => new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo0, Parallel = 0 }));
    }

    [Fact]
    public async Task A_handicap_match_starts_every_game_from_the_standard_stones_with_white_to_move()
    {
        string sgfDir = Path.Combine(_dir, "handicap");
        var options = new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo1, Games = 2, Size = 9, Komi = 0.5, Handicap = 2, Parallel = 2, SgfDirectory = sgfDir };
        var match = await new MatchRunner(options).RunAsync();
        var game = new GoGame(9, 0.5);
        Assert.True(game.TryParseAction("C3", out int c3));
        Assert.True(game.TryParseAction("G7", out int g7));
        Assert.Equal(2, match.Games.Count);
        foreach (var g in match.Games)
        {
            Assert.True(g.End is GameEnd.TwoPasses or GameEnd.Resignation, $"game {g.Index}: {g.End} {g.Detail}");
            var record = Sgf.ReadFile(g.SgfPath!);
            Assert.Contains("HA[2]", File.ReadAllText(g.SgfPath!));
            Assert.Equal(2, record.Handicap);
            Assert.Equal([c3, g7], record.AddBlack.Order());
            Assert.Empty(record.AddWhite);
            Assert.Equal(SgfColour.White, record.Moves[0].Colour); // White moves first after the handicap
            var final = record.FinalState(game); // the moves replay legally from the handicap position
            Assert.Equal(g.TrompTaylorScore, final.Score());
            if (g.End == GameEnd.TwoPasses) Assert.Equal(MatchRunner.ScoreText(final.Score()), g.Result);
        }
    }

    [Fact]
    public async Task A_handicap_match_refuses_engines_without_fixed_handicap_or_with_other_stones()
    {
        var plain = new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = ScriptEngine("plain", "echo pass"), Handicap = 2 });
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => plain.RunAsync());
        Assert.Contains("does not know fixed_handicap", e.Message);

        // Knows the command but puts the stones elsewhere: it loses the game before a move is played.
        string path = Path.Combine(_dir, "elsewhere.sh");
        File.WriteAllText(path, """
            while read id cmd rest; do
              case "$cmd" in
                name) printf '=%s elsewhere\n\n' "$id" ;;
                known_command) printf '=%s true\n\n' "$id" ;;
                fixed_handicap) printf '=%s A1 B2\n\n' "$id" ;;
                quit) printf '=%s\n\n' "$id"; exit 0 ;;
                *) printf '=%s\n\n' "$id" ;;
              esac
            done
            """);
        var g = Assert.Single((await new MatchRunner(new MatchOptions { EngineA = $"/bin/sh {path}", EngineB = GnuGo0, Games = 1, Handicap = 2 }).RunAsync()).Games);
        Assert.Equal(GameEnd.EngineFailure, g.End);
        Assert.Equal("W+F", g.Result);
        Assert.Contains("placed the handicap stones 'A1 B2', not the standard C3 G7", g.Detail);
        Assert.Equal(0, g.Moves);
    }

    [Theory]
    [InlineData(9, 1, "handicap must be 0 or 2..9 on 9×9, not 1")]
    [InlineData(9, 10, "handicap must be 0 or 2..9 on 9×9, not 10")]
    [InlineData(8, 5, "handicap must be 0 or 2..4 on 8×8, not 5")]
    [InlineData(6, 2, "no fixed handicap on 6×6 (the GTP layout needs 7×7 or larger)")]
    public void Impossible_handicaps_are_refused(int size, int handicap, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new MatchRunner(new MatchOptions { EngineA = GnuGo0, EngineB = GnuGo0, Size = size, Handicap = handicap }));
        Assert.Equal(message, e.Message);
    }
}
