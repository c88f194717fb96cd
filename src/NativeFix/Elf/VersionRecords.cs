namespace SelfPlayBN.NativeFix.Elf;

/// <summary>A section header.</summary>
/// <param name="Index">Index in the section header table.</param>
/// <param name="Name">Name from the section-name string table (empty when there is none).</param>
/// <param name="Type"><c>sh_type</c>.</param>
/// <param name="Offset"><c>sh_offset</c>: where the section's bytes start in the file.</param>
/// <param name="Size"><c>sh_size</c>.</param>
/// <param name="Link"><c>sh_link</c>.</param>
/// <param name="Info"><c>sh_info</c>.</param>
/// <param name="EntrySize"><c>sh_entsize</c>.</param>
public sealed record ElfSection(int Index, string Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize);

/// <summary>A <c>Verneed</c> entry: one library whose versions this file requires.</summary>
/// <param name="File">The needed library's name (<c>vn_file</c>), e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Versions">Its <c>Vernaux</c> entries, in file order.</param>
public sealed record VersionNeed(string File, IReadOnlyList<VersionNeedAux> Versions);

/// <summary>A <c>Vernaux</c> entry: one version required from a needed library.</summary>
/// <param name="File">The needed library (<c>vn_file</c> of the owning <c>Verneed</c>).</param>
/// <param name="Name">The version name (<c>vna_name</c>), e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Hash"><c>vna_hash</c>: the ELF hash of the name.</param>
/// <param name="Flags"><c>vna_flags</c>: <see cref="ElfConstants.VerFlgWeak"/> or 0.</param>
/// <param name="Index"><c>vna_other</c>: the version index that <c>.gnu.version</c> uses for symbols bound to this version.</param>
/// <param name="FileOffset">Where this 16-byte entry starts in the file.</param>
public sealed record VersionNeedAux(string File, string Name, uint Hash, ushort Flags, ushort Index, long FileOffset)
{
    /// <summary>Whether <see cref="ElfConstants.VerFlgWeak"/> is set.</summary>
    public bool IsWeak => (Flags & ElfConstants.VerFlgWeak) != 0;

    /// <summary>Where <c>vna_flags</c> (2 bytes, little-endian) lies in the file.</summary>
    public long FlagsFileOffset => FileOffset + 4;
}

/// <summary>A <c>Verdef</c> entry: one version this file defines.</summary>
/// <param name="Name">The version name (first <c>Verdaux</c>).</param>
/// <param name="Index"><c>vd_ndx</c>.</param>
/// <param name="Flags"><c>vd_flags</c>.</param>
/// <param name="Hash"><c>vd_hash</c>.</param>
/// <param name="Parents">Names of the versions this one inherits from (the further <c>Verdaux</c> entries).</param>
public sealed record VersionDefinition(string Name, ushort Index, ushort Flags, uint Hash, IReadOnlyList<string> Parents)
{
    /// <summary>Whether this is the base definition (the file's own soname), not a real version.</summary>
    public bool IsBase => (Flags & ElfConstants.VerFlgBase) != 0;
}

/// <summary>A <c>.dynsym</c> entry with its version.</summary>
/// <param name="Index">Index in <c>.dynsym</c>.</param>
/// <param name="Name">Symbol name.</param>
/// <param name="IsUndefined">Whether <c>st_shndx</c> is <c>SHN_UNDEF</c> (the symbol is imported).</param>
/// <param name="VersionIndex">The <c>.gnu.version</c> index without the hidden bit (0 local, 1 global, else a Verdef/Vernaux index); 1 when the file has no <c>.gnu.version</c>.</param>
/// <param name="IsHidden">Whether the versym hidden bit is set.</param>
/// <param name="VersionName">The version's name, or null for indices 0 and 1 or an index no entry defines.</param>
/// <param name="VersionFile">For a required version, the library that must provide it; null otherwise.</param>
public sealed record DynamicSymbol(int Index, string Name, bool IsUndefined, ushort VersionIndex, bool IsHidden, string? VersionName, string? VersionFile);
