using SelfPlayBN.TorchRuntime;
using SelfPlayBN.Training;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>The run configurations shipped in <c>configs/</c>: each one loads and passes every check that runs before
/// training starts, including those made when libtorch loads.</summary>
public sealed class ConfigFilesTests
{
    public static TheoryData<string> Files() => new(Directory.GetFiles(Path.Combine(RepoPaths.Root, "configs"), "*.json").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Files))]
    public void A_shipped_config_loads_and_validates(string file)
    {
        var options = RunOptions.Load(Path.Combine(RepoPaths.Root, "configs", file));
        Assert.Empty(options.Problems());
        GameCatalog.Create(options);
        SelfPlaySetup.Resolve(options, cuda: false, cores: 2);
        SelfPlaySetup.Resolve(options, cuda: true, cores: 16);
        new TorchSettings(OneDnnMaxIsa: options.Cpu.OneDnnMaxIsa).Validate();
    }
}
