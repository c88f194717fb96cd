using SelfPlayBN.TorchRuntime;

namespace SelfPlayBN.Actors.Tests;

/// <summary>Loads TorchSharp once for the test assembly through the project's bootstrap.</summary>
public sealed class TorchFixture
{
    public TorchFixture() => Info = TorchBootstrap.Initialize(new TorchSettings(
        TorchBootstrap.BuiltBackend == "external" ? Environment.GetEnvironmentVariable("SELFPLAYBN_LIBTORCH") : null));

    public TorchRuntimeInfo Info { get; }
}

[CollectionDefinition(Name)]
public sealed class TorchCollection : ICollectionFixture<TorchFixture>
{
    public const string Name = "torch";
}
