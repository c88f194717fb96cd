using System.CommandLine;
using SelfPlayBN.Actors;
using SelfPlayBN.Actors.Cluster;
using SelfPlayBN.Training;
using Serilog;
using SelfPlayBN.Trainer.Setup;

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
        var game = new Option<string?>("--game") { Description = $"Game of the embedded configuration: {string.Join(", ", RunSetup.EmbeddedConfigs)} (default connect4)." };
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
        RunSetup.CheckArguments(deviceName, generations, minutes);
        var options = RunSetup.LoadOptions(configFile, gameName, runDir, checkAgainstRun: node.Has(ClusterNodeOptions.TrainerRole));
        var game = GameCatalog.Create(options);
        var folder = RunSetup.Folder(runDir, game);
        if (generations is not null) options = options with { Limits = options.Limits with { Generations = generations } };
        options.Validate();
        if (node.Has(ClusterNodeOptions.EvaluatorRole) && !node.Has(ClusterNodeOptions.TrainerRole) && options.Evaluation.Gating)
            throw new UserInputException("evaluation.gating needs the evaluator beside the trainer: give the trainer node the evaluator role, not this one");

        var (_, device) = RunSetup.Device(parse, deviceName, options.Cpu);
        using var logger = RunSetup.Logger(folder, $"node-{string.Join("+", node.Roles)}-{(node.Port > 0 ? node.Port : Environment.ProcessId)}");
        Log.Logger = logger; // Akka's logs, and the node's, go to the node's log
        output.WriteLine($"cluster node ({string.Join(", ", node.Roles)}) for {game.Name} in {folder.Root} on {deviceName}; listening on {node.Host}:{node.Port}" +
                         (node.Tls is null ? " (plain TCP)" : " (TLS)"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (minutes is { } mm) limit.CancelAfter(TimeSpan.FromMinutes(mm));
        var outcome = await ClusterNode.RunAsync(game, GameCatalog.EvaluationExtrasOf(game), options, node, folder, device,
            line => { lock (output) output.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}"); }, limit.Token).ConfigureAwait(false);
        if (outcome.Error is { } error)
        {
            Console.Error.WriteLine($"error: {error} (log: {folder.Logs})");
            return 1;
        }
        output.WriteLine(node.Has(ClusterNodeOptions.TrainerRole) ? $"node stopped after generation {outcome.Generations}" : "node stopped");
        return 0;
    }
}
