using System.Runtime.CompilerServices;
using SelfPlayBN.TorchRuntime;

namespace SelfPlayBN.Tests;

// One copy for every test project that runs TorchSharp: each links this file (see its .csproj), so each test
// assembly gets its own collection definition, as xunit requires.

/// <summary>
/// Loads TorchSharp once for the test assembly, through the project's bootstrap. With a test build for the
/// external backend (<c>dotnet test -p:TorchBackend=external</c>), the libtorch directory comes from
/// <c>SELFPLAYBN_LIBTORCH</c>, as for the executable.
/// </summary>
public sealed class TorchFixture
{
    public TorchFixture() => Info = Load();

    public TorchRuntimeInfo Info { get; }

    internal static TorchRuntimeInfo Load() =>
        TorchBootstrap.Initialize(new TorchSettings(
            TorchBootstrap.BuiltBackend == "external" ? Environment.GetEnvironmentVariable("SELFPLAYBN_LIBTORCH") : null));
}

[CollectionDefinition(Name)]
public sealed class TorchCollection : ICollectionFixture<TorchFixture>
{
    public const string Name = "torch";
}

/// <summary>A test that needs a CUDA device: reported as skipped where there is none (or where TorchSharp does
/// not load, with the reason). In the xunit.v3 test projects (which define <c>XUNIT_V3</c>) it also carries the
/// trait <c>Device=cuda</c>, so that a test executable runs only these with <c>-trait Device=cuda</c>
/// (scripts/gpu-check.sh); the xunit 2 projects that link this file have no CUDA tests.</summary>
public sealed class CudaFactAttribute : FactAttribute
#if XUNIT_V3
    , Xunit.v3.ITraitAttribute
#endif
{
    /// <summary>The trait that marks CUDA tests in the xunit.v3 projects: <c>Device=cuda</c>.</summary>
    public const string TraitName = "Device", TraitValue = "cuda";

    private static readonly Lazy<string?> SkipReason = new(() =>
    {
        try { return TorchFixture.Load().CudaAvailable ? null : "no CUDA device on this machine"; }
        catch (TorchLoadException e) { return $"TorchSharp did not load: {e.Message}"; }
    });

#if XUNIT_V3
    // xunit.v3 records where a test is declared; an attribute derived from Fact passes the caller's place on.
    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber) => Skip = SkipReason.Value;

    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(TraitName, TraitValue)];
#else
    public CudaFactAttribute() => Skip = SkipReason.Value;
#endif
}
