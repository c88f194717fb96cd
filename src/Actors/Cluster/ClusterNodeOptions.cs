using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>
/// How one process takes part in a training cluster: its roles, where it listens, which nodes it contacts to join,
/// and transport security. Loaded from a node file (<c>configs/cluster/*.json</c>: camelCase keys, comments allowed,
/// unknown keys rejected) and overridden by <c>node</c>'s command-line options; validated with errors that name
/// the key. Remoting binds to loopback (<c>127.0.0.1</c>) unless <see cref="Host"/> says otherwise.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The trainer role: the replay-buffer and trainer singletons (with Precise BN, the model registry, the
    /// evaluator and the model publisher). Exactly one node of a cluster should have it, or several sharing one run
    /// folder.</summary>
    public const string TrainerRole = "trainer";

    /// <summary>The self-play role: inference and self-play games on the model the trainer announces.</summary>
    public const string SelfPlayRole = "selfplay";

    /// <summary>The evaluator role: evaluation matches (<c>evaluation</c> options). With the trainer role on the same
    /// node the evaluator runs beside the trainer (gating works); on another node it evaluates the announced models
    /// and sends the results to the trainer (no gating). A cluster without the role does not evaluate.</summary>
    public const string EvaluatorRole = "evaluator";

    /// <summary>The Precise BN role: on a node without the trainer role, Precise BN of every snapshot runs there (the node
    /// pulls the snapshot and sampled replay data, and sends back the BatchNorm statistics and the staleness summary);
    /// the trainer falls back to its own Precise BN for a generation when no such node answers in time. On the trainer
    /// node (or with no such node in the cluster) Precise BN runs beside the trainer.</summary>
    public const string PreciseBnRole = "precisebn";

    /// <summary>The roles a node can have.</summary>
    public static readonly IReadOnlyList<string> KnownRoles = [TrainerRole, SelfPlayRole, EvaluatorRole, PreciseBnRole];

    /// <summary>The actor system's name: part of every node address (<c>akka.tcp://selfplaybn@host:port</c>).</summary>
    public const string SystemName = "selfplaybn";

    /// <summary>This node's roles (<c>trainer</c>, <c>selfplay</c>, <c>evaluator</c>, <c>precisebn</c>, any combination).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The address remoting binds to: <c>127.0.0.1</c> (the default, this machine only), an interface's
    /// address, or <c>0.0.0.0</c> (every interface; then <see cref="PublicHost"/> is required).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port (0: any free port, for nodes that are not seeds).</summary>
    public int Port { get; init; }

    /// <summary>The host name or address other nodes use to reach this one (default: <see cref="Host"/>).</summary>
    public string? PublicHost { get; init; }

    /// <summary>Nodes to contact to join, as <c>host:port</c>. A node that lists itself first starts a new cluster when no
    /// other seed answers; an empty list makes this node start a cluster on its own.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>TLS for the remoting transport (<c>null</c>: plain TCP, acceptable on loopback only).</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>Heartbeats may pause this long before a node counts as unreachable (GC pauses and loaded machines
    /// need slack; a dead node is noticed after about this long).</summary>
    public double FailureDetectionSeconds { get; init; } = 10;

    /// <summary>The split-brain resolver downs unreachable nodes after the membership has been stable this long.</summary>
    public double DownAfterSeconds { get; init; } = 10;

    /// <summary>A node the cluster downs (the split-brain resolver's decision after a partition or a long pause, or a
    /// member that saw it unreachable) starts a new incarnation after this many seconds and joins again through its
    /// seeds; 0: it stops with exit code 1 instead. Unacknowledged games of the old incarnation are lost (they were
    /// never counted); acknowledged ones are on the buffer's disk.</summary>
    public double RejoinAfterDownSeconds { get; init; } = 5;

    /// <summary>How often a self-play node asks the trainer for the current model (besides the announcements).</summary>
    public double ModelPollSeconds { get; init; } = 5;

    /// <summary>Trainer node: how long a precisebn node may take to answer a snapshot's Precise BN job (fetching the
    /// snapshot and the replay data included) before the trainer measures that generation itself.</summary>
    public double PreciseBnTimeoutSeconds { get; init; } = 120;

    /// <summary>Whether <paramref name="role"/> is one of this node's roles.</summary>
    public bool Has(string role) => Roles.Contains(role);

    /// <summary>Every problem with these options, each naming its key (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Roles is null || Roles.Count == 0) p.Add($"roles must name at least one of {string.Join(", ", KnownRoles)}");
        else
        {
            foreach (var r in Roles.Where(r => !KnownRoles.Contains(r))) p.Add($"roles: unknown role '{r}' (known: {string.Join(", ", KnownRoles)})");
            if (Roles.Distinct().Count() != Roles.Count) p.Add("roles: a role is listed twice");
        }
        if (string.IsNullOrWhiteSpace(Host)) p.Add("host must be set (127.0.0.1 for this machine only)");
        else if (IsAnyAddress(Host) && string.IsNullOrWhiteSpace(PublicHost))
            p.Add($"host {Host} listens on every interface: set publicHost to the address other nodes reach this one at");
        if (Port is < 0 or > 65535) p.Add($"port must be in [0, 65535], got {Port}");
        foreach (var s in Seeds ?? [])
            if (!TryParseEndpoint(s, out _, out _)) p.Add($"seeds: '{s}' is not host:port with a port in [1, 65535]");
        if (Tls is { } tls)
        {
            if (string.IsNullOrWhiteSpace(tls.CertificatePath)) p.Add("tls.certificatePath must name a PKCS#12 (.pfx) file with the private key");
            else if (!File.Exists(tls.CertificatePath)) p.Add($"tls.certificatePath: '{tls.CertificatePath}' does not exist");
        }
        if (!(FailureDetectionSeconds >= 1)) p.Add($"failureDetectionSeconds must be at least 1, got {FailureDetectionSeconds}");
        if (!(DownAfterSeconds >= 1)) p.Add($"downAfterSeconds must be at least 1, got {DownAfterSeconds}");
        if (!(RejoinAfterDownSeconds >= 0)) p.Add($"rejoinAfterDownSeconds must be >= 0 (0: stop when downed), got {RejoinAfterDownSeconds}");
        if (!(ModelPollSeconds > 0)) p.Add($"modelPollSeconds must be > 0, got {ModelPollSeconds}");
        if (!(PreciseBnTimeoutSeconds >= 1)) p.Add($"preciseBnTimeoutSeconds must be at least 1, got {PreciseBnTimeoutSeconds}");
        return p;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem.</summary>
    public ClusterNodeOptions Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidDataException("invalid node options: " + string.Join("; ", problems));
        return this;
    }

    /// <summary>Loud warnings about the set-up's security (empty when it is safe): a binding beyond loopback without
    /// TLS, or TLS that does not check certificates.</summary>
    public IReadOnlyList<string> SecurityWarnings()
    {
        var w = new List<string>();
        if (!IsLoopback(Host) && Tls is null)
            w.Add($"WARNING: remoting listens on {Host}:{Port} WITHOUT TLS. Anyone who can reach this port can join the cluster, read the " +
                  "games and models it exchanges and send it messages. Use a private network and set tls (certificatePath, password) on every node.");
        if (Tls is { SuppressValidation: true })
            w.Add("WARNING: tls.suppressValidation is on: certificates are not checked, so TLS encrypts but does not authenticate peers.");
        return w;
    }

    /// <summary>The options as JSON (camelCase), the format of a node file.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The JSON settings of node files.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Parses a node file; errors name the source and the key. Not validated (command-line options may
    /// still override it): call <see cref="Validate"/>.</summary>
    public static ClusterNodeOptions Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<ClusterNodeOptions>(json, Json) ?? throw new InvalidDataException($"{source}: the file holds no node options object");
        }
        catch (JsonException e)
        {
            string where = string.IsNullOrEmpty(e.Path) ? "" : $" at {e.Path.TrimStart('$', '.')}";
            throw new InvalidDataException($"{source}{where}: {e.Message.Split('\n')[0].Trim()}", e);
        }
    }

    /// <summary>Reads a node file.</summary>
    public static ClusterNodeOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"node file '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Splits <c>host:port</c> (the last colon separates the port).</summary>
    public static bool TryParseEndpoint(string? endpoint, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(endpoint)) return false;
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || colon == endpoint.Length - 1) return false;
        host = endpoint[..colon];
        return int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
    }

    /// <summary>Whether <paramref name="host"/> is this machine only (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>).</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var a) && IPAddress.IsLoopback(a));

    private static bool IsAnyAddress(string host) =>
        IPAddress.TryParse(host, out var a) && (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any));

    /// <summary>The Akka address of a <c>host:port</c> endpoint: <c>akka.tcp://selfplaybn@host:port</c>, or
    /// <c>akka.ssl.tcp://...</c> when the cluster uses TLS (every node of a cluster must agree on TLS).</summary>
    public static string NodeAddress(string host, int port, bool tls) =>
        $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{host}:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The Akka configuration of this node: cluster provider, DotNetty TCP remoting (TLS when set, frame size
    /// left at its default), roles, seeds, the failure detector and the split-brain resolver (keep-oldest, downing
    /// the oldest when it is alone, so the side of the first node — the trainer's, when it starts first — survives a
    /// partition, and a crashed trainer node is downed by the others).</summary>
    public string ToHocon()
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        string F(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        var seeds = (Seeds ?? []).Select(s => { TryParseEndpoint(s, out var h, out var p); return Q(NodeAddress(h, p, Tls is not null)); });
        string tls = Tls is { } t
            ? $$"""
                enable-ssl = true
                ssl {
                  certificate { path = {{Q(t.CertificatePath)}}, password = {{Q(t.Password ?? "")}} }
                  suppress-validation = {{(t.SuppressValidation ? "true" : "false")}}
                  require-mutual-authentication = {{(t.RequireMutualAuthentication ? "true" : "false")}}
                }
              """
            : "enable-ssl = false";
        return $$"""
            akka {
              actor.provider = cluster
              remote {
                log-remote-lifecycle-events = off
                dot-netty.tcp {
                  hostname = {{Q(Host)}}
                  public-hostname = {{Q(PublicHost ?? Host)}}
                  port = {{Port.ToString(CultureInfo.InvariantCulture)}}
                  {{tls}}
                }
              }
              cluster {
                roles = [{{string.Join(", ", Roles.Select(Q))}}]
                seed-nodes = [{{string.Join(", ", seeds)}}]
                # A restarted first seed (the trainer) asks the other seeds to let it join for this long before it
                # starts a cluster of its own; Akka's 5 s left a restarted trainer alone on a loaded machine.
                seed-node-timeout = 15s
                failure-detector.acceptable-heartbeat-pause = {{F(FailureDetectionSeconds)}}
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-oldest
                  stable-after = {{F(DownAfterSeconds)}}
                  keep-oldest.down-if-alone = on
                }
                run-coordinated-shutdown-when-down = on
              }
              coordinated-shutdown.exit-clr = off
            }
            """;
    }
}

/// <summary>TLS for the remoting transport (DotNetty's SSL).</summary>
public sealed record TlsOptions
{
    /// <summary>A PKCS#12 (.pfx) file with this node's certificate and private key.</summary>
    public string CertificatePath { get; init; } = "";

    /// <summary>The file's password (empty: none).</summary>
    public string? Password { get; init; }

    /// <summary>Accept any peer certificate (self-signed test set-ups only): encrypts without authenticating.</summary>
    public bool SuppressValidation { get; init; }

    /// <summary>Both sides present certificates (mutual TLS, Akka's default).</summary>
    public bool RequireMutualAuthentication { get; init; } = true;
}
