using System.CommandLine;
using System.Text.Json.Nodes;
using SelfPlayBN.Actors;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>train</c>, the default command: trains a game from scratch with the self-play pipeline, writing a run folder
/// (config copy, replay segments, checkpoints, logs, metrics). Rerunning the same command resumes the run from its
/// folder. Ctrl+C stops cleanly; <c>kill -9</c> loses no accepted game (they are on disk before they count).
/// </summary>
internal static class TrainCommand
{
    /// <summary>The games <c>train</c> knows, by <see cref="IGame.Name"/>.</summary>
    internal static readonly IReadOnlyList<IGame> Games = [ConnectFourGame.Instance, TicTacToeGame.Instance];

    /// <summary>The games with an embedded configuration (<c>configs/*.json</c> built into the executable).</summary>
    internal static IReadOnlyList<string> EmbeddedConfigs { get; } = typeof(TrainCommand).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("configs/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n["configs/".Length..^".json".Length]).Order(StringComparer.Ordinal).ToArray();

    public static Command Create(TextWriter output)
    {
        var config = new Option<FileInfo?>("--config") { Description = "Run configuration (JSON); default: the embedded configs/<game>.json, or the run folder's own config when resuming." };
        var game = new Option<string?>("--game") { Description = $"Game of the embedded configuration: {string.Join(", ", EmbeddedConfigs)} (default connect4)." };
        var runDir = new Option<DirectoryInfo?>("--run-dir") { Description = "Run folder (default: runs/<game>); an existing run there is resumed." };
        var generations = new Option<int?>("--generations") { Description = "Stop after this many generations in total (overrides limits.generations)." };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes (overrides limits.minutes)." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("train", "Train from scratch with self-play (the default command). Rerunning resumes the run folder.");
        foreach (var o in new Option[] { config, game, runDir, generations, minutes, device }) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) => RunAsync(output, parse, parse.GetValue(config), parse.GetValue(game), parse.GetValue(runDir),
            parse.GetValue(generations), parse.GetValue(minutes), parse.GetValue(device) ?? "cpu", cancel));
        return cmd;
    }

    private static async Task<int> RunAsync(TextWriter output, ParseResult parse, FileInfo? configFile, string? gameName, DirectoryInfo? runDir,
        int? generations, double? minutes, string deviceName, CancellationToken cancel)
    {
        if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
        if (generations is < 1) throw new UserInputException($"--generations must be at least 1, got {generations}");
        if (minutes is { } m && !(m > 0)) throw new UserInputException($"--minutes must be > 0, got {m}");

        var options = LoadOptions(configFile, gameName, runDir);
        var game = GameCatalog.Create(options);
        var folder = new RunFolder((runDir?.FullName) ?? Path.GetFullPath(Path.Combine("runs", game.Name)));
        if (generations is not null || minutes is not null)
            options = options with { Limits = options.Limits with { Generations = generations ?? options.Limits.Generations, Minutes = minutes ?? options.Limits.Minutes } };
        options.Validate();

        var info = TorchCli.Initialize(parse);
        if (deviceName == "cuda" && !info.CudaAvailable)
            throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`; on Linux use the external backend with a CUDA libtorch)");
        var device = deviceName == "cuda" ? CUDA : CPU;
        try { SelfPlaySetup.Resolve(options, deviceName == "cuda", Environment.ProcessorCount); } // refuse contradictions before the run starts
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }

        Directory.CreateDirectory(folder.Logs);
        using var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Warning)
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(folder.Logs, "run-.clef"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 30)
            .CreateLogger();
        output.WriteLine($"training {game.Name} in {folder.Root} on {deviceName} ({info.Backend} backend, libtorch {info.LibTorchVersion})");
        output.WriteLine($"  network {options.Network.Blocks} blocks x {options.Network.Filters} filters; {options.SelfPlay.Simulations} simulations per move; " +
                         $"publishing {options.Bn.Inference.ToString().ToLowerInvariant()} BN statistics");
        output.WriteLine($"  stop: {(options.Limits.Generations is { } g ? $"after {g} generations" : options.Limits.Minutes is { } mm ? $"after {mm} minutes" : "Ctrl+C")}; " +
                         "rerun the same command to resume");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RunOutcome outcome;
        try
        {
            if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive)
            {
                var view = new LiveView($"selfplaybn train: {game.Name} in {folder.Root}");
                outcome = await view.ShowUntil(TrainingRun.RunAsync(game, options, folder, device, logger,
                    line => view.OnEvent($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}"), cancel, status: view.OnStatus)).ConfigureAwait(false);
            }
            else
            {
                outcome = await TrainingRun.RunAsync(game, options, folder, device, logger,
                    line => { lock (output) output.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}"); }, cancel).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException e)
        {
            // What the run folder or the model holds cannot be used (a corrupt checkpoint, a precision the device cannot run).
            Console.Error.WriteLine($"error: {e.Message} (log: {folder.Logs})");
            return 1;
        }
        if (outcome.Error is { } error)
        {
            Console.Error.WriteLine($"error: {error} (log: {folder.Logs})");
            return 1;
        }
        output.WriteLine($"stopped after generation {outcome.Generations}; run folder {folder.Root}");
        return 0;
    }

    /// <summary>The options: <c>--config</c>, else the run folder's own config (resuming), else the embedded file.</summary>
    private static RunOptions LoadOptions(FileInfo? configFile, string? gameName, DirectoryInfo? runDir)
    {
        try
        {
            if (configFile is not null)
            {
                var chosen = RunOptions.Load(configFile.FullName);
                if (gameName is not null && gameName != chosen.Game) throw new UserInputException($"--game {gameName} contradicts the config's game '{chosen.Game}'");
                CheckSameAsRun(chosen, runDir ?? new DirectoryInfo(Path.Combine("runs", chosen.Game)));
                return chosen;
            }
            string name = gameName ?? "connect4";
            var folderConfig = Path.Combine((runDir ?? new DirectoryInfo(Path.Combine("runs", name))).FullName, "config.json");
            if (File.Exists(folderConfig)) return RunOptions.Load(folderConfig);
            return RunOptions.Parse(Embedded(name), $"embedded configs/{name}.json");
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new UserInputException(e.Message);
        }
    }

    private static void CheckSameAsRun(RunOptions chosen, DirectoryInfo runDir)
    {
        var existing = Path.Combine(runDir.FullName, "config.json");
        if (!File.Exists(existing)) return;
        var previous = RunOptions.Load(existing) with { Limits = chosen.Limits };
        if (!JsonNode.DeepEquals(JsonNode.Parse(previous.ToJson()), JsonNode.Parse(chosen.ToJson())))
            throw new UserInputException($"{runDir.FullName} holds a run with a different configuration ({existing}); choose another --run-dir");
    }

    /// <summary>The options of the embedded <c>configs/<paramref name="game"/>.json</c>.</summary>
    internal static RunOptions EmbeddedOptions(string game) => RunOptions.Parse(Embedded(game), $"embedded configs/{game}.json");

    private static string Embedded(string game)
    {
        using var stream = typeof(TrainCommand).Assembly.GetManifestResourceStream($"configs/{game}.json")
            ?? throw new UserInputException($"no embedded configuration for game '{game}' (embedded: {string.Join(", ", EmbeddedConfigs)}; use --config FILE for others)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
