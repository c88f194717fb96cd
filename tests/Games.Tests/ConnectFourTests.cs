using SelfPlayBN.Games.ConnectFour;

namespace SelfPlayBN.Games.Tests;

public sealed class ConnectFourConformance : GameConformanceTests
{
    protected override IGame Game => ConnectFourGame.Instance;
}

public sealed class ConnectFourTests
{
    private static readonly ConnectFourGame G = ConnectFourGame.Instance;

    /// <summary>A full board without four in a row (the columns alternate colours; see the test).</summary>
    internal const string DrawGame = "133113311331244224422442577557755775666666";

    [Fact]
    public void Horizontal_four_wins_for_the_first_player()
    {
        var s = ConnectFourState.FromMoves("1122334");
        Assert.True(s.IsTerminal);
        Assert.Equal(0, s.Winner);
        Assert.Equal(1, s.Returns(0));
        Assert.Equal(-1, s.Returns(1));
        Assert.Equal(1, s.CurrentPlayer);
        Assert.False(ConnectFourState.FromMoves("112233").IsTerminal);
    }

    [Fact]
    public void Vertical_four_wins_for_the_second_player()
    {
        var s = ConnectFourState.FromMoves("12121232");
        Assert.True(s.IsTerminal);
        Assert.Equal(1, s.Winner);
        Assert.Equal(-1, s.Returns(0));
        Assert.Equal(1, s.Returns(1));
        Assert.True(ConnectFourState.FromMoves("1212121").IsTerminal);
    }

    [Theory]
    [InlineData("12234334544")] // rising to the right: 1a 2b 3c 4d
    [InlineData("76654554344")] // its mirror: rising to the left
    public void Diagonal_fours_win(string moves)
    {
        var s = ConnectFourState.FromMoves(moves);
        Assert.True(s.IsTerminal);
        Assert.Equal(0, s.Winner);
        Assert.False(ConnectFourState.FromMoves(moves[..^1]).IsTerminal);
    }

    [Fact]
    public void Full_board_without_four_is_a_draw()
    {
        // Column c holds alternating colours, starting with X in columns 1, 2, 5, 6 and O in 3, 4, 7: rows read
        // XXOOXXO or its inverse and every diagonal changes colour within three cells, so nobody has four.
        var s = ConnectFourState.FromMoves(DrawGame);
        Assert.True(s.IsTerminal);
        Assert.Equal(42, s.MoveNumber);
        Assert.Equal(-1, s.Winner);
        Assert.Equal(0, s.Returns(0));
        Assert.Equal(0, s.Returns(1));
        Assert.Equal(0, s.GetLegalActions(new int[7]));
        Assert.False(ConnectFourState.FromMoves(DrawGame[..^1]).IsTerminal);
    }

    [Fact]
    public void Full_column_is_illegal_and_the_others_stay_legal()
    {
        var s = ConnectFourState.FromMoves("444444");
        Assert.True(s.IsColumnFull(3));
        Assert.Equal(6, s.ColumnHeight(3));
        Assert.False(s.IsLegal(3));
        Assert.Throws<ArgumentException>(() => s.Apply(3));
        for (int c = 0; c < 7; c++) if (c != 3) Assert.True(s.IsLegal(c));
        var mask = new bool[7];
        s.GetLegalMask(mask);
        Assert.Equal([true, true, true, false, true, true, true], mask);
    }

    [Theory]
    [InlineData("44a3", "'a'", "position 3")]
    [InlineData("4 4", "U+0020", "position 2")]
    [InlineData("408", "'0'", "position 2")]
    [InlineData("1111111", "full", "position 7")]
    [InlineData("12121213", "end of the game", "position 8")]
    [InlineData(DrawGame + "1", "'1'", "position 43")]
    public void Move_string_errors_name_the_character_and_position(string moves, string what, string where)
    {
        var e = Assert.Throws<FormatException>(() => ConnectFourState.FromMoves(moves));
        Assert.Contains(what, e.Message);
        Assert.Contains(where, e.Message);
        Assert.False(ConnectFourState.TryFromMoves(moves, out _, out string? error));
        Assert.Equal(e.Message, error);
    }

    [Fact]
    public void Empty_move_string_is_the_empty_board()
    {
        var s = ConnectFourState.FromMoves("");
        Assert.Equal(0, s.MoveNumber);
        Assert.Equal(0UL, s.Mask);
        Assert.Same(G.Initial, s);
    }

    [Fact]
    public void Actions_are_written_as_column_numbers()
    {
        Assert.Equal("1", G.ActionToString(0));
        Assert.Equal("7", G.ActionToString(6));
        Assert.True(G.TryParseAction("4", out int a));
        Assert.Equal(3, a);
        Assert.False(G.TryParseAction("8", out _));
        Assert.False(G.TryParseAction("0", out _));
        Assert.False(G.TryParseAction("44", out _));
    }

