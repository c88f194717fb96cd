using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Tests;

/// <summary>Our <c>final_status_list dead</c> against GNU Go's (a real process, its default level 10) on the same positions.</summary>
public sealed class DeadStonesGnuGoTests
{
    private const string GnuGo = "/usr/games/gnugo";

    public static TheoryData<string, string> Positions => new()
    {
        // Black wall on E, White wall on F, one White stone at B5 in Black's area: only B5 is dead.
        { "walls and one dead stone", string.Join(' ', Enumerable.Range(1, 9).SelectMany(r => new[] { $"b E{r}", $"w F{r}" })) + " w B5" },
        // Two opening moves: nothing is dead yet.
        { "opening", "b J4 w E7" },
        // One dead stone on each side: B5 in Black's four columns, H5 in White's three.
        { "dead stones on both sides", string.Join(' ', Enumerable.Range(1, 9).SelectMany(r => new[] { $"b E{r}", $"w F{r}" })) + " w B5 b H5" },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void Final_status_list_dead_agrees_with_gnu_go(string what, string moves)
    {
        Assert.True(File.Exists(GnuGo), $"{GnuGo} is not installed (Debian package gnugo; scripts/test.sh installs it)");
        using var gnugo = new GtpProcess(GnuGo, "--mode", "gtp", "--chinese-rules");
        using var ours = new GtpSession(Engines.Uniform(size: 9));
        var words = moves.Split(' ');
        foreach (var command in new[] { "boardsize 9", "clear_board" }.Concat(Enumerable.Range(0, words.Length / 2).Select(i => $"play {words[2 * i]} {words[2 * i + 1]}")))
        {
            Assert.StartsWith("=", gnugo.Send(command));
            Assert.Equal("= ", ours.Send(command));
        }
        var theirs = Points(gnugo.Send("final_status_list dead"));
        var mine = Points(ours.Send("final_status_list dead"));
        Assert.True(theirs.SequenceEqual(mine), $"{what}: GNU Go lists [{string.Join(' ', theirs)}] dead, we list [{string.Join(' ', mine)}]");
        Assert.NotEqual(what == "opening", theirs.Length > 0);
    }

    private static string[] Points(string response)
    {
        Assert.StartsWith("=", response);
        return response[1..].Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => v.ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();
    }
}
