using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineLoadSgfTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gtp-loadsgf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    // Setup: Black C7 and G3, White C3; then White E5, Black G5, White C5 (White moves first after the setup).
    private const string Game = "(;GM[1]FF[4]SZ[9]KM[6.5]AB[cc][gg]AW[cg];W[ee];B[ge];W[ce])";

    private static int At(GtpSession s, string vertex)
    {
        Assert.True(s.Engine.Game.TryParseAction(vertex, out int a), vertex);
        return s.Engine.Position.At(a);
    }

    [Fact]
    public void Loadsgf_sets_size_komi_setup_and_moves_and_undo_takes_the_moves_back()
    {
        using var s = new GtpSession(Engines.Uniform(size: 19));
        Assert.Equal("= ", s.Send("play b D4"));
        string path = File("game.sgf", Game);
        Assert.Equal("=1 ", s.Send($"1 loadsgf {path}"));
        Assert.Equal(9, s.Engine.Game.Size);
        Assert.Equal(6.5, s.Engine.Game.Komi);
        Assert.Equal(GoState.Black, At(s, "C7"));
        Assert.Equal(GoState.Black, At(s, "G3"));
        Assert.Equal(GoState.White, At(s, "C3"));
        Assert.Equal(GoState.White, At(s, "E5"));
        Assert.Equal(GoState.Black, At(s, "G5"));
        Assert.Equal(GoState.White, At(s, "C5"));
        Assert.Equal(0, s.Engine.Position.CurrentPlayer);
        for (int i = 0; i < 3; i++) Assert.Equal("= ", s.Send("undo"));
        Assert.Equal(GoState.Empty, At(s, "E5"));
        Assert.Equal(GoState.Black, At(s, "C7")); // the setup stays
        Assert.Equal(1, s.Engine.Position.CurrentPlayer); // White moves first after the setup
        Assert.Equal("?2 cannot undo", s.Send("2 undo"));
    }

    [Fact]
    public void Loadsgf_with_a_move_number_stops_before_that_move()
    {
        using var s = new GtpSession(Engines.Uniform());
        string path = File("game.sgf", Game);
        Assert.Equal("= ", s.Send($"loadsgf {path} 2"));
        Assert.Equal(GoState.White, At(s, "E5"));
        Assert.Equal(GoState.Empty, At(s, "G5"));
        Assert.Single(s.Engine.Moves);
        Assert.Equal("= ", s.Send($"loadsgf {path} 1"));
        Assert.Empty(s.Engine.Moves);
        Assert.Equal("= ", s.Send($"loadsgf {path} 99"));
        Assert.Equal(3, s.Engine.Moves.Count);
        Assert.Equal("?3 syntax error: the move number must be a positive integer", s.Send($"3 loadsgf {path} 0"));
    }

    [Fact]
    public void Loadsgf_failures_name_the_problem_and_leave_the_game_as_it_was()
    {
        var engine = new GtpEngine(new GoSearchPlayer(_ => Search.UniformOracle.Instance, new GoSearchOptions { Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 9, Visits = 8, Sizes = new HashSet<int> { 9 } });
        using var s = new GtpSession(engine);
        Assert.Equal("= ", s.Send("play b E5"));
        var before = engine.Position;
        string missing = Path.Combine(_dir, "missing.sgf");
        Assert.Equal($"?1 cannot load file: {missing} does not exist", s.Send($"1 loadsgf {missing}"));
        Assert.StartsWith("?2 cannot load file: ", s.Send($"2 loadsgf {File("broken.sgf", "(;GM[1]SZ[9];B[ee]")}"));
        Assert.Equal("?3 cannot load file: board size 13 is not supported", s.Send($"3 loadsgf {File("big.sgf", "(;GM[1]FF[4]SZ[13];B[aa])")}"));
        var illegal = s.Send($"4 loadsgf {File("illegal.sgf", "(;GM[1]FF[4]SZ[9];B[ee];W[ee])")}");
        Assert.StartsWith("?4 cannot load file: ", illegal);
        Assert.Contains("2", illegal); // names the second move
        Assert.Equal("?5 syntax error: loadsgf takes a file name and an optional move number", s.Send("5 loadsgf"));
        Assert.Same(before, engine.Position);
        Assert.Equal(9, engine.Game.Size);
    }

    [Fact]
    public void Loadsgf_reads_what_gnu_go_writes()
    {
        const string GnuGo = "/usr/games/gnugo";
        Assert.True(System.IO.File.Exists(GnuGo), $"{GnuGo} is not installed (Debian package gnugo; scripts/test.sh installs it)");
        using var gnugo = new GtpProcess(GnuGo, "--mode", "gtp", "--level", "0", "--chinese-rules");
        foreach (var c in new[] { "boardsize 9", "clear_board", "komi 5.5", "play b E5", "play w C3", "play b G7", "play w D4", "play b pass", "genmove w" })
            Assert.StartsWith("=", gnugo.Send(c));
        string path = Path.Combine(_dir, "gnugo.sgf");
        Assert.StartsWith("=", gnugo.Send($"printsgf {path}"));
        using var s = new GtpSession(Engines.Uniform(size: 19));
        Assert.Equal("= ", s.Send($"loadsgf {path}"));
        Assert.Equal(5.5, s.Engine.Game.Komi);
        foreach (var (colour, name) in new[] { (GoState.Black, "black"), (GoState.White, "white") })
        {
            var theirs = gnugo.Send($"list_stones {name}")[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => v.ToUpperInvariant()).Order();
            var mine = Enumerable.Range(0, s.Engine.Game.Points).Where(p => s.Engine.Position.At(p) == colour).Select(s.Engine.Game.ActionToString).Order();
            Assert.Equal(theirs, mine);
        }
        Assert.Equal(0, s.Engine.Position.CurrentPlayer); // GNU Go writes the position as setup stones and PL[B]
    }
}
