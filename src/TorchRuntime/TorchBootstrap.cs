using System.Runtime.InteropServices;
using TorchSharp;

namespace SelfPlayBN.TorchRuntime;

/// <summary>
/// Loads TorchSharp's native libraries once per process, according to the backend the executable was
/// built with (<c>-p:TorchBackend=cpu|cuda-windows|external</c>, recorded in its runtimeconfig). This is the
/// only code in the repository that touches native loading: call <see cref="Initialize"/> before any other
/// use of <c>torch</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>cpu</c> and <c>cuda-windows</c>: libtorch comes from the NuGet package next to the program and
/// TorchSharp finds it by itself; naming a libtorch directory is an error (two copies of libtorch cannot
/// share a process).</item>
/// <item><c>external</c>: libtorch is loaded from <see cref="TorchSettings.LibTorchDirectory"/> (a PyTorch
/// install's <c>torch/lib</c>, or the <c>lib</c> folder of an unpacked libtorch): c10, torch_cpu, the CUDA
/// libraries when present, torch, then TorchSharp's own <c>LibTorchSharp</c> shim from the program folder,
/// then CUDA is initialised when the directory has it and the machine has a GPU.</item>
/// </list>
/// Thread-safe. A later call may change the intra-op thread count; one naming another libtorch directory or
/// inter-op thread count throws, since native libraries cannot be unloaded.
/// </remarks>
public static class TorchBootstrap
{
    /// <summary>The runtimeconfig key written by <c>build/TorchBackend.targets</c>.</summary>
    public const string BackendConfigKey = "SelfPlayBN.TorchBackend";

    private static readonly object Gate = new();
    private static TorchRuntimeInfo? _info;
    private static TorchSettings? _settings;

    /// <summary>The backend this program was built with: <c>cpu</c>, <c>cuda-windows</c> or <c>external</c>.</summary>
    public static string BuiltBackend => AppContext.GetData(BackendConfigKey) as string ?? "cpu";

    /// <summary>What was loaded, or null before <see cref="Initialize"/>.</summary>
    public static TorchRuntimeInfo? Info
    {
        get { lock (Gate) return _info; }
    }

    /// <summary>
    /// Loads the native libraries (once) and applies the thread settings. Returns what was loaded.
    /// Throws <see cref="TorchLoadException"/> with a message naming the cause when loading fails.
    /// </summary>
    public static TorchRuntimeInfo Initialize(TorchSettings? settings = null)
    {
        settings ??= new TorchSettings();
        settings.Validate();
        string backend = BuiltBackend;
        string? dir = settings.LibTorchDirectory;
        if (backend == "external" && dir == null)
            throw new TorchLoadException(
                "this build uses the external libtorch backend: name the libtorch directory (--libtorch DIR, " +
                "or the SELFPLAYBN_LIBTORCH environment variable), e.g. the output of " +
                "python3 -c \"import torch,os;print(os.path.dirname(torch.__file__)+'/lib')\"");
        if (backend != "external" && dir != null)
            throw new TorchLoadException(
                $"this build carries libtorch from NuGet (backend '{backend}'), so it cannot also load libtorch from '{dir}': " +
                "build with -p:TorchBackend=external to use a libtorch directory, or drop --libtorch / SELFPLAYBN_LIBTORCH");
        lock (Gate)
        {
            if (_info != null)
            {
                if (_settings!.LibTorchDirectory != settings.LibTorchDirectory ||
                    (settings.InteropThreads != null && settings.InteropThreads != _settings.InteropThreads))
                    throw new InvalidOperationException($"TorchSharp is already initialised with {_settings}; cannot re-initialise with {settings}");
                if (settings.Threads is int threads && threads != _info.Threads)
                {
                    torch.set_num_threads(threads);
                    _info = _info with { Threads = torch.get_num_threads() };
                }
                return _info;
            }
            string? oneDnnLimit = CapOneDnn(settings.OneDnnMaxIsa);
            var loaded = new List<string>();
            bool cudaLibraries = false;
            if (dir != null)
            {
                (loaded, cudaLibraries) = LoadFromDirectory(dir);
            }
            try
            {
                // CUDA where the libraries have it (an external directory with CUDA libraries, or the CUDA
                // NuGet backend) and the machine has a GPU; the CPU otherwise.
                bool wantCuda = cudaLibraries || backend == "cuda-windows";
                if (!(wantCuda && torch.TryInitializeDeviceType(DeviceType.CUDA)))
                    torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is not TorchLoadException)
            {
                throw new TorchLoadException(Explain(e), e);
            }
            if (settings.Threads is int t) torch.set_num_threads(t);
            if (settings.InteropThreads is int it) torch.set_num_interop_threads(it);
            _settings = settings;
            _info = new TorchRuntimeInfo(
                Backend: backend,
                TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
                LibTorchVersion: dir != null ? ReadLibTorchVersion(dir) ?? torch.__version__ : torch.__version__,
                LibTorchDirectory: dir,
                LoadedLibraries: loaded,
                CudaAvailable: torch.cuda.is_available(),
                CudaDeviceCount: torch.cuda.is_available() ? torch.cuda.device_count() : 0,
                Threads: torch.get_num_threads(),
                InteropThreads: torch.get_num_interop_threads())
            {
                OneDnnMaxIsa = oneDnnLimit ?? Environment.GetEnvironmentVariable(OneDnnIsaVariable),
            };
            return _info;
        }
    }

