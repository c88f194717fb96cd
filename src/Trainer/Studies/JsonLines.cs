using System.Text.Json;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>
/// The studies' results files: one JSON value per line, each appended and flushed to disk when it is known, so that an
/// interrupted study keeps what it finished and a rerun resumes after it.
/// </summary>
internal static class JsonLines
{
    /// <summary>Appends <paramref name="value"/> as one line and flushes it to disk.</summary>
    public static void Append<T>(string file, T value, JsonSerializerOptions options)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, options) + "\n");
        using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Cuts a last line left unfinished by a crash off <paramref name="file"/> (every appended line ends with a
    /// newline), so that the next line starts on a line of its own. Returns whether there was one.</summary>
    public static bool DropCutOffLine(string file)
    {
        if (!File.Exists(file)) return false;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        long end = stream.Length;
        long keep = end;
        while (keep > 0)
        {
            stream.Seek(keep - 1, SeekOrigin.Begin);
            if (stream.ReadByte() == '\n') break;
            keep--;
        }
        if (keep == end) return false;
        stream.SetLength(keep);
        stream.Flush(flushToDisk: true);
        return true;
    }
}
