using System.Globalization;
using System.Text;

namespace SelfPlayBN.Go.Engine;

/// <summary>One GTP command line after cleaning and parsing: an optional id, the command name and its arguments.</summary>
/// <param name="Id">The numeric id the controller gave (echoed in the response), or <c>null</c>.</param>
/// <param name="Name">The command name as sent (GTP command names are case-sensitive), or empty when the line held only an id.</param>
/// <param name="Arguments">The space-separated arguments after the name.</param>
public sealed record GtpRequest(int? Id, string Name, IReadOnlyList<string> Arguments);

/// <summary>
/// The framing of GTP version 2 (draft 2 of the specification): cleaning of input lines, the optional
/// numeric id, and the formatting of responses.
/// </summary>
/// <remarks>
/// <para>Input: lines end at a line feed only (<see cref="ReadLine"/>); every control character except horizontal tab and line feed (a carriage return included) is removed, everything from
/// <c>#</c> on is a comment, tabs become spaces, and a line left empty or white-space only is skipped
/// (it gets no response). A line then reads <c>[id] command_name [arguments]</c>, the id a non-negative
/// decimal integer.</para>
/// <para>Output: success is <c>=[id] text</c>, failure <c>?[id] message</c>, each followed by one empty
/// line. Multi-line text keeps its line breaks, but an empty line inside it (which would end the
/// response early) is dropped, so the controller always reads exactly one response per command.</para>
/// </remarks>
public static class GtpProtocol
{
    /// <summary>
    /// Reads one line for GTP: everything up to the next line feed (not included), or to the end of input;
    /// <c>null</c> at the end of input. Only a line feed ends a line: GTP version 2 discards a carriage return
    /// like any other control character (<see cref="Clean"/>), so <c>1 name\r2 version</c> is one line,
    /// unlike <see cref="TextReader.ReadLine"/>, which also ends lines at a bare carriage return.
    /// </summary>
    public static string? ReadLine(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var sb = new StringBuilder();
        while (true)
        {
            int c = reader.Read();
            if (c < 0) return sb.Length == 0 ? null : sb.ToString();
            if (c == '\n') return sb.ToString();
            sb.Append((char)c);
        }
    }

    /// <summary>
    /// The line as GTP reads it: control characters (except tab) removed, comment cut, tabs turned into
    /// spaces, white space trimmed; <c>null</c> when nothing is left (the line needs no response).
    /// </summary>
    public static string? Clean(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var sb = new StringBuilder(line.Length);
        foreach (char c in line)
        {
            if (c == '#') break;
            if (c == '\t') sb.Append(' ');
            else if (!char.IsControl(c)) sb.Append(c);
        }
        string cleaned = sb.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    /// <summary>
    /// Parses a cleaned line (see <see cref="Clean"/>) into id, name and arguments. A first word made of
    /// decimal digits is the id (it must fit an <see cref="int"/>; a longer run of digits is taken as the
    /// command name, which no command has, so it is answered as an unknown command).
    /// </summary>
    public static GtpRequest Parse(string cleanedLine)
    {
        ArgumentNullException.ThrowIfNull(cleanedLine);
        var words = cleanedLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return new GtpRequest(null, "", []);
        int first = 0;
        int? id = null;
        if (words[0].All(char.IsAsciiDigit) && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
        {
            id = parsed;
            first = 1;
        }
        string name = first < words.Length ? words[first] : "";
        var args = first + 1 < words.Length ? words[(first + 1)..] : [];
        return new GtpRequest(id, name, args);
    }

    /// <summary>The success response <c>=[id] text</c> followed by the empty line that ends it.</summary>
    public static string Success(int? id, string text) => Format('=', id, text);

    /// <summary>The failure response <c>?[id] message</c> followed by the empty line that ends it.</summary>
    public static string Failure(int? id, string message) => Format('?', id, message);

    /// <summary>The first line of a streamed response (<c>=[id]</c> and a line break; no text on it), as Leela Zero starts <c>lz-analyze</c>.</summary>
    public static string StreamStart(int? id) => id is int i ? $"={i.ToString(CultureInfo.InvariantCulture)}\n" : "=\n";

    private static string Format(char status, int? id, string text)
    {
        var sb = new StringBuilder();
        sb.Append(status);
        if (id is int i) sb.Append(i.ToString(CultureInfo.InvariantCulture));
        sb.Append(' ');
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        bool firstLine = true;
        foreach (var line in lines)
        {
            if (line.Trim().Length == 0 && !firstLine) continue; // an empty line would end the response early
            if (!firstLine) sb.Append('\n');
            sb.Append(line.TrimEnd());
            firstLine = false;
        }
        sb.Append("\n\n");
        return sb.ToString();
    }
}
