using System.Diagnostics;
using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary><c>scripts/cluster-local.sh</c>: starts N node processes on loopback that train together, and
/// <c>stop</c> ends every one of them cleanly (each leaves the cluster and prints its closing line).</summary>
public sealed class ClusterLocalScriptTests(ITestOutputHelper output)
{
    private static (int ExitCode, string Output) Script(string root, IDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        info.ArgumentList.Add(Path.Combine(root, "scripts", "cluster-local.sh"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(entireProcessTree: true); Assert.Fail("cluster-local.sh did not return within 2 minutes"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The repository root, and the script's environment for a cluster in the harness's run folder on
    /// <paramref name="nodes"/> consecutive free ports from the returned base port.</summary>
    private static (string Root, Dictionary<string, string> Environment, int BasePort) Setup(ClusterHarness h, int nodes)
    {
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ClusterHarness.Executable)!, "..", "..", "..", "..", ".."));
        string configuration = new DirectoryInfo(Path.GetDirectoryName(ClusterHarness.Executable)!).Parent!.Name;
        int basePort = ClusterHarness.FreeConsecutivePorts(nodes); // the script numbers its nodes' ports from BASE_PORT
        var environment = new Dictionary<string, string>
        {
            ["RUN_DIR"] = h.Run, ["CONFIG"] = Path.Combine(h.Root, "tiny.json"), ["BASE_PORT"] = basePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CONFIGURATION"] = configuration, ["SKIP_BUILD"] = "1",
        };
        return (root, environment, basePort);
    }

    [Fact]
    public void ThreeLocalNodesTrainAndStopCleanly()
    {
        using var h = new ClusterHarness(1);
        var (root, environment, basePort) = Setup(h, 3);
        var (started, startOutput) = Script(root, environment, "3", "--detach", "--threads", "1");
        Assert.True(started == 0, startOutput);
        var pids = Pids(h);
        Assert.Equal(3, pids.Count);
        try
        {
            h.WaitUntil("generation 1 published with games from both self-play nodes", TimeSpan.FromSeconds(120),
                () => h.LastGeneration() >= 1 && h.Acknowledged(basePort + 1).Count > 0 && h.Acknowledged(basePort + 2).Count > 0);
            var (stopped, stopOutput) = Script(root, environment, "stop");
            Assert.True(stopped == 0, stopOutput);
            Assert.Contains("cluster-local: stopped", stopOutput);
            Assert.DoesNotContain("killing it", stopOutput); // every node stopped on SIGTERM within the grace time
            Assert.All(pids, p => Assert.True(Exited(p), $"node process {p} is still running"));
            for (int i = 1; i <= 3; i++)
            {
                string log = File.ReadAllText(Path.Combine(h.Run, "logs", $"node-{i}.out"));
                Assert.Contains(i == 1 ? "node stopped after generation" : "node stopped", log);
            }
            Assert.False(File.Exists(Path.Combine(h.Run, "cluster.pids")));
            output.WriteLine($"3 nodes trained to generation {h.LastGeneration()} and stopped cleanly");
        }
        finally
        {
            KillRemaining(pids);
        }
    }

    [Fact]
    public void RolesPutPreciseBnOnANodeOfItsOwn()
    {
        using var h = new ClusterHarness(1);
        var (root, environment, basePort) = Setup(h, 3);
        environment["ROLES"] = "trainer selfplay";
        var (refused, refusal) = Script(root, environment, "3", "--detach");
        Assert.Equal(2, refused);
        Assert.Contains("ROLES names 2 nodes' roles ('trainer selfplay'), but 3 nodes were asked for", refusal);
        Assert.False(File.Exists(Path.Combine(h.Run, "cluster.pids")));

        environment["ROLES"] = "trainer selfplay precisebn";
        var (started, startOutput) = Script(root, environment, "3", "--detach", "--threads", "1");
        Assert.True(started == 0, startOutput);
        Assert.Contains("node 3 (precisebn)", startOutput);
        var pids = Pids(h);
        try
        {
            string preciseBnNode = $"@127.0.0.1:{basePort + 2}";
            h.WaitUntil("a generation published with statistics measured on the precisebn node", TimeSpan.FromSeconds(120),
                () => h.PublicationNodes().Any(x => x.Node?.EndsWith(preciseBnNode, StringComparison.Ordinal) == true));
            var (stopped, stopOutput) = Script(root, environment, "stop");
            Assert.True(stopped == 0, stopOutput);
            Assert.All(pids, p => Assert.True(Exited(p), $"node process {p} is still running"));
            string log = File.ReadAllText(Path.Combine(h.Run, "logs", "node-3.out"));
            Assert.Contains("Precise BN: this node measures the trainer's snapshots", log);
            Assert.Contains("node stopped", log);
            output.WriteLine($"publications: {string.Join(", ", h.PublicationNodes().Select(x => $"{x.Generation}:{x.Node ?? "-"}"))}");
        }
        finally
        {
            KillRemaining(pids);
        }
    }

    /// <summary>The node processes the script started (its <c>cluster.pids</c> file).</summary>
    private static List<int> Pids(ClusterHarness h) =>
        File.ReadAllText(Path.Combine(h.Run, "cluster.pids")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

    /// <summary>Kills the node processes still running after a failed test.</summary>
    private static void KillRemaining(IEnumerable<int> pids)
    {
        foreach (int p in pids.Where(p => !Exited(p))) Process.GetProcessById(p).Kill(entireProcessTree: true);
    }

    private static bool Exited(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return p.HasExited; }
        catch (ArgumentException) { return true; }
    }
}
