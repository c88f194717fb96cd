using SelfPlayBN.NativeFix.Elf;

namespace SelfPlayBN.NativeFix.Tests;

public class WeakVersionFixTests
{
    [Fact]
    public void Patch_sets_exactly_one_bit_of_the_missing_versions_vna_flags()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        byte[] before = File.ReadAllBytes(file);

        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options());

        Assert.Equal(WeakVersionFixOutcome.Patched, result.Outcome);
        Assert.Equal([Fixtures.NewVersion], result.PatchedVersions);
        Assert.Equal(Fixtures.HostFixdep, result.HostLibrary);
        Assert.StartsWith($"{file}: patched:", result.Message);
        Assert.Contains(Fixtures.NewVersion, result.Message);
        byte[] after = File.ReadAllBytes(file);
        int offset = Assert.Single(FileSystem.Differences(before, after));
        Assert.Equal(Fixtures.LibUserNewVersionFlagsOffset, offset);
        Assert.Equal(ElfConstants.VerFlgWeak, after[offset] ^ before[offset]);

        var versions = ElfFile.Load(file).FindNeed(Fixtures.Needed)!.Versions;
        Assert.True(versions.Single(v => v.Name == Fixtures.NewVersion).IsWeak);
        Assert.False(versions.Single(v => v.Name == "FIXDEP_1.0").IsWeak);
        Assert.Empty(FileSystem.Extra(dir.Path, "libuser.so"));
    }

    [Fact]
    public void Second_run_changes_nothing_and_does_not_rewrite_the_file()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        WeakVersionFix.Run(file, Fixtures.Options());
        byte[] patched = File.ReadAllBytes(file);
        string link = Path.Combine(dir.Path, "link.so");
        FileSystem.HardLink(file, link);
        var old = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, old);

        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options() with { KeepTimestamp = false });

        Assert.Equal(WeakVersionFixOutcome.AlreadyPatched, result.Outcome);
        Assert.Empty(result.PatchedVersions);
        Assert.Equal([Fixtures.NewVersion], result.WeakVersions);
        Assert.Contains("already patched", result.Message);
        Assert.Equal(patched, File.ReadAllBytes(file));
        Assert.Equal(old, File.GetLastWriteTimeUtc(file));
        Assert.True(FileSystem.SameInode(file, link));
    }

    [Fact]
    public void An_already_weak_version_is_left_alone_even_when_its_symbols_are_not_allowed()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        WeakVersionFix.Run(file, Fixtures.Options());
        byte[] patched = File.ReadAllBytes(file);

        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options(null, "something_else"));

        Assert.Equal(WeakVersionFixOutcome.AlreadyPatched, result.Outcome);
        Assert.Equal(patched, File.ReadAllBytes(file));
    }

    [Fact]
    public void Host_with_every_version_means_no_change()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        byte[] before = File.ReadAllBytes(file);
        string link = Path.Combine(dir.Path, "link.so");
        FileSystem.HardLink(file, link);

        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options(Fixtures.FullFixdep));

        Assert.Equal(WeakVersionFixOutcome.HostHasAllVersions, result.Outcome);
        Assert.Contains("defines all 2 versions", result.Message);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.True(FileSystem.SameInode(file, link));
    }

    [Fact]
    public void A_file_that_does_not_need_the_library_is_left_alone()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);

        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options() with { NeededLibrary = "libother.so.1" });

        Assert.Equal(WeakVersionFixOutcome.NotNeeded, result.Outcome);
        Assert.Contains("needs no versions from libother.so.1", result.Message);
        Assert.Equal(File.ReadAllBytes(Fixtures.LibUser), File.ReadAllBytes(file));
    }

    [Fact]
    public void Refused_when_a_symbol_not_on_the_allow_list_needs_the_missing_version()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser2);

        var e = Assert.Throws<WeakVersionFixRefusedException>(() => WeakVersionFix.Run(file, Fixtures.Options()));

        Assert.Contains(file, e.Message);
        Assert.Contains($"{Fixtures.NewVersion} is needed by fix_called", e.Message);
        Assert.DoesNotContain("fix_never_called", e.Message);
        Assert.Contains("run time", e.Message);
        Assert.Equal(File.ReadAllBytes(Fixtures.LibUser2), File.ReadAllBytes(file));
        Assert.Empty(FileSystem.Extra(dir.Path, "libuser2.so"));
    }

    [Fact]
    public void Default_allow_list_names_only_ios_base_library_init()
    {
        Assert.Equal(["_ZSt21ios_base_library_initv"], WeakVersionFix.DefaultAllowedSymbols);
        Assert.Equal("libstdc++.so.6", new WeakVersionFixOptions().NeededLibrary);

        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        var options = Fixtures.Options() with { AllowedSymbols = WeakVersionFix.DefaultAllowedSymbols };
        var e = Assert.Throws<WeakVersionFixRefusedException>(() => WeakVersionFix.Run(file, options));
        Assert.Contains($"{Fixtures.NewVersion} is needed by fix_never_called", e.Message);
    }

    [Fact]
    public void Atomic_write_keeps_the_mode_and_timestamp_and_replaces_the_inode()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                  | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead;
        File.SetUnixFileMode(file, mode);
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, stamp);
        string link = Path.Combine(dir.Path, "hardlink.so");
        FileSystem.HardLink(file, link);
        byte[] original = File.ReadAllBytes(file);

        WeakVersionFix.Run(file, Fixtures.Options());

        Assert.Equal(mode, File.GetUnixFileMode(file));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(file));
        Assert.Equal(original, File.ReadAllBytes(link));
        Assert.NotEqual(original, File.ReadAllBytes(file));
        Assert.False(FileSystem.SameInode(file, link));
        Assert.Empty(FileSystem.Extra(dir.Path, "libuser.so", "hardlink.so"));
    }

    [Fact]
    public void KeepTimestamp_false_gives_the_patched_file_a_new_time()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));

        WeakVersionFix.Run(file, Fixtures.Options() with { KeepTimestamp = false });

        Assert.True(File.GetLastWriteTimeUtc(file) > DateTime.UtcNow.AddHours(-1));
    }

    [Fact]
    public void A_symbolic_link_is_replaced_not_written_through()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        string real = dir.Copy(Fixtures.LibUser, "real.so");
        string symlink = Path.Combine(dir.Path, "libuser.so");
        File.CreateSymbolicLink(symlink, real);

        WeakVersionFix.Run(symlink, Fixtures.Options());

        Assert.Equal(File.ReadAllBytes(Fixtures.LibUser), File.ReadAllBytes(real));
        Assert.Null(new FileInfo(symlink).LinkTarget);
        Assert.Single(FileSystem.Differences(File.ReadAllBytes(Fixtures.LibUser), File.ReadAllBytes(symlink)));
    }

    [Fact]
    public void Missing_files_are_reported_by_name()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "nope.so");
        var e = Assert.Throws<FileNotFoundException>(() => WeakVersionFix.Run(missing, Fixtures.Options()));
        Assert.Contains(missing, e.Message);

        string file = dir.Copy(Fixtures.LibUser);
        string missingHost = Path.Combine(dir.Path, "libfixdep.so.1");
        e = Assert.Throws<FileNotFoundException>(() => WeakVersionFix.Run(file, Fixtures.Options(missingHost)));
        Assert.Contains(missingHost, e.Message);
    }

    [Fact]
    public void A_host_library_for_another_machine_is_rejected()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        string host = dir.Copy(Fixtures.HostFixdep);
        byte[] bytes = File.ReadAllBytes(host);
        bytes[18] = 183; // e_machine = EM_AARCH64
        bytes[19] = 0;
        File.WriteAllBytes(host, bytes);

        var e = Assert.Throws<InvalidDataException>(() => WeakVersionFix.Run(file, Fixtures.Options(host)));

        Assert.Contains("x86-64", e.Message);
        Assert.Contains("AArch64", e.Message);
        Assert.Equal(File.ReadAllBytes(Fixtures.LibUser), File.ReadAllBytes(file));
    }

    [Fact]
    public void A_host_library_without_version_definitions_needs_nothing()
    {
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        // libuser.so itself defines no versions: as a "host" it stands for an unversioned library.
        WeakVersionFixResult result = WeakVersionFix.Run(file, Fixtures.Options(Fixtures.LibUser2));

        Assert.Equal(WeakVersionFixOutcome.HostHasAllVersions, result.Outcome);
        Assert.Contains("defines no versions", result.Message);
    }

    [Fact]
    public void Without_a_host_copy_a_file_for_this_machine_is_an_error_and_one_for_another_machine_is_skipped()
    {
        if (!OperatingSystem.IsLinux() || WeakVersionFix.ProcessMachine != 62) return;
        using var dir = new TempDir();
        string file = dir.Copy(Fixtures.LibUser);
        var options = Fixtures.Options() with { HostLibraryPath = null };

        var e = Assert.Throws<FileNotFoundException>(() => WeakVersionFix.Run(file, options));
        Assert.Contains("cannot find the host's libfixdep.so.1 for x86-64", e.Message);

        byte[] bytes = File.ReadAllBytes(file);
        bytes[18] = 183; // e_machine = EM_AARCH64
        File.WriteAllBytes(file, bytes);
        WeakVersionFixResult result = WeakVersionFix.Run(file, options);
        Assert.Equal(WeakVersionFixOutcome.OtherMachine, result.Outcome);
        Assert.Contains("built for AArch64", result.Message);
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }
}
