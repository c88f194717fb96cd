using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Match;

namespace SelfPlayBN.Go.Tests;

/// <summary>The GTP client against the real GNU Go (Debian's gnugo, installed by scripts/test.sh) and small shell scripts that break the protocol.</summary>
public sealed class GtpClientTests
{
    internal const string GnuGo = "/usr/games/gnugo --mode gtp --level 0 --chinese-rules --capture-all-dead";

    [Fact]
    public async Task GnuGo_answers_single_and_multi_line_commands_and_refusals()
    {
        await using var gnugo = GtpClient.Start(GnuGo);
        Assert.Equal("gnugo", gnugo.Label);
        Assert.Equal("GNU Go", await gnugo.CommandAsync("name"));
        Assert.Equal("2", await gnugo.CommandAsync("protocol_version"));

        // list_commands answers one command per line; the blank line ends it.
        var commands = (await gnugo.CommandAsync("list_commands")).Split('\n');
        Assert.Contains("genmove", commands);
        Assert.Contains("play", commands);
        Assert.Contains("final_score", commands);
        Assert.True(commands.Length > 50, $"{commands.Length} commands");

        // A refusal is an answer, not a broken engine.
        var refused = await gnugo.SendAsync("no_such_command");
        Assert.False(refused.Success);
        Assert.Equal("unknown command", refused.Text);
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => gnugo.CommandAsync("boardsize 99"));
        Assert.Contains("engine 'gnugo' refused 'boardsize 99'", e.Message);
        Assert.False(gnugo.IsBroken);

        var go9 = new GoGame(9);
        await gnugo.CommandAsync("boardsize 9");
        await gnugo.CommandAsync("clear_board");
        await gnugo.CommandAsync("play black E5");
        string move = await gnugo.CommandAsync("genmove white");
        Assert.True(go9.TryParseAction(move, out int a), move);
        Assert.True(go9.NewGame().Play("E5").IsLegal(a), move);
        var board = await gnugo.CommandAsync("showboard");
        Assert.True(board.Split('\n').Length >= 11, board); // header, 9 rows, footer
        Assert.Contains('X', board);
        Assert.Contains('O', board);
    }

    [Fact]
    public async Task Program_that_does_not_exist_cannot_start()
    {
        var e = Assert.Throws<GtpEngineException>(() => GtpClient.Start("/nonexistent/engine --gtp"));
        Assert.Contains("cannot start engine 'engine' (/nonexistent/engine --gtp)", e.Message);
        Assert.Contains("command line is empty", Assert.Throws<GtpEngineException>(() => GtpClient.Start("   ")).Message);
        Assert.Contains("unclosed", Assert.Throws<GtpEngineException>(() => GtpClient.Start("gnugo 'x")).Message);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Engine_that_exits_is_reported_with_its_exit_code_and_standard_error()
    {
        await using var dead = GtpClient.Start("/bin/sh -c 'echo going away >&2; exit 3'", "dying");
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => dead.SendAsync("name"));
        Assert.Contains("engine 'dying'", e.Message);
        Assert.Contains("'name'", e.Message);
        Assert.True(e.Message.Contains("exited") || e.Message.Contains("stopped reading its input"), e.Message);
        Assert.Contains("exit code 3", e.Message);
        Assert.Contains("going away", e.Message);
        Assert.True(dead.IsBroken);
        var again = await Assert.ThrowsAsync<GtpEngineException>(() => dead.SendAsync("version"));
        Assert.Contains("cannot take 'version'", again.Message);
    }

    [Fact]
    public async Task Output_that_is_not_GTP_is_reported()
    {
        await using var chatty = GtpClient.Start("/bin/sh -c 'read line; echo hello there; sleep 30'", "chatty");
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => chatty.SendAsync("name"));
        Assert.Contains("engine 'chatty' answered 'hello there' to 'name', which is not a GTP response", e.Message);

        await using var wrongId = GtpClient.Start("/bin/sh -c 'read line; printf \"=7 x\\n\\n\"; sleep 30'", "wrong-id");
        e = await Assert.ThrowsAsync<GtpEngineException>(() => wrongId.SendAsync("name"));
        Assert.Contains("with id 7 to 'name' sent with id 1", e.Message);
    }

    [Fact]
    public async Task Answers_without_ids_and_with_CRLF_are_accepted()
    {
        const string script = "read l; printf \"= ok\\r\\n\\r\\n\"; read l; printf \"\\n?  bad thing\\n\\n\"; read l; printf \"=\\n\\n\"";
        await using var plain = GtpClient.Start($"/bin/sh -c '{script}'", "plain");
        Assert.Equal(new GtpResponse(true, "ok"), await plain.SendAsync("name"));
        Assert.Equal(new GtpResponse(false, " bad thing"), await plain.SendAsync("play black A1"));
        Assert.Equal(new GtpResponse(true, ""), await plain.SendAsync("quit"));
    }

    [Fact]
    public async Task Engine_that_does_not_answer_in_time_is_broken()
    {
        await using var slow = GtpClient.Start("/bin/sh -c 'read line; sleep 30'", "slow");
        var e = await Assert.ThrowsAsync<GtpEngineException>(() => slow.SendAsync("genmove b", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("engine 'slow' did not answer 'genmove b' within 0.3 s", e.Message);
        Assert.True(slow.IsBroken);
    }

    [Fact]
    public async Task Commands_must_be_one_line()
    {
        await using var cat = GtpClient.Start("/bin/cat");
        await Assert.ThrowsAsync<ArgumentException>(() => cat.SendAsync("name\nversion"));
        await Assert.ThrowsAsync<ArgumentException>(() => cat.SendAsync(""));
    }

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("  /usr/games/leelaz --gtp -w '/path with space/w.gz'  ", new[] { "/usr/games/leelaz", "--gtp", "-w", "/path with space/w.gz" })]
    [InlineData("x \"d \\\"e\\\" \\f\" g\\ h '' 'it'\\''s'", new[] { "x", "d \"e\" \\f", "g h", "", "it's" })]
    [InlineData("", new string[0])]
    public void Command_lines_split_like_a_shell(string line, string[] words) =>
        Assert.Equal(words, CommandLineWords.Split(line));
}
