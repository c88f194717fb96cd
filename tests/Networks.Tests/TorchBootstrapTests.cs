using SelfPlayBN.TorchRuntime;
using TorchSharp;

namespace SelfPlayBN.Networks.Tests;

[Collection(TorchCollection.Name)]
public sealed class TorchBootstrapTests(TorchFixture torchFixture)
{
    [Fact]
    public void The_build_records_its_backend_and_libtorch_computes()
    {
        Assert.Contains(TorchBootstrap.BuiltBackend, new[] { "cpu", "cuda-windows", "external" });
        Assert.Equal(TorchBootstrap.BuiltBackend, torchFixture.Info.Backend);
        Assert.Equal(TorchBootstrap.BuiltBackend == "external", torchFixture.Info.LibTorchDirectory != null);
        Assert.StartsWith("2.", torchFixture.Info.LibTorchVersion);
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }

    [Fact]
    public void Initialising_again_returns_the_same_runtime_and_may_change_threads()
    {
        // The same libtorch directory as the first initialisation: none on a NuGet backend, the named one on the external.
        string? dir = torchFixture.Info.LibTorchDirectory;
        var again = TorchBootstrap.Initialize(new TorchSettings(dir));
        Assert.Equal(torchFixture.Info.Backend, again.Backend);
        int before = torch.get_num_threads();
        try
        {
            var one = TorchBootstrap.Initialize(new TorchSettings(dir, Threads: 1));
            Assert.Equal(1, one.Threads);
            Assert.Equal(1, torch.get_num_threads());
        }
        finally
        {
            TorchBootstrap.Initialize(new TorchSettings(dir, Threads: before));
        }
    }

    [Fact]
    public void A_libtorch_directory_is_refused_on_a_nuget_backend()
    {
        if (TorchBootstrap.BuiltBackend == "external") return; // the external backend takes one
        var e = Assert.Throws<TorchLoadException>(() => TorchBootstrap.Initialize(new TorchSettings(LibTorchDirectory: "/tmp")));
        Assert.Contains("TorchBackend=external", e.Message);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, 0)]
    public void Bad_thread_settings_are_named(int? threads, int? interop)
    {
        var e = Assert.Throws<ArgumentException>(() => new TorchSettings(null, threads, interop).Validate());
        Assert.Contains("threads", e.Message);
    }

    [Theory]
    [InlineData(null, null, "AuthenticAMD", true, "SSE41")]     // where oneDNN miscomputed: capped by default
    [InlineData(null, null, "AuthenticAMD", false, null)]
    [InlineData(null, null, "GenuineIntel", true, null)]
    [InlineData(null, "avx2", "AuthenticAMD", true, "AVX2")]     // a config's choice, in oneDNN's capitals
    [InlineData(null, "ALL", "GenuineIntel", true, "ALL")]
    [InlineData("AVX512_CORE", "AVX2", "AuthenticAMD", true, null)] // the environment wins: nothing to set
    [InlineData("", "AVX2", "AuthenticAMD", true, "AVX2")]
    public void The_oneDNN_cap_is_the_environment_s_then_the_config_s_then_the_processor_rule(string? environment, string? configured, string vendor, bool avx512, string? expected) =>
        Assert.Equal(expected, TorchBootstrap.OneDnnCap(environment, configured, vendor, avx512));

    [Fact]
    public void An_unknown_oneDNN_instruction_set_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new TorchSettings(OneDnnMaxIsa: "AVX3").Validate());
        Assert.Contains("'AVX3'", e.Message);
        Assert.Contains("AVX2", e.Message);
        new TorchSettings(OneDnnMaxIsa: "avx512_core").Validate();
    }
}
