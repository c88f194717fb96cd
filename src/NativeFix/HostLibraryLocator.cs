using System.Buffers.Binary;
using System.Diagnostics;
using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix;

/// <summary>
/// Finds the host's copy of a shared library (e.g. <c>libstdc++.so.6</c>) for a given machine, the
/// way the dynamic loader would find it for a library without RUNPATH:
/// <list type="number">
/// <item>the entries of the loader cache, as listed by <c>ldconfig -p</c> (tried at <c>/sbin/ldconfig</c>,
/// <c>/usr/sbin/ldconfig</c>, then <c>ldconfig</c> on PATH), in the order it lists them;</item>
/// <item>then, when there is no cache or no matching entry, <see cref="FallbackDirectories"/> in order.</item>
/// </list>
/// The first candidate that is an ELF64 little-endian file for the requested machine wins, so an
/// i386 or AArch64 copy on a multiarch system is passed over. LD_LIBRARY_PATH and the RUNPATH of the
/// file being fixed are not consulted.
/// </summary>
public static class HostLibraryLocator
{
    /// <summary>Directories searched, in this order, when <c>ldconfig -p</c> is unavailable or lists no match.</summary>
    public static IReadOnlyList<string> FallbackDirectories { get; } =
    [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    ];

    private static readonly Lazy<string?> LdconfigOutput = new(RunLdconfig);

    /// <summary>
    /// The path of the host's <paramref name="name"/> built for <paramref name="machine"/>, or null if none is found.
    /// </summary>
    /// <param name="name">Library file name, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="machine">ELF <c>e_machine</c> the copy must have (that of the file being fixed).</param>
    /// <param name="ldconfigOutput">Text of <c>ldconfig -p</c> to use instead of running it (tests); null runs it.</param>
    /// <param name="fallbackDirectories">Directories to use instead of <see cref="FallbackDirectories"/> (tests).</param>
    public static string? Find(string name, ushort machine, string? ldconfigOutput = null, IEnumerable<string>? fallbackDirectories = null)
    {
        IEnumerable<string> fromCache = ParseLdconfig(ldconfigOutput ?? LdconfigOutput.Value ?? "", name);
        IEnumerable<string> fromDirectories = (fallbackDirectories ?? FallbackDirectories).Select(d => Path.Combine(d, name));
        return fromCache.Concat(fromDirectories).FirstOrDefault(p => IsElf64ForMachine(p, machine));
    }

    /// <summary>Paths that <c>ldconfig -p</c> output lists for exactly <paramref name="name"/>, in listed order.</summary>
    /// <remarks>Lines look like <c>\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6</c>.</remarks>
    public static IReadOnlyList<string> ParseLdconfig(string output, string name)
    {
        var paths = new List<string>();
        foreach (string rawLine in output.Split('\n'))
        {
            string line = rawLine.Trim();
            int arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            if (arrow < 0) continue;
            int paren = line.IndexOf(" (", StringComparison.Ordinal);
            string entry = (paren >= 0 && paren < arrow ? line[..paren] : line[..arrow]).Trim();
            if (entry == name) paths.Add(line[(arrow + 4)..].Trim());
        }
        return paths;
    }

    /// <summary>Whether <paramref name="path"/> is a readable ELF64 little-endian file whose <c>e_machine</c> is <paramref name="machine"/>.</summary>
    public static bool IsElf64ForMachine(string path, ushort machine)
    {
        try
        {
            if (!File.Exists(path)) return false;
            Span<byte> header = stackalloc byte[20];
            using FileStream stream = File.OpenRead(path);
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return false;
            return header[0] == 0x7f && header[1] == 'E' && header[2] == 'L' && header[3] == 'F'
                && header[4] == ElfConstants.ElfClass64 && header[5] == ElfConstants.ElfData2Lsb
                && BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) == machine;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? RunLdconfig()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (string exe in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
        {
            if (exe.StartsWith('/') && !File.Exists(exe)) continue;
            try
            {
                var start = new ProcessStartInfo(exe, "-p")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using Process process = Process.Start(start)!;
                Task<string> stdout = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                    continue;
                }
                if (process.ExitCode == 0) return stdout.Result;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                // not there or not runnable: try the next one, then the directory list
            }
        }
        return null;
    }
}
