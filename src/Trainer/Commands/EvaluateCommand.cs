using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>evaluate RUN_DIR</c>: measures a published model of a run (the latest by default) outside the pipeline —
/// a match of the network with search against pure MCTS with random rollouts (colours alternating), against the game's
/// perfect player where it has one (Tic-tac-toe), and the move accuracy of the raw network and of the network with
/// search on the game's solver-labelled positions where it has them (Connect Four; <see cref="GameCatalog.EvaluationExtrasOf"/>). Prints a Markdown table for <c>docs/results.md</c>.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "A run folder written by train." };
        var version = new Option<long?>("--version") { Description = "The published version to evaluate (default: the latest)." };
        var games = new Option<int>("--games") { Description = "Games per match (even: colours alternate; 0: no matches, move accuracy only).", DefaultValueFactory = _ => 100 };
        var simulations = new Option<int>("--simulations") { Description = "Search simulations per move of the network side.", DefaultValueFactory = _ => 200 };
        var rollouts = new Option<int>("--rollout-simulations") { Description = "Simulations per move of the pure-MCTS opponent (random rollouts).", DefaultValueFactory = _ => 1000 };
        var opening = new Option<int>("--opening-moves") { Description = "Opening moves (plies) of each match game that the network side samples in proportion to visits; 0: always the most visited move.", DefaultValueFactory = _ => 2 };
        var positions = new Option<int>("--accuracy-positions") { Description = "Connect Four: labelled positions for move accuracy.", DefaultValueFactory = _ => 500 };
        var cmd = new Command("evaluate", "Evaluate a run's published model: matches against pure MCTS (and the perfect Tic-tac-toe player), move accuracy against the Connect Four solver.");
        cmd.Arguments.Add(runDir);
        foreach (var o in new Option[] { version, games, simulations, rollouts, opening, positions }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int g = parse.GetValue(games), sims = parse.GetValue(simulations), roll = parse.GetValue(rollouts), acc = parse.GetValue(positions);
            if (g < 0 || g % 2 != 0) throw new UserInputException($"--games must be an even number ≥ 0 (0: no matches), got {g}");
            if (sims < 1 || roll < 1) throw new UserInputException("--simulations and --rollout-simulations must be at least 1");
            if (acc < 0) throw new UserInputException($"--accuracy-positions must be ≥ 0, got {acc}");
            int open = parse.GetValue(opening);
            if (open < 0) throw new UserInputException($"--opening-moves must be ≥ 0, got {open}");
            Evaluate(output, parse, parse.GetValue(runDir)!, parse.GetValue(version), g, sims, roll, open, acc);
            return 0;
        });
        return cmd;
    }

    private static void Evaluate(TextWriter output, ParseResult parse, DirectoryInfo dir, long? version, int games, int simulations, int rolloutSimulations, int openingMoves, int accuracyPositions)
    {
        var (folder, options, game, v, weightsPath) = RunModel.Find(dir, version);
        var extras = GameCatalog.EvaluationExtrasOf(game);

        var info = TorchCli.Initialize(parse, options.Cpu.OneDnnMaxIsa);
        NetworkOracle oracle;
        try { oracle = Models.InferenceOracle(game, options.Network, File.ReadAllBytes(weightsPath), CPU, out _); }
        catch (InvalidDataException e) { throw new UserInputException($"{weightsPath}: {e.Message}"); }
        using var network = oracle; // freed when the command ends
        var search = MctsOptions.Evaluation(simulations, openingMoves) with { LeavesPerBatch = 8 };
        var rolloutSearch = MctsOptions.Evaluation(rolloutSimulations);
        IPlayer Candidate(int g) => new MctsPlayer(new Mcts(oracle, search with { Seed = 2 * g }));

        var rows = new List<string>();
        string Row(string what, string value, string note) => $"| {what} | {value} | {note} |";
        var clock = Stopwatch.StartNew();
        if (games > 0)
        {
            var mcts = Arena.Play(game, Candidate, g => new MctsPlayer(new Mcts(new RolloutOracle(10_000 + g), rolloutSearch with { Seed = 2 * g + 1 })), games);
            rows.Add(Row($"vs pure MCTS, {rolloutSimulations} rollouts/move", Score(mcts), $"{clock.Elapsed.TotalSeconds:0} s"));
        }
        if (extras.PerfectPlayer is { } perfectPlayer && games > 0)
        {
            clock.Restart();
            var perfect = Arena.Play(game, Candidate, g => perfectPlayer(20_000 + g), games);
            rows.Add(Row("vs the perfect player", Score(perfect), $"losses moving first {perfect.LossesMovingFirst}, second {perfect.LossesMovingSecond}"));
        }
        if (extras.LabelledPositions is { } labelled && accuracyPositions > 0)
        {
            var set = labelled(accuracyPositions);
            var rawEach = MoveAccuracy.Each(set, new PolicyPlayer(oracle));
            var searchedEach = MoveAccuracy.Each(set, new MctsPlayer(new Mcts(oracle, search with { TemperatureMoves = 0 })));
            var raw = MoveAccuracy.Total(rawEach);
            var searched = MoveAccuracy.Total(searchedEach);
            rows.Add(Row($"move accuracy, raw network ({set.Count} positions)", Percent(raw), $"{raw.Correct}/{raw.Positions}"));
            rows.Add(Row($"move accuracy, network + {simulations} simulations", Percent(searched), $"{searched.Correct}/{searched.Positions}"));
            // By stones on the board: the early middle game is where learning must show (search alone solves late positions).
            var rawBands = MoveAccuracy.ByMoveNumber(set, rawEach, StoneBand);
            var searchedBands = MoveAccuracy.ByMoveNumber(set, searchedEach, StoneBand);
            for (int b = 0; b < rawBands.Count; b++)
                rows.Add(Row($"move accuracy, {rawBands[b].From}–{rawBands[b].To} stones ({rawBands[b].Result.Positions} positions)",
                    $"raw {Percent(rawBands[b].Result)}, search {Percent(searchedBands[b].Result)}", $"{rawBands[b].Result.Correct}, {searchedBands[b].Result.Correct}"));
        }
        output.WriteLine($"Model {v} of {folder.Root} ({game.Name}, {options.Network.Blocks}x{options.Network.Filters}, {Normalization(options)}), " +
                         $"network side: {simulations} simulations/move, {openingMoves} opening moves sampled; {games} games per match, colours alternating; {info.Backend} backend, {Environment.ProcessorCount} cores; " +
                         $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        output.WriteLine();
        output.WriteLine("| measure | result | note |");
        output.WriteLine("|---|---|---|");
        foreach (var r in rows) output.WriteLine(r);
    }

    /// <summary>Stones per band of the accuracy rows by stone count.</summary>
    private const int StoneBand = 4;

    private static string Percent(AccuracyResult r) => r.Accuracy.ToString("P1", CultureInfo.InvariantCulture);

    private static string Score(MatchResult r)
    {
        var (lo, hi) = r.EloInterval;
        return string.Create(CultureInfo.InvariantCulture,
            $"+{r.Wins} ={r.Draws} -{r.Losses}, score {r.Score:P0} (95%: Elo {r.Elo:+0;-0} [{lo:+0;-0}, {hi:+0;-0}])");
    }

    /// <summary>The network's normalization as the report's header names it.</summary>
    private static string Normalization(RunOptions options) => options.Network.HasBatchNorm
        ? $"{options.Bn.Inference.ToString().ToLowerInvariant()} BN statistics"
        : $"{options.Network.Normalization.ToString().ToLowerInvariant()} normalization, no BN statistics";
}
