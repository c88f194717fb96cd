using System.CommandLine;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Go;
using SelfPlayBN.Go.Engine;
using SelfPlayBN.Networks;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using TorchSharp;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>gtp --weights FILE</c> (or <c>--oracle uniform|rollout</c> without a network): a Go engine speaking GTP on
/// standard input and output, for GoGui, Sabaki, Lizzie and match runners. Standard output carries only the
/// protocol; log lines go to standard error.
/// </summary>
/// <remarks>
/// <c>--weights</c> reads Leela Zero text weights, plain or gzipped (format 1, or ELF OpenGo's format 2, whose value is
/// Black's and is turned round for White; 19×19, Leela Zero's 18 input planes), or a
/// model this project published (<c>models/model-NNNNNN.bin</c> of a run folder; its network and game come from
/// the run's <c>config.json</c>, found beside the <c>models</c> folder or given with <c>--config</c>).
/// <c>--threads T</c> (the root option that also sets libtorch's intra-op threads) is the number of search
/// trees searched side by side.
/// </remarks>
internal static class GtpCommand
{
    public static Command Create(TextReader input, TextWriter output, TextWriter error)
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Network weights: Leela Zero text weights, or a published model-NNNNNN.bin of a run folder." };
        var oracle = new Option<string?>("--oracle") { Description = "Play without a network: uniform (uniform prior, no value) or rollout (random playouts)." };
        var config = new Option<FileInfo?>("--config") { Description = "The run's config.json for a published model (default: the one beside its models folder)." };
        var visits = new Option<int>("--visits") { Description = "Search visits per move (a time budget from time_settings may stop it sooner).", DefaultValueFactory = _ => 400 };
        var size = new Option<int?>("--size") { Description = "Board size at start (default 19, or the network's size)." };
        var komi = new Option<double?>("--komi") { Description = "Komi at start (default: a run's go.komi, else 7.5)." };
        var resign = new Option<double>("--resign") { Description = "Resign when the best move's winrate is below this after at least 64 visits (0 never resigns; with --visits below 64 the engine never resigns).", DefaultValueFactory = _ => 0.1 };
        var device = new Option<string>("--device") { Description = "cpu or cuda (for --weights).", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the search (default: random)." };
        var cmd = new Command("gtp", "Play Go over GTP on standard input/output (GoGui, Sabaki, Lizzie, match runners); lz-analyze for analysis.");
        foreach (var o in new Option[] { weights, oracle, config, visits, size, komi, resign, device, seed }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int v = parse.GetValue(visits), threads = parse.GetValue(TorchCli.Threads) ?? 1;
            double? komiGiven = parse.GetValue(komi);
            double r = parse.GetValue(resign);
            if (v < 1) throw new UserInputException($"--visits must be at least 1, got {v}");
            if (threads < 1) throw new UserInputException($"--threads must be at least 1, got {threads}");
            if (komiGiven is double kg && !double.IsFinite(kg)) throw new UserInputException($"--komi must be a finite number, got {kg}");
            if (!(r >= 0 && r < 1)) throw new UserInputException($"--resign must be in [0, 1), got {r}");
            var file = parse.GetValue(weights);
            string? oracleName = parse.GetValue(oracle);
            if (file is null && oracleName is null) throw new UserInputException("gtp needs --weights FILE, or --oracle uniform|rollout to play without a network");
            if (file is not null && oracleName is not null) throw new UserInputException("give either --weights or --oracle, not both");
            int? seedValue = parse.GetValue(seed);
            int baseSeed = seedValue ?? Random.Shared.Next();

            Func<int, IOracle> oracleForThread;
            GtpEngineOptions options;
            var search = new GoSearchOptions { Threads = threads, Search = new MctsOptions { Seed = seedValue } };
            string description;
            if (file is not null)
            {
                var net = LoadNetwork(parse, file, parse.GetValue(config), parse.GetValue(device) ?? "cpu", parse.GetValue(size), out var game, out description);
                oracleForThread = _ => net;
                search = search with { Search = search.Search with { LeavesPerBatch = 8 } };
                options = new GtpEngineOptions { BoardSize = game.Size, Komi = game.Komi, Inputs = game.Inputs, Sizes = new HashSet<int> { game.Size } };
            }
            else
            {
                int boardSize = parse.GetValue(size) ?? 19;
                if (boardSize < GoGame.MinSize || boardSize > GoGame.MaxSize) throw new UserInputException($"--size must be {GoGame.MinSize}..{GoGame.MaxSize}, got {boardSize}");
                oracleForThread = oracleName switch
                {
                    "uniform" => _ => UniformOracle.Instance,
                    "rollout" => t => new GoPlayoutOracle(baseSeed + 1000 + t),
                    _ => throw new UserInputException($"--oracle must be uniform or rollout, got '{oracleName}'"),
                };
                description = $"no network: {oracleName} oracle";
                search = search with { Search = search.Search with { FpuMode = FpuMode.Absolute, FpuValue = 1 } }; // plain UCT: every move once first
                options = new GtpEngineOptions { BoardSize = boardSize };
            }
            double k = komiGiven ?? options.Komi;
            options = options with { Komi = k, Visits = v, ResignWinrate = r > 0 ? r : null };
            var player = new GoSearchPlayer(oracleForThread, search);
            var engine = new GtpEngine(player, options, log: error);
            error.WriteLine($"gtp: {GoEngineInfo.Name} {GoEngineInfo.Version} (answers GTP version with {GoEngineInfo.GtpVersion}, the Leela Zero analysis protocol it speaks), {description}; {options.BoardSize}x{options.BoardSize}, komi {k}, {v} visits/move, {threads} search thread(s); reading GTP on standard input");
            new GtpServer(engine, error).Run(input, output);
            return 0;
        });
        return cmd;
    }

    /// <summary>The network oracle of <paramref name="file"/> and the game it plays (size and input planes).</summary>
    private static IOracle LoadNetwork(ParseResult parse, FileInfo file, FileInfo? config, string deviceName, int? size, out GoGame game, out string description)
    {
        if (!file.Exists) throw new UserInputException($"--weights: {file.FullName} does not exist");
        if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
        var info = TorchCli.Initialize(parse);
        if (deviceName == "cuda" && !info.CudaAvailable) throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`)");
        var device = deviceName == "cuda" ? CUDA : CPU;
        var probe = LeelaZeroWeights.Probe(file.FullName);
        string packed = probe.Compressed ? " (gzip-compressed)" : "";
        if (probe.Kind == LeelaZeroFileKind.Empty) throw new UserInputException($"--weights: {file.Name}{packed} is empty");
        if (probe.Kind == LeelaZeroFileKind.Versioned && !probe.IsLeelaZero)
            throw new UserInputException($"--weights: {file.Name}{packed} starts with format version {probe.FirstLine}; Leela Zero's text weights are version 1 (or 2, ELF OpenGo's)");
        if (probe.IsLeelaZero)
        {
            if (size is int s && s != LeelaZeroWeights.BoardSize) throw new UserInputException($"--size {s}: Leela Zero weights play {LeelaZeroWeights.BoardSize}x{LeelaZeroWeights.BoardSize} only");
            ResidualNetwork net;
            int version;
            try { net = LeelaZeroWeights.Read(file.FullName, out version); }
            catch (LeelaZeroWeightsException e) { throw new UserInputException($"--weights: {e.Message}"); }
            net.to(device);
            net.eval();
            BatchNormFusion.FuseAll(net);
            game = new GoGame(LeelaZeroWeights.BoardSize, inputs: GoInputs.LeelaZero);
            description = $"Leela Zero weights {file.Name}{packed} ({net.Shape.Blocks}x{net.Shape.Filters}, format {version}) on {deviceName}";
            var oracle = new NetworkOracle(game, net, device);
            // Format 2 (ELF OpenGo) gives the value for Black; Leela Zero turns it round for White, and so do we.
            return version == 2 ? new PlayerZeroValueOracle(oracle) : oracle;
        }
        string configPath = config?.FullName ?? Path.GetFullPath(Path.Combine(file.DirectoryName ?? ".", "..", "config.json"));
        if (!File.Exists(configPath))
            throw new UserInputException(probe.Kind == LeelaZeroFileKind.Binary
                ? $"--weights: {file.Name}{packed} is binary, so not Leela Zero text weights, and no run config was found at {configPath} to read it as a published model (give --config)"
                : $"--weights: {file.Name}{packed} is text but not Leela Zero weights (its first line, '{probe.FirstLine}', is not a format version), and no run config was found at {configPath} to read it as a published model (give --config)");
        RunOptions options;
        try { options = RunOptions.Load(configPath); }
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }
        if (!options.Game.StartsWith("go", StringComparison.Ordinal) || GameCatalog.Create(options) is not GoGame runGame)
            throw new UserInputException($"--weights: the run at {configPath} plays '{options.Game}', not Go (go5..go19)");
        if (size is int requested && requested != runGame.Size) throw new UserInputException($"--size {requested}: the network plays {runGame.Size}x{runGame.Size}");
        game = runGame;
        try
        {
            var oracle = Models.InferenceOracle(game, options.Network, File.ReadAllBytes(file.FullName), device, out _);
            description = $"model {file.Name} ({options.Network.Blocks}x{options.Network.Filters}, {game.Inputs} inputs) on {deviceName}";
            return oracle;
        }
        catch (InvalidDataException e) { throw new UserInputException($"--weights: {file.FullName}: {e.Message}"); }
    }
}
