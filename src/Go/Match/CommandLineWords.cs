using System.Text;

namespace SelfPlayBN.Go.Match;

/// <summary>Splits a command line into words the way a POSIX shell does for plain words and quotes (no variables, globs or operators).</summary>
public static class CommandLineWords
{
    /// <summary>
    /// The words of <paramref name="commandLine"/>: separated by white space; inside <c>'…'</c> every character
    /// is literal; inside <c>"…"</c> a backslash escapes only <c>"</c>, <c>\</c>, <c>$</c> and <c>`</c>; outside
    /// quotes a backslash makes the next character literal. <c>''</c> is an empty word. Throws
    /// <see cref="FormatException"/> for an unclosed quote or a trailing backslash.
    /// </summary>
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < commandLine.Length; i++)
        {
            char c = commandLine[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int end = commandLine.IndexOf('\'', i + 1);
                if (end < 0) throw new FormatException($"unclosed ' in command line: {commandLine}");
                word.Append(commandLine, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= commandLine.Length) throw new FormatException($"unclosed \" in command line: {commandLine}");
                    char d = commandLine[i];
                    if (d == '"') break;
                    if (d == '\\' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        word.Append(commandLine[i + 1]);
                        i += 2;
                        continue;
                    }
                    word.Append(d);
                    i++;
                }
            }
            else if (c == '\\')
            {
                if (i + 1 >= commandLine.Length) throw new FormatException($"trailing backslash in command line: {commandLine}");
                word.Append(commandLine[++i]);
            }
            else
            {
                word.Append(c);
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
