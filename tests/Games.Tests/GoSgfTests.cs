using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Games.Tests;

public sealed class GoSgfTests
{
    private static readonly GoGame Go9 = new(9, komi: 7.5);

    private static int Point(GoGame g, string vertex)
    {
        Assert.True(g.TryParseAction(vertex, out int a), vertex);
        return a;
    }

    private static string[] Vertices(GoGame g, SgfRecord r) => r.Moves.Select(m => g.ActionToString(m.Action)).ToArray();

    /// <summary>
    /// A real game written by GNU Go 3.8's own SGF writer: `gnugo --score aftermath --chinese-rules
    /// --capture-all-dead --level 1 -l empty9.sgf -o out.sgf` from an empty 9×9 board with KM[7.5]. GNU Go
    /// printed the moves as GTP vertices while playing (<see cref="GnuGoMoves"/>) and the result "Black wins
    /// by 3.5 points"; it writes two extra passes after the two that end the game.
    /// </summary>
    private const string GnuGoGame = """
        (;GM[1]FF[4]
        SZ[9]
        DT[2026-11-27]
        KM[7.5]HA[0]PL[B]AP[GNU Go:3.8]RE[B+3.5]
        ;B[fe];W[cf];B[eg];W[dd];B[fc];W[ec];B[fb];W[dh];B[eh];W[eb];B[cg]
        ;W[bg];B[ch];W[fa];B[ga];W[ea];B[hb];W[bh];B[dg];W[ci];B[di];W[bi]
        ;B[ed];W[ee];B[fd];W[dc];B[ef];W[de];B[df];W[da];B[gb];W[bf];B[ff]
        ;W[cb];B[gg];W[cc];B[gf];W[ce];B[fh];W[bd];B[ei];W[bc];B[];W[]
        ;B[];W[]C[Black wins by 3.5 points
        ])
        """;

    private static readonly string[] GnuGoMoves =
    [
        "F5", "C4", "E3", "D6", "F7", "E7", "F8", "D2", "E2", "E8", "C3", "B3", "C2", "F9", "G9", "E9", "H8", "B2",
        "D3", "C1", "D1", "B1", "E6", "E5", "F6", "D7", "E4", "D5", "D4", "D9", "G8", "B4", "F4", "C8", "G3", "C7",
        "G4", "C5", "F2", "B6", "E1", "B7", "pass", "pass", "pass", "pass",
    ];

    [Fact]
    public void Real_GnuGo_game_reads_with_its_moves_and_replays_to_its_result()
    {
        var r = Sgf.Parse(GnuGoGame);
        Assert.Equal(9, r.Size);
        Assert.Equal(7.5, r.Komi);
        Assert.Equal("B+3.5", r.Result);
        Assert.Equal("GNU Go:3.8", r.Application);
        Assert.Equal(SgfColour.Black, r.PlayerToMove);
        Assert.Equal(GnuGoMoves, Vertices(Go9, r));
        Assert.Equal("Black wins by 3.5 points\n", r.Moves[^1].Comment);
        Assert.Empty(r.ExtraProperties); // GM FF SZ DT KM HA PL AP RE are all interpreted
        Assert.Equal("2026-11-27", r.Date);

        var states = r.Replay(r.CreateGame());
        Assert.Equal(r.Moves.Length + 1, states.Count);
        Assert.True(states[^1].IsTerminal);
        // With --chinese-rules --capture-all-dead GNU Go captures every dead stone before passing, so the
        // Tromp-Taylor area score of the final position is its result.
        Assert.Equal(3.5, states[^1].Score());
    }

