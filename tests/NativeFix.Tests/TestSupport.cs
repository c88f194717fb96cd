using System.Runtime.InteropServices;

namespace SelfPlayBN.NativeFix.Tests;

/// <summary>Paths of the committed ELF fixtures (see Fixtures/make-fixtures.sh) in the test output directory.</summary>
internal static class Fixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures");
    public static string LibUser => Path.Combine(Dir, "libuser.so");
    public static string LibUser2 => Path.Combine(Dir, "libuser2.so");
    public static string FullFixdep => Path.Combine(Dir, "full", "libfixdep.so.1");
    public static string HostFixdep => Path.Combine(Dir, "host", "libfixdep.so.1");

    public const string Needed = "libfixdep.so.1";
    public const string NewVersion = "FIXDEP_3.4.32";

    /// <summary>File offsets in libuser.so, as `readelf -V` printed them when the fixture was made.</summary>
    public const long LibUserVerneedOffset = 0x2b0;
    public const long LibUserNewVersionAuxOffset = LibUserVerneedOffset + 0x10;
    public const long LibUserNewVersionFlagsOffset = LibUserNewVersionAuxOffset + 4;

    /// <summary>Options for the fixture: host-variant libfixdep as the host, fix_never_called allowed.</summary>
    public static WeakVersionFixOptions Options(string? host = null, params string[] allow) => new()
    {
        NeededLibrary = Needed,
        HostLibraryPath = host ?? HostFixdep,
        AllowedSymbols = allow.Length == 0 ? ["fix_never_called"] : allow,
    };
}

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nativefix-tests-{Guid.NewGuid():N}");

    public string Copy(string source, string? name = null)
    {
        string target = System.IO.Path.Combine(Path, name ?? System.IO.Path.GetFileName(source));
        File.Copy(source, target);
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static partial class FileSystem
{
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

    /// <summary>Makes a hard link (link(2)).</summary>
    public static void HardLink(string existing, string created)
    {
        if (Link(existing, created) != 0)
            throw new IOException($"link({existing}, {created}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Whether two paths are the same inode: a timestamp set through one is seen through the other.</summary>
    public static bool SameInode(string a, string b)
    {
        DateTime probe = new DateTime(2003, 4, 5, 6, 7, 8, DateTimeKind.Utc).AddSeconds(Random.Shared.Next(1_000_000));
        DateTime before = File.GetLastWriteTimeUtc(a);
        File.SetLastWriteTimeUtc(a, probe);
        bool same = File.GetLastWriteTimeUtc(b) == probe;
        File.SetLastWriteTimeUtc(a, before);
        return same;
    }

    /// <summary>Indices at which two byte arrays differ (they must have the same length).</summary>
    public static List<int> Differences(byte[] x, byte[] y)
    {
        Assert.Equal(x.Length, y.Length);
        return Enumerable.Range(0, x.Length).Where(i => x[i] != y[i]).ToList();
    }

    /// <summary>Files other than <paramref name="expected"/> in <paramref name="dir"/> (left-over temp files).</summary>
    public static string[] Extra(string dir, params string[] expected) =>
        Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => !expected.Contains(n)).ToArray()!;
}

/// <summary>The System V ELF hash from the ELF specification, to cross-check vna_hash/vd_hash.</summary>
internal static class ElfHash
{
    public static uint Of(string name)
    {
        uint h = 0;
        foreach (byte c in System.Text.Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }
}
