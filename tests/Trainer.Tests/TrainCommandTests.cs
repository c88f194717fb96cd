using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// <c>train</c> as a user runs it: the real executable on a small Tic-tac-toe config, killed with SIGKILL in the
/// middle of a run and started again with the same command, which resumes; and configuration errors that name
/// the key.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-train-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    internal static string Exe
    {
        get
        {
            string exe = Path.Combine(RepoPaths.Root, "src", "Trainer", "bin", RepoPaths.Configuration, "net10.0", "selfplaybn.dll");
            Assert.True(File.Exists(exe), $"{exe} is not built");
            return exe;
        }
    }

    private string SmallConfig(string normalization = "batch", string selfPlayExtra = "", string sectionsExtra = "")
    {
        string path = Path.Combine(_dir, "small.json");
        File.WriteAllText(path, """
            {
              "game": "tictactoe",
              "network": { "blocks": 1, "filters": 8, "valueHidden": 16, "normalization": "NORMALIZATION", "groups": 4 },
              "selfPlay": { "parallelGames": 8, "search": { "simulations": 16, "temperatureMoves": 4 }EXTRA },
              "inference": { "maxBatch": 16, "maxWaitMs": 1 },
              "replay": { "windowPositions": 20000, "minPositions": 100 },
              "trainer": { "stepsPerGeneration": 4, "gamesPerGeneration": 20, "batchSize": 32 },
              "bn": { "preciseBatches": 2, "preciseBatchSize": 32 },
              "evaluation": { "everyGenerations": 0 }SECTIONS
            }
            """.Replace("NORMALIZATION", normalization, StringComparison.Ordinal).Replace("EXTRA", selfPlayExtra, StringComparison.Ordinal)
                .Replace("SECTIONS", sectionsExtra, StringComparison.Ordinal));
        return path;
    }

    private static HashSet<string> GameIds(string runDir)
    {
        // The replay segments hold the accepted games; read them through the same library the run uses.
        var buffer = SelfPlayBN.Training.ReplayBuffer.Open(SelfPlayBN.Games.TicTacToe.TicTacToeGame.Instance, Path.Combine(runDir, "replay"), 1_000_000);
        return buffer.RecentGames(buffer.Games).Select(g => g.Id.ToString()).ToHashSet();
    }

    [Fact]
    public void A_run_killed_with_SIGKILL_resumes_with_every_accepted_game()
    {
        string config = SmallConfig(), run = Path.Combine(_dir, "run");
        string[] args = [Exe, "train", "--config", config, "--run-dir", run, "--generations", "4"];
        var info = new ProcessStartInfo(ProcessRunner.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in args) info.ArgumentList.Add(a);
        using (var process = Process.Start(info)!)
        {
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            // Wait (bounded) until generation 2 is published, then kill the process without warning.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            string? line;
            while ((line = process.StandardOutput.ReadLine()) != null && !line.Contains("generation 2:"))
                Assert.True(DateTime.UtcNow < deadline, "generation 2 was not published within 3 minutes");
            Assert.NotNull(line);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var before = GameIds(run);
        Assert.NotEmpty(before);

        var second = ProcessRunner.Run(ProcessRunner.Dotnet, args, timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Contains("resuming after generation", second.Output);
        Assert.Contains("stopped after generation 4", second.Output);
        Assert.Superset(before, GameIds(run));
        var publications = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!).Where(n => (string?)n["kind"] == "publication").Select(n => (long)n["generation"]!).ToList();
        Assert.Contains(4L, publications);
    }

    [Fact]
    public void Analyze_answers_positions_with_a_trained_model_and_names_bad_lines()
    {
        string run = Path.Combine(_dir, "run-analyze");
        var train = ProcessRunner.Run(ProcessRunner.Dotnet, [Exe, "train", "--config", SmallConfig(), "--run-dir", run, "--generations", "1"],
            timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        var r = ProcessRunner.Run(ProcessRunner.Dotnet, [Exe, "analyze", run, "--simulations", "32"], "\nb2 a1\nb2 b2\nxx\na1 b1 a2 b2 a3\nc3\n",
            timeout: TimeSpan.FromMinutes(2), workingDirectory: _dir);
        Assert.Equal(1, r.ExitCode); // some lines were bad
        var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // the start, "b2 a1" and "c3"
        Assert.Matches(@"^start move [a-c][1-3] value -?\d\.\d{4} policy( [a-c][1-3]:\d\.\d{4}){9}$", lines[0]);
        Assert.Matches(@"^b2 a1 move [a-c][1-3] value -?\d\.\d{4} policy( [a-c][1-3]:\d\.\d{4}){7}$", lines[1]);
        Assert.StartsWith("c3 move ", lines[2]);
        var errors = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["error: line 3: move 2, 'b2', is illegal there", "error: line 4: move 1, 'xx', is not a move of tictactoe",
                      "error: line 5: the game is over: there is no move to choose"], errors);
        var json = ProcessRunner.Run(ProcessRunner.Dotnet, [Exe, "analyze", run, "--simulations", "0", "--json"], "b2\n",
            timeout: TimeSpan.FromMinutes(2), workingDirectory: _dir);
        Assert.True(json.ExitCode == 0, json.Error);
        var answer = JsonNode.Parse(json.Output.Trim())!;
        Assert.Equal("b2", (string?)answer["position"]);
        Assert.Equal(1, (int)answer["toMove"]!);
        Assert.Equal(0, (int)answer["simulations"]!);
        var policy = answer["policy"]!.AsObject();
        Assert.Equal(8, policy.Count);
        Assert.Equal(1.0, policy.Sum(kv => (double)kv.Value!), 4);
        Assert.Equal(policy.MaxBy(kv => (double)kv.Value!).Key, (string?)answer["move"]); // raw: the move of highest prior
        Assert.InRange((double)answer["value"]!, -1, 1);
    }

    [Fact]
    public void A_run_with_random_openings_says_so_and_trains_only_on_the_searched_moves()
    {
        string run = Path.Combine(_dir, "run-openings");
        var train = ProcessRunner.Run(ProcessRunner.Dotnet,
            [Exe, "train", "--config", SmallConfig(selfPlayExtra: """, "randomOpeningShare": 0.5, "randomOpeningMoves": 4"""), "--run-dir", run, "--generations", "1"],
            timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("openings: 50% of self-play games start with 1 to 4 random moves (not trained on)", train.Output);
        var buffer = SelfPlayBN.Training.ReplayBuffer.Open(SelfPlayBN.Games.TicTacToe.TicTacToeGame.Instance, Path.Combine(run, "replay"), 1_000_000);
        var games = buffer.RecentGames(buffer.Games).ToList();
        Assert.All(games, g => Assert.NotNull(g.FullSearch));
        int Random(SelfPlayBN.Training.GameRecord g) => Array.IndexOf(g.FullSearch!, true);
        Assert.Contains(games, g => Random(g) == 0);
        Assert.Contains(games, g => Random(g) > 0);
        Assert.All(games, g => Assert.InRange(Random(g), 0, 4));
        Assert.Equal(games.Sum(g => g.Length - Random(g)), buffer.Positions);

        // The cpu section may change on resume (it is how the processes run, not what the run is); the first line names
        // the oneDNN cap in effect (SSE41 from this config, or from the environment the test host passes on).
        var resumed = ProcessRunner.Run(ProcessRunner.Dotnet,
            [Exe, "train", "--config", SmallConfig(selfPlayExtra: """, "randomOpeningShare": 0.5, "randomOpeningMoves": 4""",
                sectionsExtra: """, "cpu": { "oneDnnMaxIsa": "SSE41" }"""), "--run-dir", run, "--generations", "2"],
            timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        Assert.Contains("resuming after generation 1", resumed.Output);
        string? inherited = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        if (OperatingSystem.IsLinux()) Assert.Contains($"oneDNN capped at {(string.IsNullOrEmpty(inherited) ? "SSE41" : inherited)}", resumed.Output);
    }

    [Theory]
    [InlineData("group")]
    [InlineData("layer")]
    [InlineData("none")]
    public void A_network_without_batchnorm_trains_publishes_and_plays(string normalization)
    {
        string run = Path.Combine(_dir, "run-" + normalization);
        var train = ProcessRunner.Run(ProcessRunner.Dotnet, [Exe, "train", "--config", SmallConfig(normalization), "--run-dir", run, "--generations", "2"],
            timeout: TimeSpan.FromMinutes(3), workingDirectory: _dir);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("no BatchNorm (nothing for Precise BN to measure)", train.Output);
        Assert.Contains("stopped after generation 2", train.Output);
        var publications = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Where(n => (string?)n["kind"] == "publication" && (long)n["generation"]! > 0).ToList();
        Assert.Equal(2, publications.Count);
        Assert.All(publications, p =>
        {
            Assert.Equal("none", (string?)p["statistics"]);
            Assert.Null(p["stalenessMeanGap"]);
            Assert.True(double.IsFinite((double)p["policyLoss"]!) && double.IsFinite((double)p["valueLoss"]!), p.ToJsonString());
        });

        // The published network loads and plays a match through the same model code the GTP engine and evaluator use.
        var match = ProcessRunner.Run(ProcessRunner.Dotnet, [Exe, "evaluate", run, "--games", "2", "--simulations", "4", "--rollout-simulations", "4", "--opening-moves", "0"],
            timeout: TimeSpan.FromMinutes(2), workingDirectory: _dir);
        Assert.True(match.ExitCode == 0, match.Error + match.Output);
        Assert.Contains($"Model 2 of", match.Output);
        Assert.Contains("0 opening moves sampled", match.Output);
        Assert.Contains($"{normalization} normalization, no BN statistics", match.Output);
    }

    [Theory]
    [InlineData("""{ "game": "tictactoe", "network": { "normalization": "group", "filters": 8, "groups": 3 } }""", "network.groups")]
    [InlineData("""{ "game": "tictactoe", "trainer": { "batchSiz": 8 } }""", "batchSiz")]
    [InlineData("""{ "game": "tictactoe", "trainer": { "batchSize": 1 } }""", "trainer.batchSize")]
    [InlineData("""{ "game": "tictactoe", "bn": { "inference": "average" } }""", "bn.inference")]
    [InlineData("""{ "game": "go" }""", "go")]
    [InlineData("""{ "game": "go21" }""", "go21")]
    [InlineData("""{ "game": "go9", "go": { "inputs": "alphaZero" } }""", "go.inputs")]
    [InlineData("""{ "game": "tictactoe", "go": { "komi": 6.5 } }""", "go:")]
    public void Configuration_errors_name_the_key(string json, string named)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);
        var (code, _, error) = CliTests.Run("train", "--config", path, "--run-dir", Path.Combine(_dir, "run"));
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains(named, error);
        Assert.StartsWith("error: ", error);
    }

    [Fact]
    public void A_different_config_for_an_existing_run_folder_is_refused()
    {
        string run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.json"), """{ "game": "tictactoe", "seed": 5 }""");
        var (code, _, error) = CliTests.Run("train", "--config", SmallConfig(), "--run-dir", run);
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains("different configuration", error);
    }
}

/// <summary><c>evaluate</c>'s refusals: a folder that is not a run, a run without the asked version.</summary>
public sealed class EvaluateCommandTests
{
    [Fact]
    public void A_folder_that_is_not_a_run_is_named()
    {
        string dir = Path.Combine(Path.GetTempPath(), "selfplaybn-eval-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (code, _, error) = CliTests.Run("evaluate", dir);
            Assert.Equal(Cli.UsageError, code);
            Assert.Contains("not a run folder", error);
            File.WriteAllText(Path.Combine(dir, "config.json"), """{ "game": "tictactoe" }""");
            (code, _, error) = CliTests.Run("evaluate", dir, "--version", "3");
            Assert.Equal(Cli.UsageError, code);
            Assert.Contains("no model 3", error);
            (code, _, error) = CliTests.Run("evaluate", dir, "--games", "3");
            Assert.Equal(Cli.UsageError, code);
            Assert.Contains("--games", error);
            (code, _, error) = CliTests.Run("evaluate", dir, "--opening-moves", "-1");
            Assert.Equal(Cli.UsageError, code);
            Assert.Contains("--opening-moves", error);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
