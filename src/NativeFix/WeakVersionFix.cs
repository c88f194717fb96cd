using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix;

/// <summary>Settings for <see cref="WeakVersionFix.Run"/>.</summary>
public sealed record WeakVersionFixOptions
{
    /// <summary>The needed library whose versions are checked (its <c>vn_file</c>).</summary>
    public string NeededLibrary { get; init; } = WeakVersionFix.DefaultNeededLibrary;

    /// <summary>The host's copy of <see cref="NeededLibrary"/>; null finds it with <see cref="HostLibraryLocator"/>.</summary>
    public string? HostLibraryPath { get; init; }

    /// <summary>Imported symbols known never to be called; a missing version is weakened only when nothing else needs it.</summary>
    public IReadOnlyCollection<string> AllowedSymbols { get; init; } = WeakVersionFix.DefaultAllowedSymbols;

    /// <summary>
    /// Give the patched file the original's last-write time (default true). With the same size and
    /// time, MSBuild's copy-if-changed sees the output as up to date and does not copy the unpatched
    /// file over it again on every build.
    /// </summary>
    public bool KeepTimestamp { get; init; } = true;
}

/// <summary>What <see cref="WeakVersionFix.Run"/> did to a file.</summary>
public enum WeakVersionFixOutcome
{
    /// <summary>One or more missing versions were marked weak and the file was replaced.</summary>
    Patched,
    /// <summary>Every missing version was already weak; the file was not touched.</summary>
    AlreadyPatched,
    /// <summary>The host library defines every version the file needs (or has no version definitions, so the loader checks none); the file was not touched.</summary>
    HostHasAllVersions,
    /// <summary>The file needs no versions from the library; it was not touched.</summary>
    NotNeeded,
    /// <summary>Not a Linux host and no host library was given; the file was not touched.</summary>
    NotLinux,
    /// <summary>The file is built for another machine than this process runs on, and no host library was given or found; the file was not touched.</summary>
    OtherMachine,
}

/// <summary>The result of <see cref="WeakVersionFix.Run"/>.</summary>
/// <param name="File">The file examined.</param>
/// <param name="Outcome">What was done.</param>
/// <param name="HostLibrary">The host library compared against, when one was used.</param>
/// <param name="PatchedVersions">Versions marked weak by this run.</param>
/// <param name="WeakVersions">Missing versions that were already weak.</param>
/// <param name="Message">One line describing what was done, starting with the file name.</param>
public sealed record WeakVersionFixResult(
    string File, WeakVersionFixOutcome Outcome, string? HostLibrary,
    IReadOnlyList<string> PatchedVersions, IReadOnlyList<string> WeakVersions, string Message);

/// <summary>A missing version is needed by symbols that are not known to be unused; weakening it would only move the failure to run time.</summary>
public sealed class WeakVersionFixRefusedException(string message) : Exception(message);

/// <summary>
/// Lets a shared library load against an older host copy of one of its dependencies, when the only
/// thing the newer version gives it is a symbol that is never called. The case it exists for:
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c> from
/// <c>libstdc++.so.6</c> solely through <c>std::ios_base_library_init()</c>, which GCC 13 headers
/// reference only to force that version; GCC 12's libstdc++ (Debian 12) lacks the version, so the
/// loader rejects the file. Setting <see cref="ElfConstants.VerFlgWeak"/> in that <c>Vernaux</c>
/// entry makes the loader accept it (glibc reports an absent weak version only when asked to be verbose).
/// </summary>
public static class WeakVersionFix
{
    /// <summary>The library checked unless told otherwise.</summary>
    public const string DefaultNeededLibrary = "libstdc++.so.6";

    /// <summary>Symbols known never to be called: <c>std::ios_base_library_init()</c>.</summary>
    public static IReadOnlyCollection<string> DefaultAllowedSymbols { get; } = ["_ZSt21ios_base_library_initv"];

    private const int MaxSymbolsNamed = 8;

    /// <summary>
    /// Compares the versions <paramref name="file"/> needs from <see cref="WeakVersionFixOptions.NeededLibrary"/>
    /// with those the host's copy defines. Each missing version that only allowed symbols need is
    /// marked weak; already-weak ones are left alone. A changed file is replaced atomically
    /// (<see cref="AtomicFile.Replace"/>); an unchanged one is not written at all.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file or the given host library does not exist, or no host copy is found.</exception>
    /// <exception cref="InvalidDataException">The file or the host library is not a valid ELF64 little-endian file.</exception>
    /// <exception cref="WeakVersionFixRefusedException">A missing version is needed by a symbol not on the allow-list; nothing is written.</exception>
    public static WeakVersionFixResult Run(string file, WeakVersionFixOptions? options = null)
    {
        options ??= new WeakVersionFixOptions();
        string needed = options.NeededLibrary;
        if (options.HostLibraryPath is null && !OperatingSystem.IsLinux())
            return Result(WeakVersionFixOutcome.NotLinux, null, [], [], "nothing to do: not a Linux host");
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file}: no such file", file);

        ElfFile target = ElfFile.Load(file);
        VersionNeed? need = target.FindNeed(needed);
        if (need is null)
            return Result(WeakVersionFixOutcome.NotNeeded, null, [], [], $"nothing to do: needs no versions from {needed}");

