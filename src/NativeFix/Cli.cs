using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix;

/// <summary>
/// Command line: <c>glibcxx-weak</c> patches files, <c>inspect</c> describes them. Exit codes:
/// 0 success, 1 a file could not be handled (one <c>error:</c> line each), 2 bad arguments.
/// </summary>
public static class Cli
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>A file was missing, corrupt, or refused.</summary>
    public const int Failed = 1;
    /// <summary>Bad arguments.</summary>
    public const int UsageError = 2;

    /// <summary>The usage text printed by <c>--help</c>.</summary>
    public const string Usage =
        """
        usage: SelfPlayBN.NativeFix glibcxx-weak [--host-lib PATH] [--needed LIB] [--allow SYMBOL]... FILE...
               SelfPlayBN.NativeFix inspect [--all-symbols] FILE...

        glibcxx-weak  For each FILE, find the versions it needs from LIB (default libstdc++.so.6) that the
                      host's LIB does not define; mark each weak if only never-called symbols need it
                      (default allow-list: _ZSt21ios_base_library_initv; --allow adds to it), else fail.
                      The host LIB is --host-lib, else the first match in `ldconfig -p`, else in
                      /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib/aarch64-linux-gnu,
                      /usr/lib/aarch64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib.
                      Does nothing on hosts other than Linux.
        inspect       Print the libraries and versions each FILE needs (with flags, the symbols that need
                      each version, and whether the host's copy defines it) and the versions it defines.
        """;

    /// <summary>Runs the command line; output lines go to <paramref name="output"/>, errors to <paramref name="error"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? UsageError : Ok;
        }
        return args[0] switch
        {
            "glibcxx-weak" => GlibcxxWeak(args[1..], output, error),
            "inspect" => Inspect(args[1..], output, error),
            _ => Bad(error, $"unknown command '{args[0]}' (expected glibcxx-weak or inspect; see --help)"),
        };
    }

    private static int Bad(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return UsageError;
    }

    private static int GlibcxxWeak(string[] args, TextWriter output, TextWriter error)
    {
        string? hostLib = null;
        string needed = WeakVersionFix.DefaultNeededLibrary;
        var allow = new List<string>(WeakVersionFix.DefaultAllowedSymbols);
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--host-lib" or "--needed" or "--allow")
            {
                if (i + 1 >= args.Length || args[i + 1].Length == 0)
                    return Bad(error, $"{a} needs a value (see --help)");
                string value = args[++i];
                if (a == "--host-lib") hostLib = value;
                else if (a == "--needed") needed = value;
                else allow.Add(value);
            }
            else if (a is "-h" or "--help")
            {
                output.WriteLine(Usage);
                return Ok;
            }
            else if (a == "--") files.AddRange(args[(i + 1)..]);
            else if (a.StartsWith('-') && a.Length > 1) return Bad(error, $"unknown option '{a}' (see --help)");
            else files.Add(a);
            if (a == "--") break;
        }
        if (files.Count == 0) return Bad(error, "glibcxx-weak needs at least one FILE (see --help)");

        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine($"nothing to do: not a Linux host ({System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
            return Ok;
        }

        var options = new WeakVersionFixOptions { HostLibraryPath = hostLib, NeededLibrary = needed, AllowedSymbols = allow };
        int rc = Ok;
        foreach (string file in files)
        {
            try
            {
                output.WriteLine(WeakVersionFix.Run(file, options).Message);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or WeakVersionFixRefusedException)
            {
                error.WriteLine($"error: {OneLine(e.Message)}");
                rc = Failed;
            }
        }
        return rc;
    }

    private static int Inspect(string[] args, TextWriter output, TextWriter error)
    {
        bool allSymbols = false;
        var files = new List<string>();
        foreach (string a in args)
        {
            if (a == "--all-symbols") allSymbols = true;
            else if (a.StartsWith('-') && a.Length > 1) return Bad(error, $"unknown option '{a}' (see --help)");
            else files.Add(a);
        }
        if (files.Count == 0) return Bad(error, "inspect needs at least one FILE (see --help)");

        int rc = Ok;
        foreach (string file in files)
        {
            try
            {
                if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such file", file);
                Describe(ElfFile.Load(file), allSymbols, output);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {OneLine(e.Message)}");
                rc = Failed;
            }
        }
        return rc;
    }

    /// <summary>Writes the <c>inspect</c> report for one file.</summary>
    internal static void Describe(ElfFile elf, bool allSymbols, TextWriter output)
    {
        const int shown = 6;
        output.WriteLine($"{elf.Name}: ELF64 {elf.MachineName}, {elf.DynamicSymbols.Count} dynamic symbols");
        if (elf.VersionNeeds.Count == 0) output.WriteLine("  needs no versions (no .gnu.version_r)");
        foreach (VersionNeed need in elf.VersionNeeds)
        {
            string? hostPath = OperatingSystem.IsLinux() ? HostLibraryLocator.Find(need.File, elf.Machine) : null;
            IReadOnlySet<string>? hostVersions = null;
            string hostNote = "host copy not found";
            if (hostPath is not null)
            {
                try
                {
                    hostVersions = ElfFile.Load(hostPath).DefinedVersionNames;
                    hostNote = $"host copy {hostPath}";
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    hostNote = $"host copy {hostPath} unreadable: {OneLine(e.Message)}";
                }
            }
            output.WriteLine($"  needs {need.File} ({hostNote}):");
            foreach (VersionNeedAux v in need.Versions)
            {
                var symbols = elf.SymbolsRequiring(v).Select(s => s.Name).ToList();
                string flags = v.Flags == 0 ? "none" : string.Join("|", Flags(v.Flags));
                string onHost = hostVersions is null || hostVersions.Count == 0 ? ""
                    : hostVersions.Contains(v.Name) ? ", on host" : ", MISSING on host";
                string list = symbols.Count == 0 ? "no symbols"
                    : $"{symbols.Count} symbol{(symbols.Count == 1 ? "" : "s")}: " + string.Join(", ", allSymbols ? symbols : symbols.Take(shown))
                      + (!allSymbols && symbols.Count > shown ? $", ... ({symbols.Count - shown} more; --all-symbols lists them)" : "");
                output.WriteLine($"    {v.Name} (index {v.Index}, flags {flags}{onHost}) <- {list}");
            }
        }
        var defined = elf.VersionDefinitions.Where(d => !d.IsBase).Select(d => d.Name).ToList();
        if (defined.Count > 0) output.WriteLine($"  defines {defined.Count} version{(defined.Count == 1 ? "" : "s")}: {string.Join(", ", defined)}");
    }

    private static IEnumerable<string> Flags(ushort flags)
    {
        if ((flags & ElfConstants.VerFlgBase) != 0) yield return "base";
        if ((flags & ElfConstants.VerFlgWeak) != 0) yield return "weak";
        int rest = flags & ~(ElfConstants.VerFlgBase | ElfConstants.VerFlgWeak);
        if (rest != 0) yield return $"0x{rest:x}";
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
