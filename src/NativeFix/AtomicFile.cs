namespace SelfPlayBN.NativeFix;

/// <summary>Replaces a file's contents without ever writing into the existing file.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="contents"/> to a new file in the same directory as <paramref name="path"/>,
    /// gives it the old file's permission bits (and, when <paramref name="keepTimestamp"/>, its
    /// last-write time), flushes it to disk, then renames it over <paramref name="path"/>. Readers see
    /// the old or the new file, never a mix; the old inode is left untouched, so a hard link to it
    /// (e.g. MSBuild's copy-local hard link into the NuGet cache) keeps the old bytes, and a symbolic
    /// link at <paramref name="path"/> is replaced by a regular file rather than written through.
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents, bool keepTimestamp)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path}: has no directory");
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.nativefix.tmp");
        DateTime lastWrite = File.GetLastWriteTimeUtc(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
            if (keepTimestamp)
                File.SetLastWriteTimeUtc(temp, lastWrite);
            File.Move(temp, full, overwrite: true); // rename(2) on Unix
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
