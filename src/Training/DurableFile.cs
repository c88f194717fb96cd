namespace SelfPlayBN.Training;

/// <summary>
/// Atomic, durable file creation for run folders (replay segments, checkpoints, the run's state): the bytes go to
/// a temporary file in the same directory (<c>.NAME.tmp</c>), are flushed to disk, and the file is renamed to its
/// final name. A reader — or a run restarted after <c>kill -9</c> — sees the whole file or none of it; leftover
/// temporary files are removed by <see cref="CleanTemporaryFiles"/>.
/// </summary>
public static class DurableFile
{
    /// <summary>The suffix of temporary files.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Writes the file through <paramref name="write"/>, atomically (replacing any file of that name).</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path}: has no directory");
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Deletes the temporary files an interrupted write left in <paramref name="directory"/>; returns how many.</summary>
    public static int CleanTemporaryFiles(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int n = 0;
        foreach (var f in Directory.EnumerateFiles(directory, "." + "*" + TemporarySuffix)) { File.Delete(f); n++; }
        return n;
    }
}
