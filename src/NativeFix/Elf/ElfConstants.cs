namespace SelfPlayBN.NativeFix.Elf;

/// <summary>The few constants from the ELF specification and the GNU symbol-versioning extension that this tool uses.</summary>
public static class ElfConstants
{
    /// <summary><c>EI_CLASS</c> value of a 64-bit file.</summary>
    public const byte ElfClass64 = 2;
    /// <summary><c>EI_DATA</c> value of a little-endian (two's complement) file.</summary>
    public const byte ElfData2Lsb = 1;

    /// <summary>Dynamic-linker symbol table (<c>.dynsym</c>).</summary>
    public const uint ShtDynsym = 11;
    /// <summary>String table.</summary>
    public const uint ShtStrtab = 3;
    /// <summary>Section occupying no file space.</summary>
    public const uint ShtNobits = 8;
    /// <summary>Version definitions (<c>.gnu.version_d</c>).</summary>
    public const uint ShtGnuVerdef = 0x6ffffffd;
    /// <summary>Version needs (<c>.gnu.version_r</c>).</summary>
    public const uint ShtGnuVerneed = 0x6ffffffe;
    /// <summary>Version index per dynamic symbol (<c>.gnu.version</c>).</summary>
    public const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>Version definition of the file itself (its soname).</summary>
    public const ushort VerFlgBase = 0x1;
    /// <summary>Weak version reference: the dynamic loader does not fail when the version is absent.</summary>
    public const ushort VerFlgWeak = 0x2;

    /// <summary>Versym bit marking a hidden (non-default) version; the index is the remaining 15 bits.</summary>
    public const ushort VersymHidden = 0x8000;

    /// <summary>Machine numbers (<c>e_machine</c>) this tool names in messages.</summary>
    public static string MachineName(ushort machine) => machine switch
    {
        3 => "i386",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "s390",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => $"machine {machine}",
    };
}
