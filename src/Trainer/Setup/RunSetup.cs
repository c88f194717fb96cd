using System.CommandLine;
using System.Text.Json.Nodes;
using SelfPlayBN.Games;
using SelfPlayBN.TorchRuntime;
using SelfPlayBN.Training;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Setup;

/// <summary>
/// The set-up that <c>train</c> and <c>node</c> share, so that both read their arguments, options, game, run folder,
/// device and log the same way: the checks of <c>--device</c>, <c>--generations</c> and <c>--minutes</c>; the run's options
/// from <c>--config</c>, else the run folder's own copy (resuming), else the embedded <c>configs/&lt;game&gt;.json</c>; the
/// game from <see cref="GameCatalog"/>; and the run's logger, which writes compact JSON under the run folder's logs.
/// Every problem is a <see cref="UserInputException"/> naming it.
/// </summary>
internal static class RunSetup
{
    /// <summary>The games with an embedded configuration (<c>configs/*.json</c> built into the executable).</summary>
    public static IReadOnlyList<string> EmbeddedConfigs { get; } = typeof(RunSetup).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("configs/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n["configs/".Length..^".json".Length]).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The options of the embedded <c>configs/<paramref name="game"/>.json</c>.</summary>
    public static RunOptions EmbeddedOptions(string game) => RunOptions.Parse(Embedded(game), $"embedded configs/{game}.json");

    /// <summary>Refuses a device other than <c>cpu</c>/<c>cuda</c>, fewer than one generation and a non-positive time limit.</summary>
    public static void CheckArguments(string deviceName, int? generations, double? minutes)
    {
        if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
        if (generations is < 1) throw new UserInputException($"--generations must be at least 1, got {generations}");
        if (minutes is { } m && !(m > 0)) throw new UserInputException($"--minutes must be > 0, got {m}");
    }

    /// <summary>
    /// The run's options: <c>--config</c> (which must not contradict <c>--game</c>, and, where
    /// <paramref name="checkAgainstRun"/>, must equal the run folder's copy apart from the limits), else the run folder's
    /// copy, else the embedded file of <c>--game</c> (default connect4).
    /// </summary>
    public static RunOptions LoadOptions(FileInfo? configFile, string? gameName, DirectoryInfo? runDir, bool checkAgainstRun)
    {
        try
        {
            if (configFile is not null)
            {
                var chosen = RunOptions.Load(configFile.FullName);
                if (gameName is not null && gameName != chosen.Game) throw new UserInputException($"--game {gameName} contradicts the config's game '{chosen.Game}'");
                if (checkAgainstRun) CheckSameAsRun(chosen, runDir ?? new DirectoryInfo(Path.Combine("runs", chosen.Game)));
                return chosen;
            }
            string name = gameName ?? "connect4";
            var folderConfig = Path.Combine((runDir ?? new DirectoryInfo(Path.Combine("runs", name))).FullName, "config.json");
            if (File.Exists(folderConfig)) return RunOptions.Load(folderConfig);
            return EmbeddedOptions(name);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new UserInputException(e.Message);
        }
    }

    /// <summary>The run folder: <c>--run-dir</c>, else <c>runs/&lt;game&gt;</c> under the current directory.</summary>
    public static RunFolder Folder(DirectoryInfo? runDir, IGame game) => new(runDir?.FullName ?? Path.GetFullPath(Path.Combine("runs", game.Name)));

    /// <summary>Loads libtorch as the command line and the run's <c>cpu</c> options say and returns the device <c>--device</c>
    /// names, refusing CUDA where the build and machine have none.</summary>
    public static (TorchRuntimeInfo Info, Device Device) Device(ParseResult parse, string deviceName, CpuOptions? cpu = null)
    {
        var info = TorchCli.Initialize(parse, cpu?.OneDnnMaxIsa);
        if (deviceName == "cuda" && !info.CudaAvailable)
            throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`; on Linux use the external backend with a CUDA libtorch)");
        return (info, deviceName == "cuda" ? CUDA : CPU);
    }

    /// <summary>The run's logger: warnings and errors on standard error, everything from Information up as compact JSON in
    /// <c>logs/<paramref name="fileStem"/>-DATE.clef</c> of the run folder (created), a file a day, 30 kept.</summary>
    public static Serilog.Core.Logger Logger(RunFolder folder, string fileStem)
    {
        Directory.CreateDirectory(folder.Logs);
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Warning)
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(folder.Logs, fileStem + "-.clef"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 30)
            .CreateLogger();
    }

    private static void CheckSameAsRun(RunOptions chosen, DirectoryInfo runDir)
    {
        var existing = Path.Combine(runDir.FullName, "config.json");
        if (!File.Exists(existing)) return;
        var previous = RunOptions.Load(existing) with { Limits = chosen.Limits, Cpu = chosen.Cpu };
        if (!JsonNode.DeepEquals(JsonNode.Parse(previous.ToJson()), JsonNode.Parse(chosen.ToJson())))
            throw new UserInputException($"{runDir.FullName} holds a run with a different configuration ({existing}); choose another --run-dir");
    }

    private static string Embedded(string game)
    {
        using var stream = typeof(RunSetup).Assembly.GetManifestResourceStream($"configs/{game}.json")
            ?? throw new UserInputException($"no embedded configuration for game '{game}' (embedded: {string.Join(", ", EmbeddedConfigs)}; use --config FILE for others)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