    [Fact]
    public void Write_then_parse_keeps_every_field()
    {
        var end = Go9.NewGame().Play("E5", "C3", "D4", "pass");
        var record = SgfRecord.FromMoves(Go9.NewGame(), new[] { "E5", "C3", "D4", "pass", "C4" }.Select(v => Point(Go9, v))) with
        {
            Handicap = 0,
            Rules = "Chinese",
            BlackName = "GNU Go [level 0]",
            WhiteName = "back\\slash",
            Result = "W+R",
            Date = "2026-11-27",
            Application = "SelfPlayBN:0.1.0",
            Comment = "root ] comment\nsecond line",
            ExtraProperties = [new SgfExtraProperty("EV", ["Test ] event"]), new SgfExtraProperty("XX", ["a", "b"])],
        };
        record = record with { Moves = record.Moves.SetItem(1, record.Moves[1] with { Comment = "a \\ and ] here" }) };
        string text = Sgf.Write(record);
        Assert.StartsWith("(;GM[1]FF[4]CA[UTF-8]", text);
        Assert.Contains(";W[]", text); // White's pass
        Assert.Contains(";W[cg]", text); // C3 on 9×9: column c, row 9 − 3 = 6 from the top, g

        var back = Sgf.Parse(text);
        Assert.Equal(record.Size, back.Size);
        Assert.Equal(record.Komi, back.Komi);
        Assert.Equal(record.Rules, back.Rules);
        Assert.Equal(record.BlackName, back.BlackName);
        Assert.Equal(record.WhiteName, back.WhiteName);
        Assert.Equal(record.Result, back.Result);
        Assert.Equal(record.Date, back.Date);
        Assert.Equal(record.Application, back.Application);
        Assert.Equal(record.Comment, back.Comment);
        Assert.Null(back.PlayerToMove);
        Assert.Equal(record.Moves.ToArray(), back.Moves.ToArray()); // SgfMove is a record: colour, action and comment compared
        Assert.Equal(["EV", "XX"], back.ExtraProperties.Select(p => p.Ident));
        Assert.Equal(["Test ] event"], back.ExtraProperties[0].Values.ToArray());
        Assert.Equal(["a", "b"], back.ExtraProperties[1].Values.ToArray());
        Assert.Equal(text, Sgf.Write(back));

        var last = back.FinalState(back.CreateGame());
        var expected = end.Play("C4");
        for (int p = 0; p < Go9.Points; p++) Assert.Equal(expected.At(p), last.At(p));
        // The same moves found by walking back from the last position.
        Assert.Equal(back.Moves.Select(m => m.Action), SgfRecord.FromGame(last).Moves.Select(m => m.Action));
        Assert.Equal(back.Moves.Select(m => m.Colour), SgfRecord.FromGame(expected).Moves.Select(m => m.Colour));
    }

    [Fact]
    public void Escapes_and_line_breaks_in_values()
    {
        // \] and \\ are the escaped characters; \ before a line break removes it (soft break); other
        // line breaks (CRLF here) become \n; \ before any other character is just that character.
        var r = Sgf.Parse("(;SZ[9]C[a \\] b \\\\ c \\x soft\\\r\nbreak hard\r\nbreak];B[ee]C[)(;\\]\\\\])");
        Assert.Equal("a ] b \\ c x softbreak hard\nbreak", r.Comment);
        Assert.Equal(")(;]\\", r.Moves[0].Comment);
        Assert.Equal("a\\]b\\\\c", Sgf.Escape("a]b\\c"));
        // A value made only of the special characters survives writing and reading.
        const string nasty = "]]\\\\[;()\n:\\";
        var written = Sgf.Write(new SgfRecord { Size = 9, Comment = nasty, BlackName = "x]y" });
        var back = Sgf.Parse(written);
        Assert.Equal(nasty, back.Comment);
        Assert.Equal("x]y", back.BlackName);
    }

    [Fact]
    public void Empty_value_is_a_pass_and_tt_is_a_pass_only_up_to_19x19()
    {
        var r9 = Sgf.Parse("(;SZ[9];B[];W[ ])");
        Assert.Equal([81, 81], r9.Moves.Select(m => m.Action));
        var r19 = Sgf.Parse("(;SZ[19];B[tt];W[])");
        Assert.Equal([361, 361], r19.Moves.Select(m => m.Action));
        Assert.True(r19.FinalState(r19.CreateGame()).IsTerminal);
        // On 21×21, t is column 19 and row 19 from the top (y = 1): a point.
        var r21 = Sgf.Parse("(;SZ[21];B[tt])");
        Assert.Equal(1 * 21 + 19, r21.Moves[0].Action);
        // No SZ means 19×19.
        Assert.Equal(19, Sgf.Parse("(;B[tt])").Size);
        // Old 9×9 files write tt for a pass too; jj is off the 9×9 board.
        Assert.Equal(81, Sgf.Parse("(;SZ[9];B[tt])").Moves[0].Action);
        var e = Assert.Throws<SgfException>(() => Sgf.Parse("(;SZ[9]\n;B[jj])"));
        Assert.Equal(2, e.Line);
        Assert.Equal(2, e.Column);
        Assert.Contains("B[jj] is not a point on the 9×9 board", e.Message);
    }