    /// <summary>The environment variable that makes <see cref="Exit"/> go through libtorch's native teardown even after
    /// CUDA was used (for diagnosing a crash at exit; see <see cref="Exit"/>).</summary>
    public const string FullNativeExitVariable = "SELFPLAYBN_FULL_NATIVE_EXIT";

    /// <summary>
    /// Ends the process with <paramref name="code"/>. When this process initialised CUDA, the process ends without running
    /// the native libraries' exit handlers and static destructors (<c>_exit</c>), after flushing the standard streams: every
    /// CUDA run of the old pipeline ended in a segmentation fault (exit code 139) right after a normal stop, inside native
    /// teardown, when the CUDA runtime's and libtorch's handles are destroyed in an order the libraries loaded here one by one
    /// do not control. The caller must have stopped every thread that uses libtorch and closed its files: nothing managed runs
    /// after this. Without CUDA, or with <see cref="FullNativeExitVariable"/> set to 1, this returns <paramref name="code"/> for
    /// an ordinary exit.
    /// </summary>
    public static int Exit(int code)
    {
        bool cuda;
        lock (Gate) cuda = _info is { CudaAvailable: true };
        if (!cuda || Environment.GetEnvironmentVariable(FullNativeExitVariable) == "1" || !OperatingSystem.IsLinux()) return code;
        Console.Out.Flush();
        Console.Error.Flush();
        ExitWithoutTeardown(code);
        return code; // not reached
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitWithoutTeardown(int status);

    /// <summary>The oneDNN setting that caps the instruction set its CPU kernels may use.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>
    /// Caps oneDNN (libtorch's CPU convolutions) at the configured instruction set (<see cref="TorchSettings.OneDnnMaxIsa"/>),
    /// or by default at SSE4.1 on AMD processors with AVX-512, unless the user set <see cref="OneDnnIsaVariable"/>
    /// (<see cref="OneDnnCap"/> decides); returns the cap applied, or null. On such a processor (an AMD EPYC with AVX-512, in
    /// a virtual machine) the oneDNN 3.7.1 of libtorch 2.10 miscomputed with its vector kernels:
    /// <list type="bullet">
    /// <item>with AVX-512, convolution input gradients of small shapes (16×2×3×3 inputs, 8 filters) came out wrong by
    /// order 1 or NaN, so training diverged;</item>
    /// <item>with AVX2 too, a forward convolution of 18 channels (Leela Zero's input planes) over a batch of 6 returned NaNs
    /// in up to 80 % of repeated calls on the same input, intermittently (other runs: none);</item>
    /// <item>with SSE4.1 none of these failed in 30,000 calls, and every gradient matched float64.</item>
    /// </list>
    /// SSE4.1 kernels cost about 40 % of the Connect Four network's inference rate against AVX2 on that machine. None of
    /// this was seen on an Intel Xeon with AVX-512, nor, on 2026-12-08, on another machine of the AMD kind (docs/benchmarks.md):
    /// a config may therefore ask for AVX2 for a network whose shapes it has checked, and the inference service and the
    /// learner refuse non-finite answers and losses. oneDNN reads the variable from the native environment when it first
    /// runs, so it is set there (not only in .NET's copy) before libtorch is loaded.
    /// </summary>
    private static string? CapOneDnn(string? configured)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        string? vendor = null;
        bool avx512 = false;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("vendor_id", StringComparison.Ordinal)) vendor = line[(line.IndexOf(':') + 1)..].Trim();
                else if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    avx512 = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("avx512f");
                    break;
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string? cap = OneDnnCap(Environment.GetEnvironmentVariable(OneDnnIsaVariable), configured, vendor, avx512);
        if (cap is null) return null;
        if (SetNativeEnvironment(OneDnnIsaVariable, cap, 0) != 0) return null;
        Environment.SetEnvironmentVariable(OneDnnIsaVariable, cap);
        return cap;
    }

    /// <summary>
    /// The instruction-set cap to give oneDNN, or null to leave it alone: none when the environment already names one
    /// (<paramref name="environment"/>, the user's choice); else <paramref name="configured"/> (<see cref="TorchSettings.OneDnnMaxIsa"/>,
    /// in capitals); else SSE41 on an AMD processor with AVX-512 (<paramref name="vendor"/> <c>AuthenticAMD</c>, see
    /// <see cref="CapOneDnn"/>'s remarks), and none elsewhere.
    /// </summary>
    public static string? OneDnnCap(string? environment, string? configured, string? vendor, bool avx512)
    {
        if (!string.IsNullOrEmpty(environment)) return null;
        if (!string.IsNullOrEmpty(configured)) return configured.ToUpperInvariant();
        return vendor == "AuthenticAMD" && avx512 ? "SSE41" : null;
    }

    /// <summary>The values <see cref="TorchSettings.OneDnnMaxIsa"/> accepts (oneDNN's names; <c>ALL</c> lifts the cap).</summary>
    public static readonly IReadOnlyList<string> OneDnnIsas =
        ["SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX512_CORE", "AVX512_CORE_VNNI", "AVX512_CORE_BF16", "AVX512_CORE_AMX", "ALL"];

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    private static (List<string> Loaded, bool Cuda) LoadFromDirectory(string dir)
    {
        if (!Directory.Exists(dir))
            throw new TorchLoadException($"libtorch directory '{dir}' does not exist");
        var loaded = new List<string>();
        string[] names = OperatingSystem.IsWindows()
            ? ["c10.dll", "torch_cpu.dll", "c10_cuda.dll", "torch_cuda.dll", "torch.dll"]
            : OperatingSystem.IsMacOS()
                ? ["libc10.dylib", "libtorch_cpu.dylib", "libtorch.dylib"]
                : ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
        bool cuda = false;
        foreach (var name in names)
        {
            string path = Path.Combine(dir, name);
            if (!File.Exists(path))
            {
                if (name.Contains("cuda", StringComparison.Ordinal)) continue; // a CPU-only libtorch
                throw new TorchLoadException($"libtorch directory '{dir}' has no {name}: is it a libtorch 'lib' folder?");
            }
            Load(path);
            loaded.Add(path);
            cuda |= name.Contains("cuda", StringComparison.Ordinal);
        }
        string shim = FindShim();
        Load(shim);
        loaded.Add(shim);
        return (loaded, cuda);
    }

    private static string FindShim()
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string rid = RuntimeInformation.RuntimeIdentifier;
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        foreach (var candidate in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, file),
                     Path.Combine(AppContext.BaseDirectory, "runtimes", $"{os}-{arch}", "native", file),
                     Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file),
                 })
            if (File.Exists(candidate)) return candidate;
        throw new TorchLoadException($"TorchSharp's native shim {file} is not in the program folder {AppContext.BaseDirectory}");
    }

    private static void Load(string path)
    {
        try
        {
            NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new TorchLoadException($"cannot load {path}: {Explain(e)}", e);
        }
    }

    /// <summary>The version a PyTorch install or an unpacked libtorch states next to its lib folder, if any.</summary>
    private static string? ReadLibTorchVersion(string dir)
    {
        var parent = Directory.GetParent(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar))?.FullName;
        if (parent == null) return null;
        string pyVersion = Path.Combine(parent, "version.py"); // torch/version.py: __version__ = '2.11.0+cu130'
        if (File.Exists(pyVersion))
            foreach (var line in File.ReadLines(pyVersion))
                if (line.StartsWith("__version__", StringComparison.Ordinal))
                    return line[(line.IndexOf('=') + 1)..].Trim().Trim('\'', '"');
        string buildVersion = Path.Combine(parent, "build-version"); // libtorch zip
        return File.Exists(buildVersion) ? File.ReadAllText(buildVersion).Trim() : null;
    }

    private static string Explain(Exception e)
    {
        string message = e.InnerException?.Message ?? e.Message;
        if (message.Contains("GLIBCXX", StringComparison.Ordinal))
            message += " — the build normally fixes this (build/NativeFix.targets); rebuild, or run " +
                       "'dotnet SelfPlayBN.NativeFix.dll glibcxx-weak FILE' on the named library";
        return message;
    }
}

