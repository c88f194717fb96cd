using System.Runtime.InteropServices;

namespace SelfPlayBN.NativeFix.Tests;

/// <summary>
/// The real dynamic loader, in process. libuser.so has RUNPATH $ORIGIN, so a copy next to the host
/// variant of libfixdep.so.1 (which lacks FIXDEP_3.4.32) loads that one. Only the host variant is
/// ever loaded into the test process, so the loader's by-soname reuse cannot mix the two variants.
/// </summary>
public class LoaderTests
{
    private static bool CanRun => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [Fact]
    public void Unpatched_library_fails_to_load_against_the_old_host_library()
    {
        if (!CanRun) return;
        using var dir = new TempDir();
        dir.Copy(Fixtures.HostFixdep);
        string user = dir.Copy(Fixtures.LibUser);

        Assert.False(NativeLibrary.TryLoad(user, out _));
        var e = Assert.Throws<DllNotFoundException>(() => NativeLibrary.Load(user));
        Assert.Contains("FIXDEP_3.4.32", e.Message);
    }

    [Fact]
    public void Patched_library_loads_and_works_against_the_old_host_library()
    {
        if (!CanRun) return;
        using var dir = new TempDir();
        string host = dir.Copy(Fixtures.HostFixdep);
        string user = dir.Copy(Fixtures.LibUser);
        WeakVersionFix.Run(user, Fixtures.Options(host));

        Assert.True(NativeLibrary.TryLoad(user, out IntPtr handle));
        try
        {
            var answer = Marshal.GetDelegateForFunctionPointer<IntFunction>(NativeLibrary.GetExport(handle, "user_answer"));
            Assert.Equal(42, answer());
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int IntFunction();
}