    [Fact]
    public void Points_count_from_the_top_left_and_use_the_letter_i()
    {
        var r = Sgf.Parse("(;SZ[9];B[aa];W[ia];B[ai];W[ii];B[ie])");
        Assert.Equal(["A9", "J9", "A1", "J1", "J5"], Vertices(Go9, r));
        for (int p = 0; p < Go9.Points; p++)
            Assert.Equal(p, Sgf.Parse($"(;SZ[9];B[{SgfRecord.PointText(9, p)}])").Moves[0].Action);
    }

    [Fact]
    public void Setup_and_moves_replay_into_the_position()
    {
        // AB[aa:bb] is a compressed rectangle (A9 B9 A8 B8); AB[ee] is a lone black stone at E5 that the
        // white setup stones D5 F5 E6 leave with one liberty, E4; White is to play and takes it.
        const string text = """
            (;GM[1]FF[4]SZ[9]KM[0.5]HA[2]AB[aa:bb][ee]AW[de][fe][ed]PL[W]
            ;W[ef];B[cc];W[dd])
            """;
        var r = Sgf.Parse(text);
        Assert.Equal(2, r.Handicap);
        Assert.Equal(SgfColour.White, r.PlayerToMove);
        Assert.Equal(["A8", "A9", "B8", "B9", "E5"], r.AddBlack.Select(Go9.ActionToString).Order());
        Assert.Equal(["D5", "E6", "F5"], r.AddWhite.Select(Go9.ActionToString).Order());
        var game = r.CreateGame();
        Assert.Equal(0.5, game.Komi);
        var states = r.Replay(game);
        Assert.Equal(1, states[0].CurrentPlayer);
        Assert.Equal(GoState.Black, states[0].At(Point(game, "E5")));
        Assert.Equal(GoState.Empty, states[1].At(Point(game, "E5"))); // W E4 captured it
        Assert.Equal(GoState.White, states[1].At(Point(game, "E4")));
        var last = states[^1];
        Assert.Equal(5, last.StoneCount(GoState.Black)); // A8 A9 B8 B9 C7
        Assert.Equal(5, last.StoneCount(GoState.White)); // D5 E6 F5 E4 D6
        Assert.Equal(0, last.CurrentPlayer);

        // The same position through FromMoves: the start's stones become the setup.
        var again = SgfRecord.FromMoves(states[0], r.Moves.Select(m => m.Action));
        Assert.Equal(SgfColour.White, again.PlayerToMove);
        var back = Sgf.Parse(Sgf.Write(again));
        var end = back.FinalState(back.CreateGame());
        for (int p = 0; p < game.Points; p++) Assert.Equal(last.At(p), end.At(p));
    }

    [Fact]
    public void Main_line_is_the_first_variation_at_every_branch()
    {
        var r = Sgf.Parse("(;SZ[9];B[ee](;W[cc](;B[gg];W[gc])(;B[cg]))(;W[gg];B[cc]))");
        Assert.Equal(["E5", "C7", "G3", "G7"], Vertices(Go9, r));
    }

    [Fact]
    public void Collection_with_two_games()
    {
        var games = Sgf.ParseCollection("(;SZ[9];B[ee])\n(;SZ[13]PB[x];B[aa];W[bb])");
        Assert.Equal(2, games.Count);
        Assert.Equal(9, games[0].Size);
        Assert.Equal(13, games[1].Size);
        Assert.Equal(2, games[1].Moves.Length);
        Assert.Equal(9, Sgf.Parse("(;SZ[9];B[ee])\n(;SZ[13]PB[x];B[aa];W[bb])").Size); // Parse takes the first game
    }

