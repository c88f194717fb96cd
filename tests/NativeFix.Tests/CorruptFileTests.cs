using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix.Tests;

/// <summary>Bad input gives an <see cref="InvalidDataException"/> naming the file and the problem, never another exception type.</summary>
public class CorruptFileTests
{
    private static InvalidDataException Rejects(byte[] data, string name = "bad.so")
    {
        Exception? e = Record.Exception(() => ElfFile.Parse(data, name));
        Assert.NotNull(e);
        var invalid = Assert.IsType<InvalidDataException>(e);
        Assert.StartsWith($"{name}: ", invalid.Message);
        return invalid;
    }

    public static TheoryData<string> AllFixtures => new() { "libuser.so", "libuser2.so", "full/libfixdep.so.1", "host/libfixdep.so.1" };

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_truncation_is_rejected(string fixture)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(Fixtures.Dir, fixture));
        for (int length = 0; length < data.Length; length++)
            Rejects(data[..length], $"{fixture}[..{length}]");
    }

    [Fact]
    public void Truncation_messages_say_what_is_missing()
    {
        byte[] data = File.ReadAllBytes(Fixtures.LibUser);
        Assert.Contains("the file is empty", Rejects([]).Message);
        Assert.Contains("shorter than the 64-byte ELF header", Rejects(data[..40]).Message);
        Assert.Contains("section header table", Rejects(data[..(data.Length - 1)]).Message);
        Assert.Contains("beyond the end of the file", Rejects(data[..(data.Length / 2)]).Message);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        byte[] data = File.ReadAllBytes(Fixtures.LibUser);
        data[1] = (byte)'X';
        Assert.Contains("not an ELF file", Rejects(data).Message);
        Assert.Contains("not an ELF file", Rejects("#!/bin/sh\necho hello\n"u8.ToArray()).Message);
    }

    [Fact]
    public void Other_classes_and_encodings_are_rejected_by_name()
    {
        byte[] data = File.ReadAllBytes(Fixtures.LibUser);
        byte[] elf32 = (byte[])data.Clone();
        elf32[4] = 1;
        Assert.Contains("32-bit", Rejects(elf32, "x.so").Message);
        byte[] unknownClass = (byte[])data.Clone();
        unknownClass[4] = 7;
        Assert.Contains("EI_CLASS=7", Rejects(unknownClass).Message);
        byte[] bigEndian = (byte[])data.Clone();
        bigEndian[5] = 2;
        Assert.Contains("big-endian", Rejects(bigEndian).Message);
        byte[] unknownData = (byte[])data.Clone();
        unknownData[5] = 0;
        Assert.Contains("EI_DATA=0", Rejects(unknownData).Message);
    }

    [Fact]
    public void Corrupt_version_tables_are_rejected()
    {
        byte[] data = File.ReadAllBytes(Fixtures.LibUser);
        long aux = Fixtures.LibUserNewVersionAuxOffset;

        byte[] badName = (byte[])data.Clone();
        badName[aux + 8] = 0xff; // vna_name far outside .dynstr
        badName[aux + 9] = 0xff;
        Assert.Contains("string table", Rejects(badName).Message);

        byte[] badAux = (byte[])data.Clone();
        badAux[Fixtures.LibUserVerneedOffset + 8] = 0xf0; // vn_aux past the section end
        Assert.Contains("runs past the end of section", Rejects(badAux).Message);

        byte[] badVersion = (byte[])data.Clone();
        badVersion[Fixtures.LibUserVerneedOffset] = 9; // vn_version
        Assert.Contains("vn_version 9", Rejects(badVersion).Message);

        byte[] noSections = (byte[])data.Clone();
        Array.Clear(noSections, 40, 8); // e_shoff = 0
        Assert.Contains("no section header table", Rejects(noSections).Message);
    }

    [Fact]
    public void Random_corruption_never_escapes_as_another_exception_type()
    {
        var random = new Random(12345);
        foreach (string fixture in new[] { Fixtures.LibUser, Fixtures.FullFixdep })
        {
            byte[] original = File.ReadAllBytes(fixture);
            ElfFile clean = ElfFile.Load(fixture);
            // The interesting bytes: the ELF header, the version/symbol tables and the section headers.
            ulong shoff = BitConverter.ToUInt64(original, 40);
            var regions = new List<(int Start, int Length)> { (16, 48), ((int)shoff, original.Length - (int)shoff) };
            regions.AddRange(clean.Sections.Where(s => s.Type is ElfConstants.ShtDynsym or ElfConstants.ShtStrtab or ElfConstants.ShtGnuVersym
                                                       or ElfConstants.ShtGnuVerneed or ElfConstants.ShtGnuVerdef)
                                            .Select(s => ((int)s.Offset, (int)s.Size)));
            for (int round = 0; round < 3000; round++)
            {
                byte[] data = (byte[])original.Clone();
                int flips = random.Next(1, 5);
                for (int f = 0; f < flips; f++)
                {
                    (int start, int length) = regions[random.Next(regions.Count)];
                    data[start + random.Next(length)] = random.Next(3) == 0 ? (byte)0xff : (byte)random.Next(256);
                }
                Exception? e = Record.Exception(() => ElfFile.Parse(data, "fuzzed.so"));
                if (e is not null && e is not InvalidDataException)
                    Assert.Fail($"round {round}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Fact]
    public void The_fix_reports_a_corrupt_target_as_invalid_data()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        byte[] data = File.ReadAllBytes(file);
        File.WriteAllBytes(file, data[..(data.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => WeakVersionFix.Run(file, Fixtures.Options()));

        Assert.StartsWith($"{file}: ", e.Message);
    }
}