/// <summary>Settings for <see cref="TorchBootstrap.Initialize"/>.</summary>
/// <param name="LibTorchDirectory">Directory holding libtorch's libraries; required for the external backend.</param>
/// <param name="Threads">Intra-op threads (<c>torch.set_num_threads</c>); null keeps libtorch's default.</param>
/// <param name="InteropThreads">Inter-op threads; null keeps libtorch's default. Can only be set once per process.</param>
/// <param name="OneDnnMaxIsa">The instruction set oneDNN's CPU kernels are capped at (one of <see cref="TorchBootstrap.OneDnnIsas"/>,
/// any case), on Linux x64 where the environment names none (<c>ONEDNN_MAX_CPU_ISA</c> wins); null: SSE41 on AMD processors
/// with AVX-512, where oneDNN miscomputed, and no cap elsewhere. Takes effect at the first initialisation only.</param>
public sealed record TorchSettings(string? LibTorchDirectory = null, int? Threads = null, int? InteropThreads = null, string? OneDnnMaxIsa = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (OneDnnMaxIsa is { } isa && !TorchBootstrap.OneDnnIsas.Contains(isa.ToUpperInvariant()))
            throw new ArgumentException($"the oneDNN instruction set '{isa}' is not one of {string.Join(", ", TorchBootstrap.OneDnnIsas)}");
        if (Threads is < 1) throw new ArgumentException($"threads must be at least 1, got {Threads}");
        if (InteropThreads is < 1) throw new ArgumentException($"interop threads must be at least 1, got {InteropThreads}");
        if (LibTorchDirectory is { Length: 0 }) throw new ArgumentException("the libtorch directory is empty");
    }
}

