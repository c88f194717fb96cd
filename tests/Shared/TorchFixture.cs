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
/// not load, with the reason).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(() =>
    {
        try { return TorchFixture.Load().CudaAvailable ? null : "no CUDA device on this machine"; }
        catch (TorchLoadException e) { return $"TorchSharp did not load: {e.Message}"; }
    });

    public CudaFactAttribute()
    {
        if (SkipReason.Value is { } reason) Skip = reason;
    }
}
