using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using MessagePack;
using SelfPlayBN.Training;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>One real <c>selfplaybn node</c> process: its output is kept for failure messages; <see cref="Kill"/> is
/// SIGKILL (no warning, no clean-up).</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public NodeProcess(string name, string workingDirectory, IEnumerable<string> args)
    {
        Name = name;
        var info = new ProcessStartInfo(ClusterHarness.Dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(ClusterHarness.Executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        _process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {name}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine("err: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end on its own; whether it did.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>The exit code (once ended).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Sends a signal (<c>STOP</c> freezes the process as a long pause would, <c>CONT</c> resumes it).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

/// <summary>A run folder shared by the processes of a local cluster, with ports on 127.0.0.1 and readers for what
/// the nodes write: replay segments, <c>metrics.jsonl</c>, self-play events.</summary>
internal sealed class ClusterHarness : IDisposable
{
    private static readonly MessagePackSerializerOptions Wire = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    private readonly List<NodeProcess> _nodes = [];

    /// <param name="ports">How many free ports to reserve.</param>
    /// <param name="evaluation">The run's <c>evaluation</c> section (off by default).</param>
    /// <param name="network">The run's <c>network</c> section (tiny by default: its model fits one chunk).</param>
    public ClusterHarness(int ports, string evaluation = """{ "everyGenerations": 0 }""", string network = """{ "blocks": 1, "filters": 8, "valueHidden": 16 }""")
    {
        Directory.CreateDirectory(Root);
        File.WriteAllText(Config, $$"""
            {
              "game": "tictactoe",
              "network": {{network}},
              "selfPlay": { "parallelGames": 4, "search": { "simulations": 12, "temperatureMoves": 4 } },
              "inference": { "maxBatch": 8, "maxWaitMs": 1 },
              "replay": { "windowPositions": 1000000, "minPositions": 100 },
              "trainer": { "stepsPerGeneration": 4, "gamesPerGeneration": 30, "batchSize": 32 },
              "bn": { "preciseBatches": 2, "preciseBatchSize": 32 },
              "evaluation": {{evaluation}}
            }
            """);
        Ports = FreePorts(ports);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "selfplaybn-cluster-" + Guid.NewGuid().ToString("N"));

    public string Run => Path.Combine(Root, "run");

    private string Config => Path.Combine(Root, "tiny.json");

    /// <summary>Free TCP ports on 127.0.0.1 (free when asked; nothing else on a test machine races for them).</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The seeds every node is given: the trainer's port first (it forms the cluster), then the first self-play node's.</summary>
    public string[] Seeds => [$"127.0.0.1:{Ports[0]}", $"127.0.0.1:{Ports[1]}"];

    public NodeProcess Start(string role, int port, params string[] extra)
    {
        var args = new List<string> { "node", "--roles", role, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--config", Config, "--run-dir", Run, "--threads", "1" };
        args.AddRange(extra);
        foreach (var s in Seeds) { args.Add("--seed"); args.Add(s); }
        var node = new NodeProcess($"{role}@{port}", Root, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Polls <paramref name="condition"/> (reading files the nodes write) until it holds or the deadline passes.</summary>
    public void WaitUntil(string what, TimeSpan timeout, Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            foreach (var n in _nodes.Where(n => n.HasExited && !_killed.Contains(n)))
                Assert.Fail($"{n.Name} exited while waiting for {what}\n{Diagnostics()}");
            if (deadline.Elapsed > timeout) Assert.Fail($"not within {timeout.TotalSeconds:0} s: {what}\n{Diagnostics()}");
            Thread.Sleep(250); // polling interval of the files; the deadline decides
        }
    }

    private readonly HashSet<NodeProcess> _killed = [];

    public void Kill(NodeProcess node)
    {
        _killed.Add(node);
        node.Kill();
    }

    /// <summary>SIGTERM, the clean stop (the node leaves the cluster), and waits up to a minute for the process to end.</summary>
    public void Stop(NodeProcess node)
    {
        _killed.Add(node);
        node.Signal("TERM");
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(1)), $"{node.Name} did not stop within a minute of SIGTERM\n{Diagnostics()}");
    }

    public string Diagnostics() =>
        string.Join("\n", _nodes.Select(n => $"--- {n.Name}{(n.HasExited ? " (exited)" : "")}:\n{Tail(n.Output, 3000)}")) +
        "\n--- membership events in the nodes' logs:\n" + string.Join("\n", MembershipEvents().TakeLast(60));

    /// <summary>Membership and split-brain lines of every node's log, oldest first ("time file: message").</summary>
    public List<string> MembershipEvents()
    {
        string dir = Path.Combine(Run, "logs");
        if (!Directory.Exists(dir)) return [];
        string[] keys = ["JOINING", "Welcome", "Leader is", "Marking", "SBR", "incarnation", "downed", "Shutting down", "quarantined"];
        return Directory.GetFiles(dir, "*.clef")
            .SelectMany(f => Lines(f).Select(l => (File: Path.GetFileNameWithoutExtension(f), Line: l)))
            .Select(x => (x.File, Time: x.Line.TryGetProperty("@t", out var t) ? t.GetString() ?? "" : "", Text: Render(x.Line)))
            .Where(x => keys.Any(k => x.Text.Contains(k, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(x => x.Time, StringComparer.Ordinal)
            .Select(x => $"{x.Time} {x.File}: {x.Text}").ToList();
    }

    /// <summary>Whether the cluster's leader has moved every node on <paramref name="ports"/> to Up (a node that is still
    /// Joining or WeaklyUp does not count in the split-brain resolver's decisions, so failure tests start from Up).</summary>
    public bool AllUp(params int[] ports)
    {
        var events = MembershipEvents();
        return ports.All(p => events.Any(e => e.Contains($"Leader is moving node [akka.tcp://selfplaybn@127.0.0.1:{p}] to [Up]", StringComparison.Ordinal)));
    }

    /// <summary>A compact-JSON log event's message template with its numbered or named properties filled in.</summary>
    private static string Render(JsonElement line)
    {
        string text = line.TryGetProperty("@mt", out var mt) ? mt.GetString() ?? "" : "";
        return System.Text.RegularExpressions.Regex.Replace(text, @"\{([A-Za-z0-9_]+)(:[^}]*)?\}",
            m => line.TryGetProperty(m.Groups[1].Value, out var v) ? v.ToString() : m.Value);
    }

    private static string Tail(string s, int n) => s.Length <= n ? s : "..." + s[^n..];

    /// <summary>Every game id in the replay segments on disk, duplicates kept.</summary>
    public List<Guid> SegmentGameIds()
    {
        string dir = Path.Combine(Run, "replay");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "segment-*.msgpack")
            .SelectMany(f => MessagePackSerializer.Deserialize<GameRecord[]>(File.ReadAllBytes(f), Wire))
            .Select(g => g.Id).ToList();
    }

    /// <summary>Asserts that the replay segments hold each game once, that <paramref name="acknowledged"/> names each game
    /// once, and that every acknowledged game is on disk; returns the games on disk.</summary>
    public List<Guid> AssertAcknowledgedOnDiskOnce(IReadOnlyCollection<Guid> acknowledged)
    {
        var onDisk = SegmentGameIds();
        Assert.Equal(onDisk.Count, onDisk.Distinct().Count());
        Assert.Equal(acknowledged.Count, acknowledged.Distinct().Count());
        Assert.Empty(acknowledged.Except(onDisk));
        return onDisk;
    }

    /// <summary>Complete JSON lines of a file being appended to (a last line without its newline, and a line torn by a
    /// killed writer, are left out).</summary>
    private static List<JsonElement> Lines(string path)
    {
        if (!File.Exists(path)) return [];
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream)) text = reader.ReadToEnd();
        var lines = text.Split('\n');
        var result = new List<JsonElement>();
        foreach (var l in lines.Take(lines.Length - 1).Where(l => l.Length > 0))
        {
            // A process killed in the middle of an append leaves a torn line, which the next writer's line then extends.
            try { result.Add(JsonDocument.Parse(l).RootElement.Clone()); }
            catch (JsonException) { }
        }
        return result;
    }

    /// <summary>The generations published so far (<c>metrics.jsonl</c>), in order.</summary>
    public List<long> Publications() =>
        Lines(Path.Combine(Run, "metrics.jsonl")).Where(l => l.GetProperty("kind").GetString() == "publication")
            .Select(l => l.GetProperty("generation").GetInt64()).ToList();

    public long LastGeneration() => Publications().DefaultIfEmpty(-1).Max();

    /// <summary>The publications so far (<c>metrics.jsonl</c>), in order: generation and where Precise BN measured its
    /// statistics (<c>preciseBnNode</c>: a precisebn node's address, <c>local</c>, or <c>null</c>).</summary>
    public List<(long Generation, string? Node)> PublicationNodes() =>
        Lines(Path.Combine(Run, "metrics.jsonl")).Where(l => l.GetProperty("kind").GetString() == "publication")
            .Select(l => (l.GetProperty("generation").GetInt64(),
                l.TryGetProperty("preciseBnNode", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null)).ToList();

    /// <summary>Writes a node file (JSON) into the harness folder and returns its path.</summary>
    public string NodeFile(string name, string json)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>The evaluation lines of <c>metrics.jsonl</c>: (version, opponent).</summary>
    public List<(long Version, string Opponent)> Evaluations() =>
        Lines(Path.Combine(Run, "metrics.jsonl")).Where(l => l.GetProperty("kind").GetString() == "evaluation")
            .Select(l => (l.GetProperty("generation").GetInt64(), l.GetProperty("opponent").GetString()!)).ToList();

    /// <summary>The text of a node's log files (<c>logs/node-ROLES-PORT-*.clef</c>).</summary>
    public string Log(string roles, int port) =>
        string.Concat(Directory.GetFiles(Path.Combine(Run, "logs"), $"node-{roles}-{port}-*.clef").Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));

    private string Events(int port) => Path.Combine(Run, "nodes", $"selfplay-127.0.0.1-{port}.jsonl");

    /// <summary>The ids of the games the buffer acknowledged to the self-play node on <paramref name="port"/>.</summary>
    public List<Guid> Acknowledged(int port) =>
        Lines(Events(port)).Where(l => l.GetProperty("kind").GetString() == "acknowledged")
            .SelectMany(l => l.GetProperty("games").EnumerateArray().Select(g => g.GetGuid())).ToList();

    /// <summary>The models the self-play node on <paramref name="port"/> served, in order: version, SHA-256, size.</summary>
    public List<(long Version, string Sha256, long Size)> ServedModelDetails(int port) =>
        Lines(Events(port)).Where(l => l.GetProperty("kind").GetString() == "model")
            .Select(l => (l.GetProperty("version").GetInt64(), l.GetProperty("sha256").GetString()!, l.GetProperty("size").GetInt64())).ToList();

    /// <summary>The SHA-256 of the registry's weights file of <paramref name="version"/> on the trainer's disk.</summary>
    public string PublishedSha256(long version)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Run, "models", $"model-{version:D6}.bin"));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    /// <summary>The model versions the self-play node on <paramref name="port"/> served, in order.</summary>
    public List<long> ServedModels(int port) =>
        Lines(Events(port)).Where(l => l.GetProperty("kind").GetString() == "model").Select(l => l.GetProperty("version").GetInt64()).ToList();

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        if (Environment.GetEnvironmentVariable("SELFPLAYBN_KEEP_CLUSTER_RUNS") == "1") return; // for reading the nodes' logs after a failure
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a killed process's file may linger a moment; the folder is in the temp directory
    }

    /// <summary>Connects to a node's remoting port and writes a frame header announcing 50 MB, then 200 kB of
    /// random bytes, and closes the connection.</summary>
    public static void SendGarbage(int port)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var stream = client.GetStream();
        var junk = new byte[200_000];
        new Random(port).NextBytes(junk);
        BitConverter.GetBytes(50_000_000).CopyTo(junk, 0); // DotNetty's little-endian length field
        try { stream.Write(junk); }
        catch (IOException) { } // the node may close the connection as soon as it sees the header
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports on 127.0.0.1 that are all free now.</summary>
    public static int FreeConsecutivePorts(int count)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int first = FreePorts(1)[0];
            if (first + count > 65535) continue;
            var listeners = new List<TcpListener>();
            try
            {
                for (int p = first; p < first + count; p++)
                {
                    var l = new TcpListener(IPAddress.Loopback, p);
                    l.Start();
                    listeners.Add(l);
                }
                return first;
            }
            catch (SocketException) { }
            finally { foreach (var l in listeners) l.Stop(); }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports on 127.0.0.1");
    }

    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    /// <summary>The <c>dotnet</c> host running these tests.</summary>
    public static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary>The built executable, <c>src/Trainer/bin/&lt;configuration&gt;/net10.0/selfplaybn.dll</c>.</summary>
    public static string Executable
    {
        get
        {
            string configuration = typeof(ClusterHarness).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SelfPlayBN.sln"))) dir = dir.Parent;
            Assert.NotNull(dir);
            string exe = Path.Combine(dir.FullName, "src", "Trainer", "bin", configuration, "net10.0", "selfplaybn.dll");
            Assert.True(File.Exists(exe), $"{exe} is not built");
            return exe;
        }
    }
}
