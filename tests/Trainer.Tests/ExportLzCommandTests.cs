using SelfPlayBN.Networks;
using SelfPlayBN.Training;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Tests;

/// <summary><c>export-lz</c> on a Go run folder: the written Leela Zero file computes what the published model computes.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExportLzCommandTests(TorchFixture torchFixture) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-exportlz-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A run folder with one published model, as the registry writes it.</summary>
    private ResidualNetwork RunFolderWithModel(string config)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        File.WriteAllText(Path.Combine(_dir, "config.json"), config);
        var options = RunOptions.Load(Path.Combine(_dir, "config.json"));
        var game = GameCatalog.Create(options);
        random.manual_seed(4);
        var net = Models.Create(game, options.Network, 0.9, CPU);
        using (no_grad())
            foreach (var (name, t) in net.state_dict())
                if (name.EndsWith(".running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape) + 0.5);
                else if (name.Contains("bn") && name.EndsWith(".bias", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.1);
        File.WriteAllBytes(ModelStore.WeightsPath(Path.Combine(_dir, "models"), 1), Models.Save(net));
        net.eval();
        return net;
    }

    [Fact]
    public void Exports_a_published_go19_model_that_computes_the_same()
    {
        Assert.NotNull(torchFixture.Info);
        using var net = RunFolderWithModel("""{ "game": "go19", "go": { "inputs": "leelaZero" }, "network": { "blocks": 1, "filters": 8, "valueHidden": 256 } }""");
        string file = Path.Combine(_dir, "exported.txt");
        var (code, output, error) = CliTests.Run("export-lz", _dir, "--version", "1", "--out", file);
        Assert.True(code == 0, error);
        Assert.Contains("Leela Zero's format", output);
        using var exported = LeelaZeroWeights.Read(file);
        random.manual_seed(5);
        using var x = (rand(4, 18, 19, 19) < 0.3).to(float32);
        using var _ = no_grad();
        var (p1, v1) = net.call(x);
        var (p2, v2) = exported.call(x);
        Assert.True((p1 - p2).abs().max().item<float>() < 1e-4f);
        Assert.True((v1 - v2).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void A_run_without_Leela_Zero_architecture_is_refused_with_the_reason()
    {
        using var net = RunFolderWithModel("""{ "game": "go9", "network": { "blocks": 1, "filters": 8, "valueHidden": 16 } }""");
        var (code, _, error) = CliTests.Run("export-lz", _dir, "--version", "1", "--out", Path.Combine(_dir, "x.txt"));
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("cannot be exported", error);
        Assert.False(File.Exists(Path.Combine(_dir, "x.txt")));
        (code, _, error) = CliTests.Run("export-lz", _dir, "--out", Path.Combine(_dir, "x.txt"));
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("no published model", error);
    }
}
