using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix.Tests;

/// <summary>
/// The parser against the fixtures. Expected values are what `readelf -V -W --dyn-syms` printed when the
/// fixtures were made (Fixtures/readelf/*.txt); readelf is not needed to run these tests.
/// </summary>
public class ElfParsingTests
{
    [Fact]
    public void LibUser_needs_two_versions_of_libfixdep()
    {
        ElfFile elf = ElfFile.Load(Fixtures.LibUser);

        Assert.Equal(62, elf.Machine);
        Assert.Equal("x86-64", elf.MachineName);
        Assert.Equal(3, elf.Type);
        VersionNeed need = Assert.Single(elf.VersionNeeds);
        Assert.Equal("libfixdep.so.1", need.File);
        Assert.Equal(2, need.Versions.Count);

        VersionNeedAux newer = need.Versions[0];
        Assert.Equal(("libfixdep.so.1", "FIXDEP_3.4.32", (ushort)0, (ushort)3), (newer.File, newer.Name, newer.Flags, newer.Index));
        Assert.Equal(ElfHash.Of("FIXDEP_3.4.32"), newer.Hash);
        Assert.Equal(Fixtures.LibUserNewVersionAuxOffset, newer.FileOffset);
        Assert.False(newer.IsWeak);

        VersionNeedAux older = need.Versions[1];
        Assert.Equal(("FIXDEP_1.0", (ushort)0, (ushort)2), (older.Name, older.Flags, older.Index));
        Assert.Equal(ElfHash.Of("FIXDEP_1.0"), older.Hash);
        Assert.Equal(Fixtures.LibUserVerneedOffset + 0x20, older.FileOffset);

        Assert.Empty(elf.VersionDefinitions);
        Assert.Same(need, elf.FindNeed("libfixdep.so.1"));
        Assert.Null(elf.FindNeed("libstdc++.so.6"));
    }

    [Fact]
    public void LibUser_sections_are_found()
    {
        ElfFile elf = ElfFile.Load(Fixtures.LibUser);

        ElfSection verneed = Assert.Single(elf.Sections, s => s.Type == ElfConstants.ShtGnuVerneed);
        Assert.Equal((".gnu.version_r", (ulong)Fixtures.LibUserVerneedOffset, 1u), (verneed.Name, verneed.Offset, verneed.Info));
        Assert.Equal(".dynstr", elf.Sections[(int)verneed.Link].Name);
        ElfSection versym = Assert.Single(elf.Sections, s => s.Type == ElfConstants.ShtGnuVersym);
        Assert.Equal((".gnu.version", 0x2a0ul, 10ul), (versym.Name, versym.Offset, versym.Size));
        ElfSection dynsym = Assert.Single(elf.Sections, s => s.Type == ElfConstants.ShtDynsym);
        Assert.Equal((".dynsym", 24ul), (dynsym.Name, dynsym.EntrySize));
        Assert.DoesNotContain(elf.Sections, s => s.Type == ElfConstants.ShtGnuVerdef);
    }

    [Fact]
    public void LibUser_symbols_map_to_the_versions_they_require()
    {
        ElfFile elf = ElfFile.Load(Fixtures.LibUser);

        var symbols = elf.DynamicSymbols.Select(s => (s.Index, s.Name, s.IsUndefined, s.VersionIndex, s.VersionName, s.VersionFile)).ToList();
        Assert.Equal(
        [
            (0, "", true, (ushort)0, null, null),
            (1, "fix_answer", true, (ushort)2, "FIXDEP_1.0", "libfixdep.so.1"),
            (2, "fix_never_called", true, (ushort)3, "FIXDEP_3.4.32", "libfixdep.so.1"),
            (3, "user_answer", false, (ushort)1, null, null),
            (4, "user_unused", false, (ushort)1, null, null),
        ], symbols);

        VersionNeed need = elf.FindNeed(Fixtures.Needed)!;
        Assert.Equal(["fix_never_called"], elf.SymbolsRequiring(need.Versions[0]).Select(s => s.Name));
        Assert.Equal(["fix_answer"], elf.SymbolsRequiring(need.Versions[1]).Select(s => s.Name));
    }

    [Fact]
    public void LibUser2_needs_the_new_version_through_two_symbols()
    {
        ElfFile elf = ElfFile.Load(Fixtures.LibUser2);

        VersionNeedAux newer = elf.FindNeed(Fixtures.Needed)!.Versions.Single(v => v.Name == Fixtures.NewVersion);
        Assert.Equal(["fix_called", "fix_never_called"], elf.SymbolsRequiring(newer).Select(s => s.Name).Order());
    }

    [Fact]
    public void Full_libfixdep_defines_both_versions()
    {
        ElfFile elf = ElfFile.Load(Fixtures.FullFixdep);

        Assert.Empty(elf.VersionNeeds);
        var defs = elf.VersionDefinitions.Select(d => (d.Name, d.Index, d.Flags, d.IsBase, string.Join(",", d.Parents))).ToList();
        Assert.Equal(
        [
            ("libfixdep.so.1", (ushort)1, ElfConstants.VerFlgBase, true, ""),
            ("FIXDEP_1.0", (ushort)2, (ushort)0, false, ""),
            ("FIXDEP_3.4.32", (ushort)3, (ushort)0, false, "FIXDEP_1.0"),
        ], defs);
        Assert.All(elf.VersionDefinitions, d => Assert.Equal(ElfHash.Of(d.Name), d.Hash));
        Assert.Equal(["FIXDEP_1.0", "FIXDEP_3.4.32"], elf.DefinedVersionNames.Order());

        DynamicSymbol neverCalled = Assert.Single(elf.DynamicSymbols, s => s.Name == "fix_never_called");
        Assert.Equal((false, (ushort)3, "FIXDEP_3.4.32", (string?)null), (neverCalled.IsUndefined, neverCalled.VersionIndex, neverCalled.VersionName, neverCalled.VersionFile));
    }

    [Fact]
    public void Host_libfixdep_defines_only_the_old_version()
    {
        ElfFile elf = ElfFile.Load(Fixtures.HostFixdep);

        Assert.Equal(["FIXDEP_1.0"], elf.DefinedVersionNames);
        Assert.DoesNotContain(elf.DynamicSymbols, s => s.Name == "fix_never_called");
    }

    [Fact]
    public void Parse_of_bytes_uses_the_given_name()
    {
        ElfFile elf = ElfFile.Parse(File.ReadAllBytes(Fixtures.LibUser), "in-memory");

        Assert.Equal("in-memory", elf.Name);
        Assert.Equal(File.ReadAllBytes(Fixtures.LibUser), elf.Bytes.ToArray());
    }
}
