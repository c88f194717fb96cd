using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

/// <summary>Handicap stones (<c>fixed_handicap</c>, <c>place_free_handicap</c>, <c>set_free_handicap</c>) and
/// <c>final_status_list</c>: what GoGui, Sabaki and match runners send for handicap games and scoring.</summary>
public sealed class GtpEngineHandicapTests
{
    private const string GnuGo = "/usr/games/gnugo";

    [Theory]
    // The specification's layout worked out by hand: 4th line from 13x13 up, 3rd line below; corners first.
    [InlineData(19, 2, "D4 Q16")]
    [InlineData(19, 3, "D4 Q16 D16")]
    [InlineData(19, 4, "D4 Q16 D16 Q4")]
    [InlineData(19, 5, "D4 Q16 D16 Q4 K10")]
    [InlineData(19, 6, "D4 Q16 D16 Q4 D10 Q10")]
    [InlineData(19, 7, "D4 Q16 D16 Q4 D10 Q10 K10")]
    [InlineData(19, 8, "D4 Q16 D16 Q4 D10 Q10 K4 K16")]
    [InlineData(19, 9, "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10")]
    [InlineData(13, 4, "D4 K10 D10 K4")]
    [InlineData(9, 5, "C3 G7 C7 G3 E5")]
    [InlineData(8, 4, "C3 F6 C6 F3")]
    [InlineData(7, 3, "C3 E5 C5")]
    public void Fixed_handicap_places_the_standard_points_and_white_moves_next(int size, int stones, string expected)
    {
        using var s = new GtpSession(Engines.Uniform(size: size));
        Assert.Equal($"= {expected}", s.Send($"fixed_handicap {stones}"));
        var position = s.Engine.Position;
        Assert.Equal(stones, position.StoneCount(GoState.Black));
        Assert.Equal(0, position.StoneCount(GoState.White));
        Assert.Equal(1, position.CurrentPlayer); // White
        foreach (var v in expected.Split(' '))
        {
            Assert.True(s.Engine.Game.TryParseAction(v, out int p));
            Assert.Equal(GoState.Black, position.At(p));
        }
        Assert.Equal("? cannot undo", s.Send("undo")); // handicap stones are the start, not moves
        Assert.Equal("? board not empty", s.Send("fixed_handicap 2"));
        Assert.Equal("= ", s.Send("komi 0.5")); // a new komi keeps the stones
        Assert.Equal(stones, s.Engine.Position.StoneCount(GoState.Black));
        Assert.StartsWith("= ", s.Send("genmove w"));
        Assert.Equal(stones, s.Engine.Position.StoneCount(GoState.Black));
        Assert.Equal("= ", s.Send("clear_board"));
        Assert.Equal(0, s.Engine.Position.StoneCount(GoState.Black));
    }

    [Theory]
    [InlineData(9, "fixed_handicap 1", "? invalid number of stones: 2 to 9 on a 9x9 board")]
    [InlineData(9, "fixed_handicap 10", "? invalid number of stones: 2 to 9 on a 9x9 board")]
    [InlineData(10, "fixed_handicap 5", "? invalid number of stones: 2 to 4 on a 10x10 board")]
    [InlineData(7, "fixed_handicap 5", "? invalid number of stones: 2 to 4 on a 7x7 board")]
    [InlineData(6, "fixed_handicap 2", "? invalid number of stones: no fixed handicap on a 6x6 board")]
    [InlineData(9, "fixed_handicap two", "? syntax error: fixed_handicap takes a number of stones")]
    [InlineData(9, "place_free_handicap 1", "? invalid number of stones: 2 to 80")]
    [InlineData(6, "place_free_handicap 3", "? invalid number of stones: this engine places no handicap on a 6x6 board")]
    [InlineData(9, "set_free_handicap D4", "? bad vertex list: 2 to 80 vertices")]
    [InlineData(9, "set_free_handicap D4 D4", "? bad vertex list: D4 is listed twice")]
    [InlineData(9, "set_free_handicap D4 pass", "? bad vertex list: 'pass' is not a point of a 9x9 board")]
    [InlineData(9, "set_free_handicap D4 Z9", "? bad vertex list: 'Z9' is not a point of a 9x9 board")]
    [InlineData(9, "final_status_list", "? syntax error: final_status_list takes alive, dead or seki")]
    [InlineData(9, "final_status_list zombie", "? syntax error: final_status_list takes alive, dead or seki")]
    public void Bad_handicap_and_status_commands_fail_and_leave_the_board_as_it_was(int size, string command, string expected)
    {
        using var s = new GtpSession(Engines.Uniform(size: size));
        Assert.Equal(expected, s.Send(command));
        Assert.Equal(0, s.Engine.Position.StoneCount(GoState.Black));
        Assert.Equal(0, s.Engine.Position.CurrentPlayer);
    }

