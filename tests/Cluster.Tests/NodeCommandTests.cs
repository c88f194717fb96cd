using System.Diagnostics;

namespace SelfPlayBN.Cluster.Tests;

/// <summary><c>selfplaybn node</c> as a user runs it: bad arguments end with one <c>error:</c> line naming the problem
/// and exit code 2; a trainer node whose run folder holds a corrupt checkpoint ends with exit code 1 and the file's name.</summary>
public sealed class NodeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-node-" + Guid.NewGuid().ToString("N"));

    public NodeCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int ExitCode, string Output, string Error) Node(params string[] args)
    {
        var info = new ProcessStartInfo(ClusterHarness.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        info.ArgumentList.Add(ClusterHarness.Executable);
        info.ArgumentList.Add("node");
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node {string.Join(' ', args)} did not exit within 2 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    [Theory]
    [InlineData("unknown role 'buffer'", "--roles", "buffer")]
    [InlineData("seeds: 'nowhere'", "--roles", "selfplay", "--seed", "nowhere")]
    [InlineData("port must be in [0, 65535], got 70000", "--roles", "selfplay", "--port", "70000")]
    [InlineData("set publicHost", "--roles", "selfplay", "--host", "0.0.0.0")]
    [InlineData("roles must name at least one", "--port", "4053")]
    [InlineData("does not exist", "--node-config", "no-such-node.json")]
    [InlineData("no embedded configuration for game 'chess'", "--roles", "selfplay", "--game", "chess")]
    public void BadArgumentsEndWithOneErrorLineNamingTheProblem(string expected, params string[] args)
    {
        var (code, _, error) = Node(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void ANodeTakesEveryGameThatTrainTakes()
    {
        // node and train share their set-up (RunSetup): --game go9 reads the embedded configs/go9.json and plays 9x9 Go.
        string run = Path.Combine(_dir, "go9");
        var (code, output, error) = Node("--roles", "trainer,selfplay", "--game", "go9", "--run-dir", run, "--minutes", "0.2", "--threads", "1");
        Assert.True(code == 0, $"exit code {code}\n{output}\n{error}");
        Assert.Contains("cluster node (trainer, selfplay) for go9", output);
        Assert.Contains("\"game\": \"go9\"", File.ReadAllText(Path.Combine(run, "config.json")));
    }

    [Fact]
    public void AGatedRunRefusesASeparateEvaluatorNode()
    {
        string config = Path.Combine(_dir, "gated.json");
        File.WriteAllText(config, """{ "game": "tictactoe", "evaluation": { "everyGenerations": 1, "gating": true } }""");
        var (code, _, error) = Node("--roles", "evaluator", "--config", config, "--run-dir", Path.Combine(_dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains("give the trainer node the evaluator role", error);
    }

    [Fact]
    public void ATrainerNodeWithACorruptCheckpointStopsWithAnErrorNamingIt()
    {
        string run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(Path.Combine(run, "trainer"));
        File.WriteAllText(Path.Combine(run, "trainer", "trainer.ckpt"), "not a checkpoint");
        var (code, _, error) = Node("--roles", "trainer", "--game", "tictactoe", "--run-dir", run, "--threads", "1");
        Assert.Equal(1, code);
        Assert.Contains("error: the trainer could not start", error);
        Assert.Contains("trainer.ckpt", error);
    }
}
