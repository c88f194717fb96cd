using System.Buffers.Binary;
using System.Text;
using static SelfPlayBN.NativeFix.Elf.ElfConstants;

namespace SelfPlayBN.NativeFix.Elf;

/// <summary>
/// The symbol-versioning view of an ELF64 little-endian file: section headers, <c>.dynsym</c>,
/// <c>.gnu.version</c>, <c>.gnu.version_r</c> (versions needed) and <c>.gnu.version_d</c> (versions
/// defined). Every offset read from the file is checked against the file or section it points into;
/// a truncated or corrupt file gives an <see cref="InvalidDataException"/> that names the file and
/// what is wrong. The whole file is held in memory (<see cref="Bytes"/>) so that a patch is a copy
/// with a few bytes changed.
/// </summary>
public sealed class ElfFile
{
    private const int EhdrSize = 64;
    private const int ShdrSize = 64;
    private const int SymSize = 24;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;

    private readonly byte[] _data;

    private ElfFile(byte[] data, string name)
    {
        _data = data;
        Name = name;
        if (data.Length < 16 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
        {
            string start = Convert.ToHexString(data, 0, Math.Min(4, data.Length));
            throw Corrupt($"not an ELF file (starts with {(start.Length == 0 ? "nothing: the file is empty" : "0x" + start)}, expected 0x7F454C46)");
        }
        if (data[4] != ElfClass64)
            throw Corrupt(data[4] == 1
                ? "is a 32-bit ELF file (EI_CLASS=1); only ELF64 is supported"
                : $"has an unknown ELF class (EI_CLASS={data[4]}); only ELF64 (2) is supported");
        if (data[5] != ElfData2Lsb)
            throw Corrupt(data[5] == 2
                ? "is a big-endian ELF file (EI_DATA=2); only little-endian is supported"
                : $"has an unknown data encoding (EI_DATA={data[5]}); only little-endian (1) is supported");
        if (data[6] != 1)
            throw Corrupt($"has an unknown ELF version (EI_VERSION={data[6]}, expected 1)");
        if (data.Length < EhdrSize)
            throw Corrupt($"is truncated: {data.Length} bytes, shorter than the {EhdrSize}-byte ELF header");

        Type = U16(16, "e_type");
        Machine = U16(18, "e_machine");
        Sections = ReadSections();
        ElfSection? dynsym = Sections.FirstOrDefault(s => s.Type == ShtDynsym);
        ElfSection? versym = Sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        ElfSection? verneed = Sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        ElfSection? verdef = Sections.FirstOrDefault(s => s.Type == ShtGnuVerdef);
        VersionNeeds = verneed is null ? [] : ReadVerneed(verneed);
        VersionDefinitions = verdef is null ? [] : ReadVerdef(verdef);
        DynamicSymbols = dynsym is null ? [] : ReadDynamicSymbols(dynsym, versym);
    }

    /// <summary>The name used in messages: the path the file was read from, or the label given to <see cref="Parse"/>.</summary>
    public string Name { get; }

    /// <summary>The file's bytes (not a copy: do not change them).</summary>
    public ReadOnlyMemory<byte> Bytes => _data;

    /// <summary><c>e_type</c> (3 for a shared object).</summary>
    public ushort Type { get; }

    /// <summary><c>e_machine</c> (62 for x86-64, 183 for AArch64).</summary>
    public ushort Machine { get; }

    /// <summary>A readable name for <see cref="Machine"/>.</summary>
    public string MachineName => ElfConstants.MachineName(Machine);

    /// <summary>All section headers, in table order.</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>The <c>Verneed</c> entries of <c>.gnu.version_r</c>: what the file requires from each library. Empty without that section.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds { get; }

    /// <summary>The <c>Verdef</c> entries of <c>.gnu.version_d</c>, the base entry (the soname) included. Empty without that section.</summary>
    public IReadOnlyList<VersionDefinition> VersionDefinitions { get; }

    /// <summary><c>.dynsym</c> with each symbol's version. Empty without that section.</summary>
    public IReadOnlyList<DynamicSymbol> DynamicSymbols { get; }

    /// <summary>Names of the versions this file defines (its <c>Verdef</c> entries other than the base one).</summary>
    public IReadOnlySet<string> DefinedVersionNames =>
        VersionDefinitions.Where(d => !d.IsBase).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The <c>Verneed</c> entry for <paramref name="file"/> (e.g. <c>libstdc++.so.6</c>), or null when the file needs no versions from it.</summary>
    public VersionNeed? FindNeed(string file) => VersionNeeds.FirstOrDefault(n => n.File == file);

    /// <summary>The dynamic symbols bound to a required version (whose <c>.gnu.version</c> index is its <c>vna_other</c>).</summary>
    public IReadOnlyList<DynamicSymbol> SymbolsRequiring(VersionNeedAux version) =>
        DynamicSymbols.Where(s => s.Index > 0 && s.VersionIndex == version.Index).ToList();

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian file, or is truncated or corrupt.</exception>
    public static ElfFile Load(string path) => new(File.ReadAllBytes(path), path);

    /// <summary>Parses bytes already in memory; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an ELF64 little-endian file, or are truncated or corrupt.</exception>
    public static ElfFile Parse(byte[] data, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ElfFile(data, name);
    }

    private InvalidDataException Corrupt(string problem) => new($"{Name}: {problem}");

    // ---- bounds-checked little-endian reads ----

    private void Need(long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset > _data.Length || length > _data.Length - offset)
            throw Corrupt($"is truncated or corrupt: {what} (offset 0x{offset:x}, {length} bytes) lies beyond the end of the file ({_data.Length} bytes)");
    }

