using SelfPlayBN.TorchRuntime;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Loads TorchSharp once for the test assembly through the project's bootstrap (external backend: the
/// libtorch directory comes from <c>SELFPLAYBN_LIBTORCH</c>).</summary>
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

/// <summary>Whether this machine has a CUDA device TorchSharp can use.</summary>
public static class Devices
{
    private static readonly Lazy<bool> Cuda = new(() =>
    {
        try { return TorchFixture.Load().CudaAvailable; }
        catch (TorchLoadException) { return false; }
    });

    /// <summary>True where tests can run on CUDA.</summary>
    public static bool CudaAvailable => Cuda.Value;
}

/// <summary>A test that needs a CUDA device: reported as skipped where there is none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!Devices.CudaAvailable) Skip = "no CUDA device on this machine";
    }
}
