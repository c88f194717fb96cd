using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineCommandTests
{
    [Fact]
    public void The_required_commands_answer_with_the_id_echoed()
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal("=1 2", s.Send("1 protocol_version"));
        Assert.Equal($"=2 {GoEngineInfo.Name}", s.Send("2 name"));
        Assert.Equal($"=3 {GoEngineInfo.GtpVersion}", s.Send("3 version"));
        Assert.Equal("=4 true", s.Send("4 known_command genmove"));
        Assert.Equal("=5 false", s.Send("5 known_command frobnicate"));
        var list = s.Send("6 list_commands").Split('\n');
        Assert.Equal("=6 protocol_version", list[0]);
        Assert.Equal(GtpEngine.Commands, [list[0]["=6 ".Length..], .. list[1..]]);
        foreach (var c in new[] { "boardsize", "clear_board", "komi", "play", "genmove", "undo", "final_score", "showboard",
                                  "time_settings", "time_left", "kgs-genmove_cleanup", "loadsgf", "lz-analyze", "lz-genmove_analyze", "quit" })
            Assert.Contains(c, GtpEngine.Commands);
        Assert.Equal("=", s.Send("name")[..1]);
        Assert.Equal("=0 ", s.Send("0 quit"));
        Assert.True(s.Finished(LineCollector.Timeout));
    }

    [Theory]
    [InlineData("13 frobnicate", "?13 unknown command")]
    [InlineData("frobnicate b", "? unknown command")]
    [InlineData("Name", "? unknown command")]
    [InlineData("8", "?8 missing command name")]
    [InlineData("9 boardsize", "?9 syntax error: boardsize takes one integer")]
    [InlineData("9 boardsize nine", "?9 syntax error: boardsize takes one integer")]
    [InlineData("10 boardsize 25", "?10 unacceptable size")]
    [InlineData("10 boardsize 4", "?10 unacceptable size")]
    [InlineData("11 komi", "?11 syntax error: komi takes one finite number")]
    [InlineData("11 komi NaN", "?11 syntax error: komi takes one finite number")]
    [InlineData("11 komi 1e400", "?11 syntax error: komi takes one finite number")]
    [InlineData("12 play b", "?12 syntax error: play takes a colour and a vertex")]
    [InlineData("12 play x D4", "?12 syntax error: 'x' is not a colour")]
    [InlineData("12 play b Z4", "?12 syntax error: 'Z4' is not a vertex of a 9x9 board")]
    [InlineData("12 play b I4", "?12 syntax error: 'I4' is not a vertex of a 9x9 board")]
    [InlineData("12 play b D10", "?12 syntax error: 'D10' is not a vertex of a 9x9 board")]
    [InlineData("14 genmove", "?14 syntax error: genmove takes one colour")]
    [InlineData("14 genmove purple", "?14 syntax error: 'purple' is not a colour")]
    [InlineData("15 undo", "?15 cannot undo")]
    [InlineData("16 time_settings 10 x 2", "?16 syntax error: time_settings takes main time, byo-yomi time (non-negative seconds) and byo-yomi stones (a non-negative integer)")]
    [InlineData("16 time_settings -1 0 0", "?16 syntax error: time_settings takes main time, byo-yomi time (non-negative seconds) and byo-yomi stones (a non-negative integer)")]
    [InlineData("17 time_left b 10", "?17 syntax error: time_left takes a colour, non-negative seconds and a non-negative number of stones")]
    [InlineData("18 lz-analyze avoid b D4", "?18 cannot parse analyze tags: 'avoid' takes a colour, a comma-separated list of vertices and a number of moves")]
    [InlineData("18 lz-analyze 10 20", "?18 cannot parse analyze tags: unexpected '20'")]
    [InlineData("19 lz-genmove_analyze 10", "?19 syntax error: a colour is required")]
    public void Malformed_and_unknown_commands_fail_with_the_id_and_the_engine_keeps_serving(string command, string expected)
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal(expected, s.Send(command));
        Assert.Equal("=20 2", s.Send("20 protocol_version"));
    }

    [Fact]
    public void Illegal_moves_fail_and_leave_the_position_unchanged()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5));
        foreach (var m in new[] { "b C3", "w A2", "b D4", "w B1" }) Assert.Equal("= ", s.Send("play " + m));
        var before = s.Engine.Position;
        Assert.Equal("?1 illegal move", s.Send("1 play b A2")); // occupied
        Assert.Equal("?2 illegal move", s.Send("2 play b A1")); // suicide: no liberty and nothing captured
        Assert.Same(before, s.Engine.Position);
        Assert.Equal(4, s.Engine.Moves.Count);
    }

    [Fact]
    public void Retaking_a_ko_at_once_is_illegal()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5));
        foreach (var m in new[] { "b A2", "w C3", "b B3", "w D2", "b B1", "w C1", "b E5", "w B2", "b C2" })
            Assert.Equal("= ", s.Send("play " + m));
        Assert.Equal(GoState.Empty, s.Engine.Position.At(1, 1)); // Black C2 captured White B2
        Assert.Equal("?1 illegal move", s.Send("1 play w B2")); // retaking would repeat the position
        Assert.Equal("= ", s.Send("play w E1"));
        Assert.Equal("= ", s.Send("play b A5"));
        Assert.Equal("= ", s.Send("play w B2")); // after an exchange elsewhere the retake is legal
        Assert.Equal(GoState.Empty, s.Engine.Position.At(2, 1));
    }

    [Fact]
    public void Undo_takes_back_moves_one_at_a_time_down_to_the_start()
    {
        using var s = new GtpSession(Engines.Uniform());
        var empty = s.Engine.Position;
        Assert.Equal("= ", s.Send("play b C3"));
        var afterOne = s.Engine.Position;
        Assert.Equal("= ", s.Send("play w D4"));
        Assert.Equal("=1 ", s.Send("1 undo"));
        Assert.Same(afterOne, s.Engine.Position);
        Assert.Equal(GoState.Black, afterOne.At(2, 2));
        Assert.Equal(GoState.Empty, s.Engine.Position.At(3, 3));
        Assert.Equal("= ", s.Send("undo"));
        Assert.Same(empty, s.Engine.Position);
        Assert.Equal("?2 cannot undo", s.Send("2 undo"));
        string move = s.Send("genmove b")[2..];
        Assert.True(s.Engine.Game.TryParseAction(move, out int a), move);
        Assert.Equal(1, s.Engine.Position.MoveNumber);
        if (a != s.Engine.Game.PassAction) Assert.Equal(GoState.Black, s.Engine.Position.At(a));
        Assert.Equal("= ", s.Send("undo"));
        Assert.Same(empty, s.Engine.Position);
    }

    [Fact]
    public void Genmove_plays_a_legal_move_for_the_named_colour_even_out_of_turn()
    {
        using var s = new GtpSession(Engines.Uniform());
        var r = s.Send("7 genmove w"); // White first: the engine inserts a Black pass
        Assert.StartsWith("=7 ", r);
        Assert.True(s.Engine.Game.TryParseAction(r[3..], out int action), r);
        var before = s.Engine.Position;
        Assert.Equal(0, before.CurrentPlayer);
        if (action != s.Engine.Game.PassAction) Assert.Equal(GoState.White, before.At(action));
        string again = action == 0 ? "B1" : "A1";
        Assert.True(s.Engine.Game.TryParseAction(again, out int againAction));
        Assert.Equal("= ", s.Send("play w " + again)); // White again
        Assert.Equal(GoState.White, s.Engine.Position.At(againAction));
        Assert.Equal("= ", s.Send("undo"));
        Assert.Same(before, s.Engine.Position); // one undo takes back the move and the inserted pass
    }

    [Fact]
    public void Final_score_is_the_tromp_taylor_score_of_the_current_position()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5, komi: 0.5));
        // Black owns columns A to C (15 points), White columns D and E (10 points).
        for (int row = 1; row <= 5; row++)
        {
            Assert.Equal("= ", s.Send($"play b C{row}"));
            Assert.Equal("= ", s.Send($"play w D{row}"));
        }
        Assert.Equal("=1 B+4.5", s.Send("1 final_score"));
        Assert.Equal("= ", s.Send("komi 7.5")); // replays the game under the new komi
        Assert.Equal("=2 W+2.5", s.Send("2 final_score"));
        Assert.Equal(10, s.Engine.Moves.Count);
        Assert.Equal("= ", s.Send("komi 5"));
        Assert.Equal("=3 0", s.Send("3 final_score"));
        Assert.Equal("= ", s.Send("clear_board"));
        Assert.Equal("=4 W+5", s.Send("4 final_score"));
    }

    [Fact]
    public void Showboard_draws_the_position_on_lines_after_the_status()
    {
        using var s = new GtpSession(Engines.Uniform(size: 5));
        Assert.Equal("= ", s.Send("play b A1"));
        Assert.Equal("= ", s.Send("play w E5"));
        var lines = s.Send("3 showboard").Split('\n');
        Assert.Equal("=3", lines[0].TrimEnd());
        Assert.Equal("   A B C D E", lines[1]);
        Assert.Equal(" 5 . . . . O 5", lines[2]);
        Assert.Equal(" 1 X . . . . 1", lines[6]);
        Assert.DoesNotContain(lines, l => l.Length == 0);
    }

    [Fact]
    public void Boardsize_changes_the_board_and_clears_it()
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal("= ", s.Send("play b E5"));
        Assert.Equal("=1 ", s.Send("1 boardsize 13"));
        Assert.Equal(13, s.Engine.Game.Size);
        Assert.Equal(0, s.Engine.Position.StoneCount(GoState.Black));
        Assert.Equal("= ", s.Send("play b N13"));
        Assert.Equal(7.5, s.Engine.Game.Komi);
    }

    [Fact]
    public void Genmove_with_a_time_budget_stops_before_the_visit_limit()
    {
        var engine = new GtpEngine(new GoSearchPlayer(_ => Search.UniformOracle.Instance, new GoSearchOptions { Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 9, Visits = 10_000_000, ResignWinrate = null, LagSeconds = 0 });
        using var s = new GtpSession(engine);
        Assert.Equal("= ", s.Send("time_settings 0 0 0")); // absolute time, none left: the minimum budget
        Assert.StartsWith("= ", s.Send("genmove b"));
        Assert.True(engine.LastSearch!.Visits < 10_000_000, $"{engine.LastSearch.Visits} visits");
        Assert.Equal("= ", s.Send("time_settings 0 1 0")); // byo-yomi time without stones: no limit
        Assert.Null(engine.Time.Budget(0, 81));
    }

    [Fact]
    public void Resigns_when_the_best_winrate_is_below_the_threshold()
    {
        // 5x5 with komi 30: Black cannot win (25 points at most), White cannot lose; random playouts see it at once.
        var engine = new GtpEngine(new GoSearchPlayer(_ => new Search.RolloutOracle(3), new GoSearchOptions { Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 5, Komi = 30, Visits = 64, ResignWinrate = 0.2, ResignMinVisits = 16, LagSeconds = 0 });
        using var s = new GtpSession(engine);
        Assert.Equal("=1 resign", s.Send("1 genmove b"));
        Assert.Equal(0, engine.Position.MoveNumber); // resigning plays nothing
        Assert.True(engine.LastSearch!.BestWinrate < 0.2);
        Assert.NotEqual("= resign", s.Send("genmove w"));
    }

    [Fact]
    public void Never_resigns_on_fewer_visits_than_the_minimum_even_when_visits_per_move_are_fewer()
    {
        // The same lost position, but 4 visits per move against the default minimum of 64: four playouts are no evidence.
        var engine = new GtpEngine(new GoSearchPlayer(_ => new Search.RolloutOracle(3), new GoSearchOptions { Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 5, Komi = 30, Visits = 4, ResignWinrate = 0.2, LagSeconds = 0 });
        using var s = new GtpSession(engine);
        Assert.NotEqual("= resign", s.Send("genmove b"));
        Assert.True(engine.LastSearch!.BestWinrate < 0.2, "the position should look lost, or this test proves nothing");
        Assert.Equal(1, engine.Position.MoveNumber);
    }
}