    [Fact]
    public void Observation_is_from_the_side_to_move_with_the_top_row_first()
    {
        var s = ConnectFourState.FromMoves("43"); // X in column 4, O in column 3; X to move
        var obs = new float[2 * 6 * 7];
        s.WriteObservation(obs);
        int bottom = 5 * 7;
        Assert.Equal(1f, obs[bottom + 3]);          // own stone (X), bottom row, column 4
        Assert.Equal(1f, obs[42 + bottom + 2]);     // opponent (O), bottom row, column 3
        Assert.Equal(2f, obs.Sum());
        s.Play(3).WriteObservation(obs);             // O to move: X has two stones in column 4
        Assert.Equal(1f, obs[bottom + 2]);
        Assert.Equal(1f, obs[42 + bottom + 3]);
        Assert.Equal(1f, obs[42 + 4 * 7 + 3]);       // second row from the bottom
        Assert.Equal(3f, obs.Sum());
    }

    [Fact]
    public void Symmetries_are_identity_and_mirror()
    {
        var syms = G.Symmetries;
        Assert.Equal(2, syms.Count);
        Assert.Equal("mirror", syms[1].Name);
        Assert.Equal([6, 5, 4, 3, 2, 1, 0], syms[1].ActionMap.ToArray());
        Assert.Equal(6, syms[1].CellMap[0]);
        Assert.Equal(5 * 7 + 3, syms[1].CellMap[5 * 7 + 3]);
    }

    [Fact]
    public void Keys_identify_positions_across_move_orders_and_mirror_correctly()
    {
        var a = ConnectFourState.FromMoves("4453");
        var b = ConnectFourState.FromMoves("4354");
        Assert.Equal(a.Key, b.Key);
        Assert.Equal(a.Render(), b.Render());
        Assert.NotEqual(a.Key, ConnectFourState.FromMoves("4435").Key);
        Assert.Equal(ConnectFourState.FromMoves("4435").Key, ConnectFourBitboard.MirrorKey(a.Key));
        Assert.NotEqual(G.Initial.Play(0).Key, G.Initial.Play(0).Play(0).Play(0).Key);
        // Keys of random positions are unique per distinct board.
        var rng = new Random(11);
        var seen = new Dictionary<ulong, string>();
        for (int g = 0; g < 200; g++)
        {
            var s = G.Initial;
            while (!s.IsTerminal)
            {
                if (seen.TryGetValue(s.Key, out var r)) Assert.Equal(r, s.Render());
                else seen[s.Key] = s.Render();
                Assert.Equal(ConnectFourBitboard.Key(s.CurrentStones, s.Mask), s.Key);
                int c;
                do c = rng.Next(7); while (!s.IsLegal(c));
                s = s.Play(c);
            }
        }
    }

    [Fact]
    public void Winning_cells_are_the_empty_cells_that_complete_a_four()
    {
        // X: bottom row columns 1-3 (O answered in the second row): X threatens the bottom of column 4 only.
        var s = ConnectFourState.FromMoves("11223");
        ulong xWins = ConnectFourBitboard.WinningCells(s.StonesOf(0), s.Mask);
        Assert.Equal(ConnectFourBitboard.Cell(3, 0), xWins);
        Assert.Equal(ConnectFourBitboard.Cell(3, 0), xWins & ConnectFourBitboard.Playable(s.Mask));
        // Brute force over random positions: a cell is winning iff adding it makes four.
        var rng = new Random(12);
        for (int g = 0; g < 100; g++)
        {
            var t = G.Initial;
            while (!t.IsTerminal)
            {
                foreach (ulong stones in new[] { t.CurrentStones, t.OpponentStones })
                {
                    ulong expected = 0;
                    for (int c = 0; c < 7; c++)
                    for (int r = 0; r < 6; r++)
                    {
                        ulong cell = ConnectFourBitboard.Cell(c, r);
                        if ((t.Mask & cell) == 0 && ConnectFourBitboard.HasFour(stones | cell)) expected |= cell;
                    }
                    Assert.Equal(expected, ConnectFourBitboard.WinningCells(stones, t.Mask));
                }
                int col;
                do col = rng.Next(7); while (!t.IsLegal(col));
                t = t.Play(col);
            }
        }
    }

    [Fact]
    public void Render_shows_the_board_with_column_numbers()
    {
        string text = ConnectFourState.FromMoves("44").Render();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(7, lines.Length);
        Assert.Equal("1 2 3 4 5 6 7", lines[6]);
        Assert.Equal(". . . X . . .", lines[5]);
        Assert.Equal(". . . O . . .", lines[4]);
    }
}
