using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineProtocolTests
{
    [Theory]
    [InlineData("name", "name")]
    [InlineData("  name  ", "name")]
    [InlineData("play\tb\tD4", "play b D4")]
    [InlineData("na\u0001me", "name")]
    [InlineData("genmove b # my move", "genmove b")]
    [InlineData("1\u007F2 version\r", "12 version")]
    public void Clean_removes_control_characters_and_comments_and_turns_tabs_into_spaces(string raw, string expected) =>
        Assert.Equal(expected, GtpProtocol.Clean(raw));

    [Fact]
    public void A_bare_carriage_return_is_discarded_not_a_line_end_as_gnu_go_reads_it()
    {
        const string input = "1 name\r2 version\n3 protocol_version\r\n4 known_command play\n";
        var ours = new StringWriter { NewLine = "\n" };
        new GtpServer(Engines.Uniform()).Run(new StringReader(input), ours);
        Assert.Equal("?1 unknown command\n\n=3 2\n\n=4 true\n\n", ours.ToString()); // "name2 version" is one unknown command

        const string gnuGo = "/usr/games/gnugo";
        Assert.True(File.Exists(gnuGo), $"{gnuGo} is not installed (Debian package gnugo; scripts/test.sh installs it)");
        var psi = new System.Diagnostics.ProcessStartInfo(gnuGo, "--mode gtp") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        string theirs = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(theirs, ours.ToString());
    }

    [Fact]
    public void Read_line_ends_lines_at_line_feeds_only()
    {
        var reader = new StringReader("a\rb\r\nc\n\nlast");
        Assert.Equal("a\rb\r", GtpProtocol.ReadLine(reader));
        Assert.Equal("c", GtpProtocol.ReadLine(reader));
        Assert.Equal("", GtpProtocol.ReadLine(reader));
        Assert.Equal("last", GtpProtocol.ReadLine(reader));
        Assert.Null(GtpProtocol.ReadLine(reader));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t \t")]
    [InlineData("# a comment")]
    [InlineData("\u0002\u0003")]
    public void Clean_returns_null_for_lines_that_get_no_response(string raw) => Assert.Null(GtpProtocol.Clean(raw));

    [Fact]
    public void Parse_reads_the_id_the_name_and_the_arguments()
    {
        var r = GtpProtocol.Parse("42 play  b D4");
        Assert.Equal(42, r.Id);
        Assert.Equal("play", r.Name);
        Assert.Equal(["b", "D4"], r.Arguments);
        var bare = GtpProtocol.Parse("list_commands");
        Assert.Null(bare.Id);
        Assert.Equal("list_commands", bare.Name);
        Assert.Empty(bare.Arguments);
    }

    [Theory]
    [InlineData("-3 name", null, "-3")]
    [InlineData("3x name", null, "3x")]
    [InlineData("99999999999 name", null, "99999999999")]
    [InlineData("7", 7, "")]
    public void Parse_takes_only_a_non_negative_int_as_the_id(string line, int? id, string name)
    {
        var r = GtpProtocol.Parse(line);
        Assert.Equal(id, r.Id);
        Assert.Equal(name, r.Name);
    }

    [Fact]
    public void Responses_have_the_status_the_id_the_text_and_an_empty_line()
    {
        Assert.Equal("=5 D4\n\n", GtpProtocol.Success(5, "D4"));
        Assert.Equal("= D4\n\n", GtpProtocol.Success(null, "D4"));
        Assert.Equal("= \n\n", GtpProtocol.Success(null, ""));
        Assert.Equal("?12 unknown command\n\n", GtpProtocol.Failure(12, "unknown command"));
        Assert.Equal("=3\n", GtpProtocol.StreamStart(3));
        Assert.Equal("=\n", GtpProtocol.StreamStart(null));
    }

    [Fact]
    public void An_empty_line_inside_a_response_is_dropped_so_it_cannot_end_the_response_early()
    {
        Assert.Equal("= a\nb\n\n", GtpProtocol.Success(null, "a\n\nb\n"));
        Assert.Equal("= \nboard\n\n", GtpProtocol.Success(null, "\nboard\n"));
    }
}
