using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Tests;

/// <summary>Our engine (served in-process) plays GNU Go (a real process) over GTP, with the test as the referee.</summary>
public sealed class GtpEngineGnuGoTests
{
    private const string GnuGo = "/usr/games/gnugo";

    private static string Ok(string response)
    {
        Assert.StartsWith("=", response);
        return response[1..].Trim();
    }

    [Fact]
    public void Our_engine_and_gnu_go_play_a_game_over_gtp_and_agree_on_the_position()
    {
        Assert.True(File.Exists(GnuGo), $"{GnuGo} is not installed (Debian package gnugo; scripts/test.sh installs it)");
        using var gnugo = new GtpProcess(GnuGo, "--mode", "gtp", "--level", "0", "--chinese-rules", "--capture-all-dead");
        using var ours = new GtpSession(Engines.Uniform(size: 7, visits: 16, komi: 7.5));
        foreach (var setup in new[] { "boardsize 7", "clear_board", "komi 7.5" })
        {
            Ok(gnugo.Send(setup));
            Ok(ours.Send(setup));
        }
        int plies = 0;
        for (int turn = 0; turn < 8; turn++)
        {
            string black = Ok(ours.Send("genmove b"));
            if (black == "resign") break;
            Ok(gnugo.Send($"play b {black}"));
            string white = Ok(gnugo.Send("genmove w"));
            plies += 2;
            if (white.Equals("resign", StringComparison.OrdinalIgnoreCase)) break;
            Assert.Equal("= ", ours.Send($"play w {white}"));
            if (black == "pass" && white.Equals("pass", StringComparison.OrdinalIgnoreCase)) break;
        }
        Assert.True(plies >= 2);
        // Both engines hold the same stones (captures included).
        var position = ours.Engine.Position;
        foreach (var (colour, name) in new[] { (GoState.Black, "black"), (GoState.White, "white") })
        {
            var theirs = Ok(gnugo.Send($"list_stones {name}")).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => v.ToUpperInvariant()).Order().ToArray();
            var mine = Enumerable.Range(0, ours.Engine.Game.Points).Where(p => position.At(p) == colour)
                .Select(ours.Engine.Game.ActionToString).Order().ToArray();
            Assert.Equal(theirs, mine);
        }
        Assert.NotEmpty(Ok(gnugo.Send("final_score")));
        Assert.Matches(@"^(B\+|W\+)\d+(\.\d+)?$|^0$", Ok(ours.Send("final_score")));
    }
}
