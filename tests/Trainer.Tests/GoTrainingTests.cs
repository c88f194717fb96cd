using System.Text.Json.Nodes;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Training;
using SelfPlayBN.Trainer.Commands;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>Go through the training pipeline: <c>configs/go9.json</c>, shrunk only in its sizes, trains and evaluates.</summary>
public sealed class GoTrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-go-" + Guid.NewGuid().ToString("N"));

    public GoTrainingTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_go9_config_names_a_9x9_game_with_AlphaGo_Zero_inputs()
    {
        var options = RunOptions.Load(Path.Combine(RepoPaths.Root, "configs", "go9.json"));
        var game = Assert.IsType<GoGame>(GameCatalog.Create(options));
        Assert.Equal(9, game.Size);
        Assert.Equal(7.5, game.Komi);
        Assert.Equal(GoInputs.AlphaGoZero, game.Inputs);
        Assert.Equal(17, game.ObservationShape.Planes);
        Assert.Contains("go9", RunSetup.EmbeddedConfigs);
    }

    [Theory]
    [InlineData("go13.json", 13, GoInputs.AlphaGoZero)]
    [InlineData("go19.json", 19, GoInputs.LeelaZero)]
    public void The_other_go_configs_name_their_board_and_inputs(string file, int size, GoInputs inputs)
    {
        var options = RunOptions.Load(Path.Combine(RepoPaths.Root, "configs", file));
        var game = Assert.IsType<GoGame>(GameCatalog.Create(options));
        Assert.Equal(size, game.Size);
        Assert.Equal(inputs, game.Inputs);
    }

    [Fact]
    public void The_go9_config_trains_a_generation_and_its_model_plays_a_match()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "configs", "go9.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        // Only sizes change: the game, its go section and every algorithm setting are the file's.
        config["network"] = JsonNode.Parse("""{ "blocks": 1, "filters": 8, "valueHidden": 16 }""");
        config["selfPlay"]!["parallelGames"] = 8;
        config["selfPlay"]!["search"]!["simulations"] = 8;
        config["inference"] = JsonNode.Parse("""{ "maxBatch": 8, "maxWaitMs": 1 }""");
        config["replay"]!["minPositions"] = 100;
        config["trainer"]!["stepsPerGeneration"] = 2;
        config["trainer"]!["gamesPerGeneration"] = 8;
        config["trainer"]!["batchSize"] = 16;
        config["bn"] = JsonNode.Parse("""{ "inference": "precise", "preciseBatches": 2, "preciseBatchSize": 16 }""");
        config["evaluation"] = JsonNode.Parse("""{ "everyGenerations": 0 }""");
        string path = Path.Combine(_dir, "go9.json"), run = Path.Combine(_dir, "run");
        File.WriteAllText(path, config.ToJsonString());

        var result = ProcessRunner.Run(ProcessRunner.Dotnet, [TrainCommandTests.Exe, "train", "--config", path, "--run-dir", run, "--generations", "1"],
            timeout: TimeSpan.FromMinutes(5), workingDirectory: _dir);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("stopped after generation 1", result.Output);
        var records = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Contains(records, r => (string?)r["kind"] == "publication" && (long)r["generation"]! == 1);
        var game = new GoGame(9, inputs: GoInputs.AlphaGoZero);
        var buffer = ReplayBuffer.Open(game, Path.Combine(run, "replay"), 1_000_000);
        Assert.True(buffer.Games >= 8, $"{buffer.Games} games in the replay buffer");
        // The file's pass rule held in every game: a pass that did not answer a pass came only on a settled board.
        var games = ReplayBuffer.ReadGames(Path.Combine(run, "replay")).ToList();
        foreach (var g in games)
        {
            var s = game.NewGame();
            foreach (int a in g.Actions)
            {
                if (a == game.PassAction) Assert.True(game.PermitsInSelfPlay(s, a), $"game {g.Id} passed at move {s.MoveNumber} on an unsettled board");
                s = s.Play(a);
            }
            Assert.True(s.IsTerminal || g.ResignedPlayer is not null, $"game {g.Id} stopped before its end without a resignation");
        }
        Assert.True(games.Average(g => g.Length) > 30, $"games of {games.Average(g => g.Length):0.0} moves on average: self-play collapsed");
        // The metrics carry the game statistics the report prints.
        var publication = records.Last(r => (string?)r["kind"] == "publication");
        long played = (long)publication["games"]!, moves = (long)publication["moves"]!;
        Assert.True(played > 0 && moves > 30 * played, $"{played} games of {moves} moves in the metrics");
        Assert.InRange((long)publication["resigned"]!, 0, played);
        Assert.InRange((long)publication["passes"]!, 0, moves);

        // The published model plays Go: a match against rollout MCTS, scored by the rules.
        var match = ProcessRunner.Run(ProcessRunner.Dotnet, [TrainCommandTests.Exe, "evaluate", run, "--games", "2", "--simulations", "4", "--rollout-simulations", "4"],
            timeout: TimeSpan.FromMinutes(5), workingDirectory: _dir);
        Assert.True(match.ExitCode == 0, match.Error + match.Output);
        Assert.Contains("go9", match.Output);
        Assert.Matches(@"\| vs pure MCTS, 4 rollouts/move \| \+\d+ =\d+ -\d+", match.Output);
    }
}