    private ushort U16(long offset, string what)
    {
        Need(offset, 2, what);
        return BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan((int)offset, 2));
    }

    private uint U32(long offset, string what)
    {
        Need(offset, 4, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)offset, 4));
    }

    private ulong U64(long offset, string what)
    {
        Need(offset, 8, what);
        return BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan((int)offset, 8));
    }

    /// <summary>Reads a NUL-terminated string at <paramref name="index"/> inside string-table section <paramref name="strtab"/>.</summary>
    private string Str(ElfSection strtab, uint index, string what)
    {
        if (index >= strtab.Size)
            throw Corrupt($"is corrupt: {what} points at offset {index} of string table {Describe(strtab)}, which is only {strtab.Size} bytes");
        int start = checked((int)(strtab.Offset + index));
        int limit = checked((int)(strtab.Offset + strtab.Size));
        int end = Array.IndexOf(_data, (byte)0, start, limit - start);
        if (end < 0)
            throw Corrupt($"is corrupt: {what} in string table {Describe(strtab)} is not NUL-terminated");
        return Encoding.UTF8.GetString(_data, start, end - start);
    }

    private static string Describe(ElfSection s) => s.Name.Length > 0 ? $"[{s.Index}] {s.Name}" : $"[{s.Index}]";

    // ---- section headers ----

    private List<ElfSection> ReadSections()
    {
        ulong shoff = U64(40, "e_shoff");
        ushort shentsize = U16(58, "e_shentsize");
        ulong shnum = U16(60, "e_shnum");
        uint shstrndx = U16(62, "e_shstrndx");
        if (shoff == 0)
            throw Corrupt("has no section header table (e_shoff is 0), so its version tables cannot be found");
        if (shentsize != ShdrSize)
            throw Corrupt($"is corrupt: section header size e_shentsize is {shentsize}, expected {ShdrSize} for ELF64");
        CheckRange(shoff, ShdrSize, "the section header table");
        // Extended numbering: with 0xff00 or more sections, e_shnum is 0 and the count is in section 0's sh_size;
        // an e_shstrndx of SHN_XINDEX (0xffff) likewise moves the index to section 0's sh_link.
        if (shnum == 0)
            shnum = U64((long)shoff + 32, "section 0 sh_size (extended section count)");
        if (shstrndx == 0xffff)
            shstrndx = U32((long)shoff + 40, "section 0 sh_link (extended e_shstrndx)");
        if (shnum > (ulong)_data.Length / ShdrSize)
            throw Corrupt($"is truncated or corrupt: the section header table ({shnum} entries at offset 0x{shoff:x}) lies beyond the end of the file ({_data.Length} bytes)");
        CheckRange(shoff, shnum * ShdrSize, $"the section header table ({shnum} entries)");

        var raw = new List<(uint Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize)>((int)shnum);
        for (int i = 0; i < (int)shnum; i++)
        {
            long h = (long)shoff + (long)i * ShdrSize;
            raw.Add((U32(h, "sh_name"), U32(h + 4, "sh_type"), U64(h + 24, "sh_offset"), U64(h + 32, "sh_size"),
                     U32(h + 40, "sh_link"), U32(h + 44, "sh_info"), U64(h + 56, "sh_entsize")));
        }

        var unnamed = raw.Select((r, i) => new ElfSection(i, "", r.Type, r.Offset, r.Size, r.Link, r.Info, r.EntSize)).ToList();
        if (shstrndx == 0) return unnamed;
        if (shstrndx >= shnum)
            throw Corrupt($"is corrupt: e_shstrndx is {shstrndx} but there are only {shnum} sections");
        ElfSection shstrtab = unnamed[(int)shstrndx];
        CheckSectionData(shstrtab, "the section-name string table");
        return unnamed.Select(s => s with { Name = Str(shstrtab, raw[s.Index].Name, $"the name of section [{s.Index}]") }).ToList();
    }

    private void CheckRange(ulong offset, ulong length, string what)
    {
        if (offset > (ulong)_data.Length || length > (ulong)_data.Length - offset)
            throw Corrupt($"is truncated or corrupt: {what} (offset 0x{offset:x}, {length} bytes) lies beyond the end of the file ({_data.Length} bytes)");
    }

    /// <summary>Checks that a section's bytes lie inside the file.</summary>
    private void CheckSectionData(ElfSection s, string role)
    {
        if (s.Type == ShtNobits)
            throw Corrupt($"is corrupt: {role}, section {Describe(s)}, has no bytes in the file (SHT_NOBITS)");
        CheckRange(s.Offset, s.Size, $"{role}, section {Describe(s)},");
    }

    /// <summary>The section that <paramref name="owner"/>'s sh_link names, which must have type <paramref name="type"/>.</summary>
    private ElfSection Linked(ElfSection owner, uint type, string role)
    {
        if (owner.Link == 0 || owner.Link >= Sections.Count)
            throw Corrupt($"is corrupt: section {Describe(owner)} links to section {owner.Link}, which does not exist");
        ElfSection linked = Sections[(int)owner.Link];
        if (linked.Type != type)
            throw Corrupt($"is corrupt: section {Describe(owner)} links to section {Describe(linked)} of type 0x{linked.Type:x}, expected {role}");
        CheckSectionData(linked, role);
        return linked;
    }

    // ---- .gnu.version_r ----

    private List<VersionNeed> ReadVerneed(ElfSection sec)
    {
        CheckSectionData(sec, "the version-needs section");
        ElfSection strtab = Linked(sec, ShtStrtab, "a string table");
        var needs = new List<VersionNeed>();
        ulong entry = 0; // offset of the current Verneed inside the section
        for (uint i = 0; i < sec.Info; i++)
        {
            string where = $"Verneed entry {i} of {Describe(sec)}";
            InSection(sec, entry, VerneedSize, where);
            long at = (long)(sec.Offset + entry);
            ushort version = U16(at, where);
            ushort count = U16(at + 2, where);
            uint fileName = U32(at + 4, where);
            uint aux = U32(at + 8, where);
            uint next = U32(at + 12, where);
            if (version != 1)
                throw Corrupt($"is corrupt: {where} has vn_version {version}, expected 1");
            string file = Str(strtab, fileName, $"the file name of {where}");

            var versions = new List<VersionNeedAux>(count);
            ulong auxAt = entry + aux;
            for (int j = 0; j < count; j++)
            {
                string auxWhere = $"Vernaux entry {j} of {where} ({file})";
                InSection(sec, auxAt, VernauxSize, auxWhere);
                long a = (long)(sec.Offset + auxAt);
                uint hash = U32(a, auxWhere);
                ushort flags = U16(a + 4, auxWhere);
                ushort other = U16(a + 6, auxWhere);
                string name = Str(strtab, U32(a + 8, auxWhere), $"the version name of {auxWhere}");
                uint auxNext = U32(a + 12, auxWhere);
                versions.Add(new VersionNeedAux(file, name, hash, flags, other, a));
                if (auxNext == 0) break;
                auxAt += auxNext;
            }
            needs.Add(new VersionNeed(file, versions));
            if (next == 0) break;
            entry += next;
        }
        return needs;
    }

    // ---- .gnu.version_d ----

    private List<VersionDefinition> ReadVerdef(ElfSection sec)
    {
        CheckSectionData(sec, "the version-definitions section");
        ElfSection strtab = Linked(sec, ShtStrtab, "a string table");
        var defs = new List<VersionDefinition>();
        ulong entry = 0;
        for (uint i = 0; i < sec.Info; i++)
        {
            string where = $"Verdef entry {i} of {Describe(sec)}";
            InSection(sec, entry, VerdefSize, where);
            long at = (long)(sec.Offset + entry);
            ushort version = U16(at, where);
            ushort flags = U16(at + 2, where);
            ushort index = U16(at + 4, where);
            ushort count = U16(at + 6, where);
            uint hash = U32(at + 8, where);
            uint aux = U32(at + 12, where);
            uint next = U32(at + 16, where);
            if (version != 1)
                throw Corrupt($"is corrupt: {where} has vd_version {version}, expected 1");
            if (count == 0)
                throw Corrupt($"is corrupt: {where} has no name (vd_cnt is 0)");

            var names = new List<string>(count);
            ulong auxAt = entry + aux;
            for (int j = 0; j < count; j++)
            {
                string auxWhere = $"Verdaux entry {j} of {where}";
                InSection(sec, auxAt, VerdauxSize, auxWhere);
                long a = (long)(sec.Offset + auxAt);
                names.Add(Str(strtab, U32(a, auxWhere), $"the name in {auxWhere}"));
                uint auxNext = U32(a + 4, auxWhere);
                if (auxNext == 0) break;
                auxAt += auxNext;
            }
            defs.Add(new VersionDefinition(names[0], index, flags, hash, names.Skip(1).ToList()));
            if (next == 0) break;
            entry += next;
        }
        return defs;
    }

    private void InSection(ElfSection sec, ulong offset, int size, string what)
    {
        if (offset > sec.Size || (ulong)size > sec.Size - offset)
            throw Corrupt($"is corrupt: {what} (at 0x{offset:x}, {size} bytes) runs past the end of section {Describe(sec)} ({sec.Size} bytes)");
    }

    // ---- .dynsym + .gnu.version ----

    private List<DynamicSymbol> ReadDynamicSymbols(ElfSection dynsym, ElfSection? versym)
    {
        CheckSectionData(dynsym, "the dynamic symbol table");
        if (dynsym.EntrySize != SymSize)
            throw Corrupt($"is corrupt: dynamic symbol table {Describe(dynsym)} has entry size {dynsym.EntrySize}, expected {SymSize}");
        ElfSection strtab = Linked(dynsym, ShtStrtab, "a string table");
        int count = checked((int)(dynsym.Size / SymSize));

        if (versym is not null)
        {
            CheckSectionData(versym, "the symbol version table");
            if (versym.Size < (ulong)count * 2)
                throw Corrupt($"is corrupt: symbol version table {Describe(versym)} has {versym.Size / 2} entries but {Describe(dynsym)} has {count} symbols");
        }

        var versionNames = new Dictionary<ushort, (string Name, string? File)>();
        foreach (VersionDefinition d in VersionDefinitions) versionNames.TryAdd(d.Index, (d.Name, null));
        foreach (VersionNeedAux a in VersionNeeds.SelectMany(n => n.Versions)) versionNames.TryAdd(a.Index, (a.Name, a.File));

        var symbols = new List<DynamicSymbol>(count);
        for (int i = 0; i < count; i++)
        {
            long at = (long)dynsym.Offset + (long)i * SymSize;
            string what = $"dynamic symbol {i}";
            string name = Str(strtab, U32(at, what), $"the name of {what}");
            bool undefined = U16(at + 6, what) == 0;
            ushort raw = versym is null ? (ushort)1 : U16((long)versym.Offset + 2L * i, $"the version of {what}");
            ushort index = (ushort)(raw & ~VersymHidden);
            string? versionName = null, versionFile = null;
            if (index > 1 && versionNames.TryGetValue(index, out var version)) (versionName, versionFile) = version;
            symbols.Add(new DynamicSymbol(i, name, undefined, index, (raw & VersymHidden) != 0, versionName, versionFile));
        }
        return symbols;
    }
}
