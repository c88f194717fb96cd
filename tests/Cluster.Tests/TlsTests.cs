using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>TLS for the remoting transport: two real nodes with certificates (mutual authentication) form a cluster
/// on 127.0.0.1 and train, with a network whose model takes many chunks: the self-play node serves exactly the bytes the
/// registry wrote.</summary>
public sealed class TlsTests(ITestOutputHelper output)
{
    /// <summary>A self-signed certificate with its private key, for server and client authentication, as PKCS#12.</summary>
    private static void WriteCertificate(string path, string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
    }

    [Fact]
    public void TwoNodesWithCertificatesFormAClusterOverTlsAndTrain()
    {
        // 2 blocks of 64 filters: about 600 kB of weights, ten 64 KiB chunks per model.
        using var h = new ClusterHarness(2, network: """{ "blocks": 2, "filters": 64, "valueHidden": 16 }""");
        string pfx = Path.Combine(h.Root, "node.pfx"), nodeFile = Path.Combine(h.Root, "tls-node.json");
        WriteCertificate(pfx, "test-secret");
        // Self-signed: validation is suppressed (the node warns about it); the traffic is still TLS with client certificates.
        File.WriteAllText(nodeFile, $$"""
            { "roles": ["selfplay"], "tls": { "certificatePath": "{{pfx}}", "password": "test-secret", "suppressValidation": true } }
            """);
        var trainer = h.Start("trainer", h.Ports[0], "--node-config", nodeFile);
        var selfPlay = h.Start("selfplay", h.Ports[1], "--node-config", nodeFile);
        h.WaitUntil("generation 1 published with games from the self-play node", TimeSpan.FromSeconds(120),
            () => h.LastGeneration() >= 1 && h.Acknowledged(h.Ports[1]).Count > 0);
        Assert.Contains($"akka.ssl.tcp://selfplaybn@127.0.0.1:{h.Ports[0]}", trainer.Output);
        Assert.Contains("(TLS)", selfPlay.Output);
        Assert.Contains("tls.suppressValidation is on", selfPlay.Output);
        var served = h.ServedModelDetails(h.Ports[1]);
        Assert.NotEmpty(served);
        Assert.All(served, m =>
        {
            Assert.True(m.Size > 8 * 65_536, $"model {m.Version} is {m.Size} bytes: too small to need many chunks");
            Assert.Equal(h.PublishedSha256(m.Version), m.Sha256); // what the node serves is what the registry wrote
        });
        output.WriteLine($"over TLS: generation {h.LastGeneration()}, {h.Acknowledged(h.Ports[1]).Count} games acknowledged; served models {string.Join(", ", served.Select(m => $"{m.Version} ({m.Size} bytes)"))}");
    }
}
