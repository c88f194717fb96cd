using System.CommandLine;
using SelfPlayBN.Actors;
using SelfPlayBN.Training;
using Serilog;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>train</c>, the default command: trains a game from scratch with the self-play pipeline, writing a run folder
/// (config copy, replay segments, checkpoints, logs, metrics). Rerunning the same command resumes the run from its
/// folder. Ctrl+C stops cleanly; <c>kill -9</c> loses no accepted game (they are on disk before they count).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<FileInfo?>("--config") { Description = "Run configuration (JSON); default: the embedded configs/<game>.json, or the run folder's own config when resuming." };
        var game = new Option<string?>("--game") { Description = $"Game of the embedded configuration: {string.Join(", ", RunSetup.EmbeddedConfigs)} (default connect4)." };
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
        RunSetup.CheckArguments(deviceName, generations, minutes);
        var options = RunSetup.LoadOptions(configFile, gameName, runDir, checkAgainstRun: true);
        var game = GameCatalog.Create(options);
        var folder = RunSetup.Folder(runDir, game);
        if (generations is not null || minutes is not null)
            options = options with { Limits = options.Limits with { Generations = generations ?? options.Limits.Generations, Minutes = minutes ?? options.Limits.Minutes } };
        options.Validate();

        var (info, device) = RunSetup.Device(parse, deviceName, options.Cpu);
        try { SelfPlaySetup.Resolve(options, deviceName == "cuda", Environment.ProcessorCount); } // refuse contradictions before the run starts
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }

        using var logger = RunSetup.Logger(folder, "run");
        Log.Logger = logger; // Akka's logs, and the pipeline's, go to the run's log
        output.WriteLine($"training {game.Name} in {folder.Root} on {deviceName} ({info.Backend} backend, libtorch {info.LibTorchVersion}" +
                         (info.OneDnnMaxIsa is { } isa ? $", oneDNN capped at {isa})" : ")"));
        output.WriteLine($"  network {options.Network.Blocks} blocks x {options.Network.Filters} filters; {options.SelfPlay.Search.Simulations} simulations per move; " +
                         $"publishing {options.Bn.Inference.ToString().ToLowerInvariant()} BN statistics");
        output.WriteLine($"  stop: {(options.Limits.Generations is { } g ? $"after {g} generations" : options.Limits.Minutes is { } mm ? $"after {mm} minutes" : "Ctrl+C")}; " +
                         "rerun the same command to resume");
        if (options.Trainer.Anneal is { } anneal)
            output.WriteLine(options.Limits.Minutes is { } limit
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  learning rate: the schedule's, annealed linearly to {anneal.Factor:0.###}x from {anneal.From * limit:0.#} minutes to the {limit}-minute limit")
                : "  learning rate: the schedule's; trainer.anneal has no effect without a time limit (limits.minutes or --minutes)");
        if (options.SelfPlay.RandomOpening() is { } opening)
            output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  openings: {opening.Share:0.##%} of self-play games start with 1 to {opening.MaxMoves} random moves (not trained on)"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RunOutcome outcome;
        try
        {
            if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive)
            {
                var view = new LiveView($"selfplaybn train: {game.Name} in {folder.Root}");
                outcome = await view.ShowUntil(TrainingRun.RunAsync(game, GameCatalog.EvaluationExtrasOf(game), options, folder, device,
                    line => view.OnEvent($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}"), cancel, status: view.OnStatus)).ConfigureAwait(false);
            }
            else
            {
                outcome = await TrainingRun.RunAsync(game, GameCatalog.EvaluationExtrasOf(game), options, folder, device,
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
}
