using SelfPlayBN.TorchRuntime;
using TorchSharp;

namespace SelfPlayBN.Networks.Tests;

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

/// <summary>A test that needs a CUDA device: reported as skipped where there is none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        try
        {
            if (!TorchFixture.Load().CudaAvailable) Skip = "no CUDA device on this machine";
        }
        catch (TorchLoadException e)
        {
            Skip = $"TorchSharp did not load: {e.Message}";
        }
    }
}
