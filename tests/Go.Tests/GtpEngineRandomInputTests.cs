using System.Text;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineRandomInputTests
{
    private static readonly string[] Words =
    [
        "protocol_version", "name", "version", "known_command", "list_commands", "boardsize", "clear_board", "komi",
        "play", "genmove", "undo", "final_score", "showboard", "time_settings", "time_left", "kgs-genmove_cleanup",
        "lz-analyze", "lz-genmove_analyze", "loadsgf", "b", "w", "black", "white", "B", "pass", "resign", "A1", "D4",
        "E5", "J9", "T19", "I3", "Z0", "0", "1", "5", "7", "9", "19", "-1", "7.5", "NaN", "1e400", "interval", "avoid",
        "#", "\t", "=", "?", "quit_not",
    ];

    /// <summary>Whether the GTP specification gives a response to this raw line (independent of the engine's own cleaning code).</summary>
    private static bool NeedsResponse(string raw)
    {
        foreach (char c in raw)
        {
            if (c == '#') return false;
            if (c == '\t' || c == ' ' || char.IsControl(c)) continue;
            if (!char.IsWhiteSpace(c)) return true;
        }
        return false;
    }

    private static string RandomBytesLine(Random rng)
    {
        var bytes = new byte[rng.Next(0, 40)];
        rng.NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] is (byte)'\n' or (byte)'\r') bytes[i] = (byte)' ';
        return Encoding.Latin1.GetString(bytes);
    }

    private static string RandomCommandLine(Random rng)
    {
        var sb = new StringBuilder();
        if (rng.Next(3) == 0) sb.Append(rng.Next(0, 1000)).Append(' ');
        int words = rng.Next(1, 5);
        for (int i = 0; i < words; i++) sb.Append(Words[rng.Next(Words.Length)]).Append(rng.Next(5) == 0 ? "\t" : " ");
        return sb.ToString();
    }

    [Fact]
    public void Thousands_of_random_lines_get_exactly_one_response_each_and_never_stop_the_server()
    {
        var rng = new Random(20261127);
        var lines = new List<string>();
        for (int i = 0; i < 3000; i++) lines.Add(RandomBytesLine(rng));
        for (int i = 0; i < 2000; i++) lines.Add(RandomCommandLine(rng));
        for (int i = lines.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (lines[i], lines[j]) = (lines[j], lines[i]);
        }
        lines.Add("4242 protocol_version");
        int expected = lines.Count(NeedsResponse);

        var engine = Engines.Uniform(size: 7, visits: 4);
        var output = new StringWriter();
        var server = new GtpServer(engine);
        server.Run(new StringReader(string.Join('\n', lines) + "\n"), output);

        var text = output.ToString();
        Assert.EndsWith("=4242 2\n\n", text);
        var responses = text[..^2].Split("\n\n");
        Assert.Equal(expected, responses.Length);
        Assert.Equal(expected, server.Responses);
        Assert.All(responses, r => Assert.True(r.Length > 0 && r[0] is '=' or '?', $"not a response: '{r}'"));

        // Responses come in the order of the lines that need one, each with that line's id.
        var needing = lines.Where(NeedsResponse).Select(l => GtpProtocol.Parse(GtpProtocol.Clean(l)!)).ToList();
        for (int i = 0; i < expected; i++)
        {
            string head = responses[i].Split('\n', ' ')[0];
            Assert.Equal(needing[i].Id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", head[1..]);
        }
    }
}
