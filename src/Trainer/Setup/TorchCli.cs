using System.CommandLine;
using SelfPlayBN.TorchRuntime;

namespace SelfPlayBN.Trainer.Setup;

/// <summary>
/// Command-line options shared by every command that runs TorchSharp, and the one call that turns them
/// into <see cref="TorchBootstrap.Initialize"/>. The environment variable <c>SELFPLAYBN_LIBTORCH</c> is
/// read here and nowhere else, as the default of <c>--libtorch</c>.
/// </summary>
internal static class TorchCli
{
    public const string LibTorchEnvironmentVariable = "SELFPLAYBN_LIBTORCH";

    public static readonly Option<string?> LibTorch = new("--libtorch")
    {
        Description = $"Directory of libtorch libraries to load (a PyTorch install's torch/lib, or an unpacked libtorch's lib). " +
                      $"Required with the external backend; default: ${LibTorchEnvironmentVariable}.",
        Recursive = true,
    };

    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Intra-op threads for libtorch (default: libtorch's choice, usually the core count); for gtp also the number of search threads, each with its own tree (default 1).",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(LibTorch);
        root.Options.Add(Threads);
    }

    /// <summary>Loads libtorch as the options say; bad settings and load failures become <see cref="UserInputException"/>.</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="oneDnnMaxIsa">A run config's <c>cpu.oneDnnMaxIsa</c> (null: the default rule; see <see cref="TorchSettings"/>).</param>
    public static TorchRuntimeInfo Initialize(ParseResult parse, string? oneDnnMaxIsa = null)
    {
        string? dir = parse.GetValue(LibTorch);
        if (string.IsNullOrWhiteSpace(dir)) dir = Environment.GetEnvironmentVariable(LibTorchEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(dir)) dir = null;
        try
        {
            return TorchBootstrap.Initialize(new TorchSettings(dir, parse.GetValue(Threads), OneDnnMaxIsa: oneDnnMaxIsa));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new UserInputException(oneDnnMaxIsa is not null && e.Message.Contains("oneDNN", StringComparison.Ordinal) ? "cpu.oneDnnMaxIsa: " + e.Message : e.Message);
        }
        catch (TorchLoadException e)
        {
            throw new UserInputException($"cannot load TorchSharp: {e.Message}");
        }
    }
}