    [Fact]
    public void Handicap_needs_an_empty_board()
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal("= ", s.Send("play b E5"));
        Assert.Equal("? board not empty", s.Send("place_free_handicap 2"));
        Assert.Equal("? board not empty", s.Send("set_free_handicap C3 G7"));
        Assert.Equal(1, s.Engine.Position.StoneCount(GoState.Black));
    }

    [Fact]
    public void Free_handicap_is_placed_where_the_controller_says_or_on_the_fixed_points()
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal("= ", s.Send("set_free_handicap A1 J9 E5"));
        Assert.Equal(3, s.Engine.Position.StoneCount(GoState.Black));
        Assert.Equal(1, s.Engine.Position.CurrentPlayer);
        Assert.Equal("= ", s.Send("clear_board"));
        Assert.Equal("= C3 G7 C7", s.Send("place_free_handicap 3"));
        Assert.Equal("= ", s.Send("clear_board"));
        // More than the fixed layout holds: the engine places the 9 fixed points (the response says which).
        Assert.Equal("= C3 G7 C7 G3 C5 G5 E3 E7 E5", s.Send("place_free_handicap 12"));
        Assert.Equal(9, s.Engine.Position.StoneCount(GoState.Black));
    }

    [Fact]
    public void Fixed_handicap_points_agree_with_gnu_go()
    {
        Assert.True(File.Exists(GnuGo), $"{GnuGo} is not installed (Debian package gnugo; scripts/test.sh installs it)");
        using var gnugo = new GtpProcess(GnuGo, "--mode", "gtp");
        using var ours = new GtpSession(Engines.Uniform());
        int compared = 0;
        foreach (int size in new[] { 7, 8, 9, 10, 13, 19 })
        {
            Assert.StartsWith("=", gnugo.Send($"boardsize {size}"));
            Assert.Equal("= ", ours.Send($"boardsize {size}"));
            for (int stones = 2; stones <= GoHandicap.MaxFixed(size); stones++)
            {
                Assert.StartsWith("=", gnugo.Send("clear_board"));
                Assert.Equal("= ", ours.Send("clear_board"));
                string theirs = gnugo.Send($"fixed_handicap {stones}"), mine = ours.Send($"fixed_handicap {stones}");
                Assert.StartsWith("=", theirs);
                Assert.Equal(Vertices(theirs), Vertices(mine));
                compared++;
            }
            // One more than the layout holds: both refuse.
            Assert.Equal("= ", ours.Send("clear_board"));
            Assert.StartsWith("=", gnugo.Send("clear_board"));
            Assert.StartsWith("?", gnugo.Send($"fixed_handicap {GoHandicap.MaxFixed(size) + 1}"));
            Assert.StartsWith("?", ours.Send($"fixed_handicap {GoHandicap.MaxFixed(size) + 1}"));
        }
        Assert.Equal(3 + 3 + 8 + 3 + 8 + 8, compared);
    }

    private static SortedSet<string> Vertices(string response) =>
        new(response.TrimStart('=').Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => v.ToUpperInvariant()));

    [Fact]
    public void Final_status_list_names_the_stones_inside_the_other_sides_area_dead()
    {
        // Black walls off the left side (column D, and A3-C3 closing a corner of its own), White the right (column F, G3-J3);
        // a White stone sits in Black's area at B5, a Black stone in White's at H5.
        using var s = new GtpSession(Engines.Uniform());
        string[] black = ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9", "A3", "B3", "C3", "H5"];
        string[] white = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "G3", "H3", "J3", "B5"];
        for (int i = 0; i < black.Length; i++)
        {
            Assert.Equal("= ", s.Send($"play b {black[i]}"));
            Assert.Equal("= ", s.Send($"play w {white[i]}"));
        }
        Assert.Equal("= B5\nH5", s.Send("final_status_list dead")); // one chain per line, in board order
        Assert.Equal("= ", s.Send("final_status_list seki"));
        var alive = Vertices(s.Send("final_status_list alive"));
        Assert.Equal(new SortedSet<string>(black.Concat(white).Except(["H5", "B5"])), alive);
        Assert.Equal(26, s.Engine.Position.StoneCount(GoState.Black) + s.Engine.Position.StoneCount(GoState.White)); // a query changes nothing
    }
}