/// <summary>What <see cref="TorchBootstrap.Initialize"/> loaded.</summary>
/// <param name="Backend">The build's backend: cpu, cuda-windows or external.</param>
/// <param name="TorchSharpVersion">Version of the TorchSharp bindings.</param>
/// <param name="LibTorchVersion">The libtorch version (stated by the external directory when it says; else the one TorchSharp was built for).</param>
/// <param name="LibTorchDirectory">The directory libtorch came from, or null for the NuGet package.</param>
/// <param name="LoadedLibraries">Libraries loaded explicitly, in order.</param>
/// <param name="CudaAvailable">Whether CUDA can be used.</param>
/// <param name="CudaDeviceCount">Number of CUDA devices.</param>
/// <param name="Threads">Intra-op threads in effect.</param>
/// <param name="InteropThreads">Inter-op threads in effect.</param>
public sealed record TorchRuntimeInfo(
    string Backend,
    string TorchSharpVersion,
    string LibTorchVersion,
    string? LibTorchDirectory,
    IReadOnlyList<string> LoadedLibraries,
    bool CudaAvailable,
    int CudaDeviceCount,
    int Threads,
    int InteropThreads)
{
    /// <summary>The instruction-set cap of oneDNN's CPU kernels in effect (<c>ONEDNN_MAX_CPU_ISA</c>), or null for none.</summary>
    public string? OneDnnMaxIsa { get; init; }
}

/// <summary>TorchSharp's native libraries could not be loaded; the message names the cause.</summary>
public sealed class TorchLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchLoadException(string message, Exception? inner = null) : base(message, inner) { }
}