    [Theory]
    [InlineData("", 1, 1, "no game tree")]
    [InlineData("x(;SZ[9])", 1, 1, "expected '('")]
    [InlineData("(;SZ[9];B[ee]", 1, 14, "missing ')'")]
    [InlineData("(;SZ[9]\n;B[ee\n", 2, 3, "missing ']'")]
    [InlineData("(;SZ[9](;B[ee]);W[cc])", 1, 16, "after a variation")]
    [InlineData("(SZ[9])", 1, 2, "expected ';'")]
    [InlineData("(;SZ[9]\n  ;B[ee]W[cc])", 2, 9, "both B and W")]
    [InlineData("(;GM[2])", 1, 3, "not Go")]
    [InlineData("(;SZ[9x9])", 1, 3, "not a board size")]
    [InlineData("(;SZ[9:7])", 1, 3, "rectangular")]
    [InlineData("(;SZ[9]KM[seven])", 1, 8, "KM[seven] is not a number")]
    [InlineData("(;SZ[9];B[e])", 1, 9, "not a point")]
    [InlineData("(;SZ[9];B[ee];AB[cc])", 1, 15, "setup property AB after the game has started")]
    [InlineData("(;SZ[9];B[ee]B[ff])", 1, 14, "appears twice")]
    [InlineData("(;SZ[9]PL[X])", 1, 8, "not a colour")]
    [InlineData("(;SZ[9] B [ee])", 1, 9, null)] // white space between identifier and value is allowed: no error
    public void Malformed_text_names_line_column_and_problem(string text, int line, int column, string? problem)
    {
        if (problem is null)
        {
            Assert.Single(Sgf.Parse(text).Moves);
            return;
        }
        var e = Assert.Throws<SgfException>(() => Sgf.Parse(text));
        Assert.Contains(problem, e.Message);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.StartsWith($"line {line}, column {column}: ", e.Message);
    }

    [Fact]
    public void Illegal_move_names_move_number_and_vertex()
    {
        var occupied = Sgf.Parse("(;SZ[9];B[ee];W[cc];B[cc])");
        var e = Assert.Throws<SgfException>(() => occupied.Replay(occupied.CreateGame()));
        Assert.Contains("move 3 (B C7)", e.Message);
        Assert.Contains("occupied", e.Message);

        // White suicide at A1 inside Black's B1/A2.
        var suicide = Sgf.Parse("(;SZ[9];B[bi];W[ee];B[ah];W[ai])");
        e = Assert.Throws<SgfException>(() => suicide.Replay(suicide.CreateGame()));
        Assert.Contains("move 4 (W A1)", e.Message);
        Assert.Contains("suicide", e.Message);

        var outOfTurn = Sgf.Parse("(;SZ[9];B[ee];B[cc])");
        e = Assert.Throws<SgfException>(() => outOfTurn.Replay(outOfTurn.CreateGame()));
        Assert.Contains("move 2 (B C7): White is to play", e.Message);

        var afterEnd = Sgf.Parse("(;SZ[9];B[];W[];B[ee])");
        e = Assert.Throws<SgfException>(() => afterEnd.Replay(afterEnd.CreateGame()));
        Assert.Contains("move 3 (B E5): the game is already over", e.Message);

        var big = Sgf.Parse("(;SZ[25];B[aa])");
        Assert.Contains("board size 25", Assert.Throws<SgfException>(() => big.CreateGame()).Message);

        Assert.Throws<ArgumentException>(() => SgfRecord.FromMoves(Go9.NewGame(), [Point(Go9, "E5"), Point(Go9, "E5")]));
    }

    [Fact]
    public void WriteFile_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sgf-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "game.sgf");
            File.WriteAllText(path, "old content that is longer than the new one would be if appended ...");
            var record = Sgf.Parse("(;SZ[9]PB[b]PW[w]RE[B+0.5];B[ee];W[])");
            Sgf.WriteFile(path, record);
            Assert.Equal(Sgf.Write(record), File.ReadAllText(path));
            Assert.Equal(record.Moves.ToArray(), Sgf.ReadFile(path).Moves.ToArray());
            Assert.Equal(["game.sgf"], Directory.GetFiles(dir).Select(Path.GetFileName));
            // UTF-8 names read as written; bytes that are not UTF-8 are read as Latin-1 (older files).
            File.WriteAllText(path, "(;SZ[9]PB[李昌镐]PW[Müller])", new System.Text.UTF8Encoding(true));
            Assert.Equal("李昌镐", Sgf.ReadFile(path).BlackName);
            Assert.Equal("Müller", Sgf.ReadFile(path).WhiteName);
            File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes("(;SZ[9]CA[ISO-8859-1]PW[Müller])"));
            Assert.Equal("Müller", Sgf.ReadFile(path).WhiteName);
            File.WriteAllText(path, "(;SZ[9];B[zz])");
            var e = Assert.Throws<SgfException>(() => Sgf.ReadFile(path));
            Assert.Contains(path, e.Message);
            Assert.Equal(1, e.Line);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