        string? hostPath = options.HostLibraryPath ?? HostLibraryLocator.Find(needed, target.Machine);
        if (hostPath is null && target.Machine != ProcessMachine)
            return Result(WeakVersionFixOutcome.OtherMachine, null, [], [],
                $"nothing to do: built for {target.MachineName}, not for this host ({ElfConstants.MachineName(ProcessMachine)}), and no {target.MachineName} {needed} is installed (--host-lib names one)");
        if (hostPath is null)
            throw new FileNotFoundException(
                $"{file}: cannot find the host's {needed} for {target.MachineName} (looked in `ldconfig -p` and {string.Join(", ", HostLibraryLocator.FallbackDirectories)}); pass --host-lib PATH");
        if (!File.Exists(hostPath))
            throw new FileNotFoundException($"{hostPath}: no such file (the host {needed})", hostPath);
        ElfFile host = ElfFile.Load(hostPath);
        if (host.Machine != target.Machine)
            throw new InvalidDataException($"{file}: is built for {target.MachineName} but the host library {hostPath} is for {host.MachineName}");

        if (host.VersionDefinitions.Count == 0)
            return Result(WeakVersionFixOutcome.HostHasAllVersions, hostPath, [], [],
                $"nothing to do: host {hostPath} defines no versions, so the loader checks none");

        IReadOnlySet<string> defined = host.DefinedVersionNames;
        var missing = need.Versions.Where(v => !defined.Contains(v.Name)).ToList();
        if (missing.Count == 0)
            return Result(WeakVersionFixOutcome.HostHasAllVersions, hostPath, [], [],
                $"nothing to do: host {hostPath} defines all {need.Versions.Count} versions it needs");

        var alreadyWeak = missing.Where(v => v.IsWeak).Select(v => v.Name).ToList();
        var toPatch = new List<VersionNeedAux>();
        var refusals = new List<string>();
        foreach (VersionNeedAux version in missing.Where(v => !v.IsWeak))
        {
            var symbols = target.SymbolsRequiring(version).Select(s => s.Name).Distinct().ToList();
            var notAllowed = symbols.Where(s => !options.AllowedSymbols.Contains(s)).ToList();
            if (notAllowed.Count == 0) toPatch.Add(version);
            else refusals.Add($"{version.Name} is needed by {NameSymbols(notAllowed)}");
        }
        if (refusals.Count > 0)
            throw new WeakVersionFixRefusedException(
                $"{file}: refused: host {hostPath} lacks versions needed by symbols that are not on the allow-list of never-called symbols " +
                $"({string.Join("; ", refusals)}); weakening them would only move the failure to run time");

        if (toPatch.Count == 0)
            return Result(WeakVersionFixOutcome.AlreadyPatched, hostPath, [], alreadyWeak,
                $"already patched: {string.Join(", ", alreadyWeak)} of {needed} already weak (missing from host {hostPath})");

        byte[] patched = target.Bytes.ToArray();
        foreach (VersionNeedAux version in toPatch)
            patched[version.FlagsFileOffset] |= (byte)ElfConstants.VerFlgWeak; // vna_flags is little-endian: the bit is in its first byte
        Verify(patched, file, needed, toPatch);
        AtomicFile.Replace(file, patched, options.KeepTimestamp);

        var names = toPatch.Select(v => v.Name).ToList();
        string details = string.Join(", ", toPatch.Select(v =>
        {
            var symbols = target.SymbolsRequiring(v).Select(s => s.Name).Distinct().ToList();
            return $"{v.Name} (needed only by {(symbols.Count == 0 ? "no symbol" : NameSymbols(symbols))})";
        }));
        return Result(WeakVersionFixOutcome.Patched, hostPath, names, alreadyWeak,
            $"patched: marked weak {details} of {needed}, which host {hostPath} lacks");

        WeakVersionFixResult Result(WeakVersionFixOutcome outcome, string? hostLib, IReadOnlyList<string> patchedVersions,
                                    IReadOnlyList<string> weak, string message) =>
            new(file, outcome, hostLib, patchedVersions, weak, $"{file}: {message}");
    }

    /// <summary>Re-parses the patched bytes and checks that exactly the intended entries became weak.</summary>
    private static void Verify(byte[] patched, string file, string needed, List<VersionNeedAux> toPatch)
    {
        ElfFile check = ElfFile.Parse(patched, file);
        var expected = toPatch.Select(v => v.FileOffset).ToHashSet();
        foreach (VersionNeedAux v in check.FindNeed(needed)!.Versions.Where(v => expected.Contains(v.FileOffset)))
            if (!v.IsWeak) throw new InvalidOperationException($"{file}: internal error: {v.Name} is not weak after patching");
    }

    /// <summary>The ELF <c>e_machine</c> of the architecture this process runs on (0 when unknown).</summary>
    public static ushort ProcessMachine => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => 62,
        System.Runtime.InteropServices.Architecture.Arm64 => 183,
        System.Runtime.InteropServices.Architecture.X86 => 3,
        System.Runtime.InteropServices.Architecture.Arm => 40,
        System.Runtime.InteropServices.Architecture.RiscV64 => 243,
        System.Runtime.InteropServices.Architecture.LoongArch64 => 258,
        System.Runtime.InteropServices.Architecture.Ppc64le => 21,
        System.Runtime.InteropServices.Architecture.S390x => 22,
        _ => 0,
    };

    private static string NameSymbols(IReadOnlyList<string> symbols) =>
        symbols.Count <= MaxSymbolsNamed
            ? string.Join(", ", symbols)
            : $"{string.Join(", ", symbols.Take(MaxSymbolsNamed))} and {symbols.Count - MaxSymbolsNamed} more";
}
