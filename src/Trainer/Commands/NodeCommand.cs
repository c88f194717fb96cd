using System.CommandLine;
using System.Text.Json.Nodes;
using SelfPlayBN.Actors;
using SelfPlayBN.Training;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>node</c>: one process of a training cluster (see <c>src/Actors/CLUSTER.md</c>). The node's roles, address, seeds
/// and TLS come from <c>--node-config</c> (a JSON node file) with command-line options on top; the run's
/// configuration (game, network, self-play, trainer) from <c>--config</c>/<c>--game</c> as for <c>train</c>, and every
/// node of a cluster must use the same. Ctrl+C or SIGTERM makes the node leave the cluster.
/// </summary>
internal static class NodeCommand
{
    public static Command Create(TextWriter output)
    {
        var nodeConfig = new Option<FileInfo?>("--node-config") { Description = "Node file (JSON: roles, host, port, publicHost, seeds, tls, ...); the options below override it." };
        var roles = new Option<string?>("--roles") { Description = $"Comma-separated roles: {string.Join(", ", ClusterNodeOptions.KnownRoles)} (e.g. trainer,evaluator). precisebn on a node without trainer: Precise BN of the trainer's snapshots runs there (the trainer falls back to its own when no such node answers)." };
        var seeds = new Option<string[]>("--seed") { Description = "A node to join, HOST:PORT (repeat for several; the same list on every node).", AllowMultipleArgumentsPerToken = false };
        var host = new Option<string?>("--host") { Description = "Address to listen on (default 127.0.0.1: this machine only)." };
        var port = new Option<int?>("--port") { Description = "TCP port (default 0: any free port)." };
        var publicHost = new Option<string?>("--public-host") { Description = "Host name or address other nodes reach this one at (default: --host)." };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PKCS#12 (.pfx) certificate with private key: TLS for the remoting transport." };
        var config = new Option<FileInfo?>("--config") { Description = "Run configuration (JSON), the same on every node; default: the run folder's config, else the embedded configs/<game>.json." };
        var game = new Option<string?>("--game") { Description = $"Game of the embedded configuration: {string.Join(" or ", TrainCommand.Games.Select(g => g.Name))} (default connect4)." };
        var runDir = new Option<DirectoryInfo?>("--run-dir") { Description = "Run folder (default runs/<game>): the run's state on the trainer node; logs and events on every node." };
        var generations = new Option<int?>("--generations") { Description = "Trainer node: stop after this many generations in total." };
        var minutes = new Option<double?>("--minutes") { Description = "Stop this node after this many minutes." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("node", "Run one node of a training cluster (roles trainer, selfplay, evaluator, precisebn) on Akka.Cluster.");
        foreach (var o in new Option[] { nodeConfig, roles, seeds, host, port, publicHost, tlsCert, config, game, runDir, generations, minutes, device }) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            var node = NodeOptions(parse.GetValue(nodeConfig), parse.GetValue(roles), parse.GetValue(seeds), parse.GetValue(host), parse.GetValue(port),
                parse.GetValue(publicHost), parse.GetValue(tlsCert));
            return RunAsync(output, parse, node, parse.GetValue(config), parse.GetValue(game), parse.GetValue(runDir), parse.GetValue(generations),
                parse.GetValue(minutes), parse.GetValue(device) ?? "cpu", cancel);
        });
        return cmd;
    }

    /// <summary>The node file's options with the command line's on top, validated.</summary>
    internal static ClusterNodeOptions NodeOptions(FileInfo? file, string? roles, string[]? seeds, string? host, int? port, string? publicHost, FileInfo? tlsCert)
    {
        try
        {
            var node = file is null ? new ClusterNodeOptions() : ClusterNodeOptions.Load(file.FullName);
            if (roles is not null) node = node with { Roles = roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            if (seeds is { Length: > 0 }) node = node with { Seeds = seeds };
            if (host is not null) node = node with { Host = host };
            if (port is not null) node = node with { Port = port.Value };
            if (publicHost is not null) node = node with { PublicHost = publicHost };
            if (tlsCert is not null) node = node with { Tls = (node.Tls ?? new TlsOptions()) with { CertificatePath = tlsCert.FullName } };
            var problems = node.Problems();
            if (problems.Count > 0) throw new UserInputException(string.Join("; ", problems));
            return node;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new UserInputException(e.Message);
        }
    }

    private static async Task<int> RunAsync(TextWriter output, ParseResult parse, ClusterNodeOptions node, FileInfo? configFile, string? gameName,
        DirectoryInfo? runDir, int? generations, double? minutes, string deviceName, CancellationToken cancel)
    {
        if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
        if (generations is < 1) throw new UserInputException($"--generations must be at least 1, got {generations}");
        if (minutes is { } m && !(m > 0)) throw new UserInputException($"--minutes must be > 0, got {m}");
        var options = LoadOptions(configFile, gameName, runDir, node.Has(ClusterNodeOptions.TrainerRole));
        var game = TrainCommand.Games.FirstOrDefault(g => g.Name == options.Game)
            ?? throw new UserInputException($"config: game '{options.Game}' is not known (known: {string.Join(", ", TrainCommand.Games.Select(g => g.Name))})");
        var folder = new RunFolder(runDir?.FullName ?? Path.GetFullPath(Path.Combine("runs", game.Name)));
        if (generations is not null) options = options with { Limits = options.Limits with { Generations = generations } };
        options.Validate();
        if (node.Has(ClusterNodeOptions.EvaluatorRole) && !node.Has(ClusterNodeOptions.TrainerRole) && options.Evaluation.Gating)
            throw new UserInputException("evaluation.gating needs the evaluator beside the trainer: give the trainer node the evaluator role, not this one");

        var info = TorchCli.Initialize(parse);
        if (deviceName == "cuda" && !info.CudaAvailable) throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`)");
        var device = deviceName == "cuda" ? CUDA : CPU;

        Directory.CreateDirectory(folder.Logs);
        string name = $"node-{string.Join("+", node.Roles)}-{(node.Port > 0 ? node.Port : Environment.ProcessId)}";
        using var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Warning)
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(folder.Logs, name + "-.clef"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 30)
            .CreateLogger();
        output.WriteLine($"cluster node ({string.Join(", ", node.Roles)}) for {game.Name} in {folder.Root} on {deviceName}; listening on {node.Host}:{node.Port}" +
                         (node.Tls is null ? " (plain TCP)" : " (TLS)"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (minutes is { } mm) limit.CancelAfter(TimeSpan.FromMinutes(mm));
        var outcome = await ClusterNode.RunAsync(game, options, node, folder, device, logger,
            line => { lock (output) output.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}"); }, limit.Token).ConfigureAwait(false);
        if (outcome.Error is { } error)
        {
            Console.Error.WriteLine($"error: {error} (log: {folder.Logs})");
            return 1;
        }
        output.WriteLine(node.Has(ClusterNodeOptions.TrainerRole) ? $"node stopped after generation {outcome.Generations}" : "node stopped");
        return 0;
    }

    /// <summary>The run's options: <c>--config</c> (a trainer node checks it against the run folder's copy), else the
    /// run folder's copy, else the embedded file of <c>--game</c>.</summary>
    private static RunOptions LoadOptions(FileInfo? configFile, string? gameName, DirectoryInfo? runDir, bool trainer)
    {
        try
        {
            if (configFile is not null)
            {
                var chosen = RunOptions.Load(configFile.FullName);
                if (gameName is not null && gameName != chosen.Game) throw new UserInputException($"--game {gameName} contradicts the config's game '{chosen.Game}'");
                var existing = Path.Combine((runDir ?? new DirectoryInfo(Path.Combine("runs", chosen.Game))).FullName, "config.json");
                if (trainer && File.Exists(existing) &&
                    !JsonNode.DeepEquals(JsonNode.Parse((RunOptions.Load(existing) with { Limits = chosen.Limits }).ToJson()), JsonNode.Parse(chosen.ToJson())))
                    throw new UserInputException($"{Path.GetDirectoryName(existing)} holds a run with a different configuration ({existing}); choose another --run-dir");
                return chosen;
            }
            string name = gameName ?? "connect4";
            var folderConfig = Path.Combine((runDir ?? new DirectoryInfo(Path.Combine("runs", name))).FullName, "config.json");
            if (File.Exists(folderConfig)) return RunOptions.Load(folderConfig);
            using var stream = typeof(NodeCommand).Assembly.GetManifestResourceStream($"configs/{name}.json")
                ?? throw new UserInputException($"no embedded configuration for game '{name}' (known: {string.Join(", ", TrainCommand.Games.Select(g => g.Name))})");
            using var reader = new StreamReader(stream);
            return RunOptions.Parse(reader.ReadToEnd(), $"embedded configs/{name}.json");
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new UserInputException(e.Message);
        }
    }
}
