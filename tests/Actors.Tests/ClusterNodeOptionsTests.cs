using Akka.Configuration;

namespace SelfPlayBN.Actors.Tests;

/// <summary>A node's cluster options: loopback unless told otherwise, loud warnings for an unprotected binding,
/// errors that name the key, and the Akka configuration they become.</summary>
public sealed class ClusterNodeOptionsTests
{
    [Fact]
    public void ByDefaultANodeListensOnLoopbackOnlyWithNothingToWarnAbout()
    {
        var node = new ClusterNodeOptions { Roles = ["selfplay"] }.Validate();
        Assert.Equal("127.0.0.1", node.Host);
        Assert.Empty(node.SecurityWarnings());
        var config = ConfigurationFactory.ParseString(node.ToHocon());
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        // The frame size is left at Akka's default: models travel in chunks instead.
        Assert.False(config.HasPath("akka.remote.dot-netty.tcp.maximum-frame-size"));
    }

    [Theory]
    [InlineData("192.168.1.20")]
    [InlineData("node7.example.org")]
    public void ABindingBeyondLoopbackWithoutTlsWarnsLoudly(string host)
    {
        var node = new ClusterNodeOptions { Roles = ["trainer"], Host = host, Port = 4053 }.Validate();
        var warning = Assert.Single(node.SecurityWarnings());
        Assert.StartsWith("WARNING", warning);
        Assert.Contains($"{host}:4053", warning);
        Assert.Contains("WITHOUT TLS", warning);
    }

    [Fact]
    public void TlsBecomesDotNettySslAndSilencesTheWarning()
    {
        string pfx = Path.GetTempFileName();
        try
        {
            var node = new ClusterNodeOptions { Roles = ["trainer"], Host = "10.0.0.5", Port = 4053, Tls = new TlsOptions { CertificatePath = pfx, Password = "s\"cret" } }.Validate();
            Assert.Empty(node.SecurityWarnings());
            var config = ConfigurationFactory.ParseString(node.ToHocon());
            Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
            Assert.Equal(pfx, config.GetString("akka.remote.dot-netty.tcp.ssl.certificate.path"));
            Assert.Equal("s\"cret", config.GetString("akka.remote.dot-netty.tcp.ssl.certificate.password"));
            Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.require-mutual-authentication"));
            Assert.Equal(["akka.ssl.tcp://selfplaybn@10.0.0.5:4053"], ConfigurationFactory.ParseString((node with { Seeds = ["10.0.0.5:4053"] }).ToHocon())
                .GetStringList("akka.cluster.seed-nodes")); // TLS nodes address each other with the ssl protocol
            Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation"));
            var lax = node with { Tls = node.Tls! with { SuppressValidation = true } };
            Assert.Contains("suppressValidation", Assert.Single(lax.SecurityWarnings()));
        }
        finally { File.Delete(pfx); }
    }

    [Fact]
    public void RolesSeedsAndSplitBrainSettingsReachTheConfiguration()
    {
        var node = new ClusterNodeOptions { Roles = ["trainer", "selfplay"], Port = 4053, Seeds = ["127.0.0.1:4053", "127.0.0.1:4054"], DownAfterSeconds = 7.5 };
        var config = ConfigurationFactory.ParseString(node.Validate().ToHocon());
        Assert.Equal(["trainer", "selfplay"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(["akka.tcp://selfplaybn@127.0.0.1:4053", "akka.tcp://selfplaybn@127.0.0.1:4054"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("keep-oldest", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(7.5), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
    }

    [Fact]
    public void EveryProblemIsNamedByItsKey()
    {
        var node = new ClusterNodeOptions { Roles = ["selfplay", "buffer"], Host = "0.0.0.0", Port = 70_000, Seeds = ["127.0.0.1", "h:0"],
            Tls = new TlsOptions { CertificatePath = "/no/such/cert.pfx" }, FailureDetectionSeconds = 0, PreciseBnTimeoutSeconds = 0.5, RejoinAfterDownSeconds = -1 };
        var problems = string.Join("\n", node.Problems());
        Assert.Contains("unknown role 'buffer'", problems);
        Assert.Contains("publicHost", problems);
        Assert.Contains("port must be in [0, 65535], got 70000", problems);
        Assert.Contains("seeds: '127.0.0.1'", problems);
        Assert.Contains("seeds: 'h:0'", problems);
        Assert.Contains("/no/such/cert.pfx", problems);
        Assert.Contains("failureDetectionSeconds", problems);
        Assert.Contains("preciseBnTimeoutSeconds must be at least 1, got 0.5", problems);
        Assert.Contains("rejoinAfterDownSeconds must be >= 0 (0: stop when downed), got -1", problems);
        Assert.Empty(new ClusterNodeOptions { Roles = ["precisebn"] }.Problems()); // a known role
        Assert.Contains("roles must name", string.Join("\n", new ClusterNodeOptions().Problems()));
    }

    [Fact]
    public void ANodeFileParsesWithCommentsAndRejectsUnknownKeys()
    {
        var node = ClusterNodeOptions.Parse("""
            // a self-play node
            { "roles": ["selfplay"], "port": 4055, "seeds": ["127.0.0.1:4053"], }
            """, "node.json");
        Assert.Equal(["selfplay"], node.Roles);
        Assert.Equal(4055, node.Port);
        var e = Assert.Throws<InvalidDataException>(() => ClusterNodeOptions.Parse("""{ "roles": ["selfplay"], "prot": 1 }""", "typo.json"));
        Assert.Contains("typo.json", e.Message);
        Assert.Contains("prot", e.Message);
    }
}

/// <summary>The node files shipped in <c>configs/cluster/</c> are valid.</summary>
public sealed class ShippedNodeFilesTests
{
    [Fact]
    public void EveryShippedNodeFileIsValid()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SelfPlayBN.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var files = Directory.GetFiles(Path.Combine(dir.FullName, "configs", "cluster"), "*.json");
        Assert.True(files.Length >= 2, "configs/cluster/ should hold the trainer and self-play node files");
        foreach (var f in files)
        {
            var node = ClusterNodeOptions.Load(f);
            Assert.Empty(node.Problems());
            Assert.Empty(node.SecurityWarnings()); // the shipped files stay on loopback
        }
    }
}
