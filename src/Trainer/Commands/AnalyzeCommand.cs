using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SelfPlayBN.Games;
using SelfPlayBN.Search;
using SelfPlayBN.Training;
using static TorchSharp.torch;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>analyze RUN_DIR</c>: a published model answers positions read from standard input, one per line in the game's own
/// notation (<see cref="PositionText"/>). For each it prints one line: the position, the chosen move, the value for the
/// side to move and the policy. With <c>--simulations 0</c> these are the raw network's (the move of highest prior);
/// otherwise the search's (the most visited move, the root's mean value, the visit shares). Text lines read
/// <c>POSITION move M value V policy A:P B:P …</c> (the policy over the legal moves, highest first, four decimals); with
/// <c>--json</c> each answer is one JSON object. A line that is not a position gets <c>error: line N: …</c> on standard
/// error and the others are still answered; the exit code is then 1.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(Func<TextReader> input, TextWriter output, TextWriter error)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "A run folder written by train." };
        var version = new Option<long?>("--version") { Description = "The published version to use (default: the latest)." };
        var simulations = new Option<int>("--simulations") { Description = "Search simulations per position; 0 answers with the raw network.", DefaultValueFactory = _ => 200 };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var json = new Option<bool>("--json") { Description = "Print each answer as one JSON object (position, toMove, move, value, policy, simulations)." };
        var cmd = new Command("analyze",
            "Answer positions from standard input with a run's published model: the chosen move, the value for the side to move and the policy, one line per position. " +
            "Notation: Connect Four column digits (4453), Tic-tac-toe cells (b2 a1), Go GTP moves from Black (D4 Q16 pass) or an SGF path; an empty line is the start.");
        cmd.Arguments.Add(runDir);
        foreach (var o in new Option[] { version, simulations, device, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int sims = parse.GetValue(simulations);
            if (sims < 0) throw new UserInputException($"--simulations must be ≥ 0, got {sims}");
            string deviceName = parse.GetValue(device) ?? "cpu";
            if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
            var model = RunModel.Find(parse.GetValue(runDir)!, parse.GetValue(version));
            var info = TorchCli.Initialize(parse, model.Options.Cpu.OneDnnMaxIsa);
            if (deviceName == "cuda" && !info.CudaAvailable) throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`)");
            NetworkOracle oracle;
            try { oracle = Models.InferenceOracle(model.Game, model.Options.Network, File.ReadAllBytes(model.WeightsPath), deviceName == "cuda" ? CUDA : CPU, out _); }
            catch (InvalidDataException e) { throw new UserInputException($"{model.WeightsPath}: {e.Message}"); }
            using (oracle)
                return Run(model.Game, oracle, sims, parse.GetValue(json), input(), output, error);
        });
        return cmd;
    }

    /// <summary>One answer.</summary>
    internal sealed record Answer(string Position, int ToMove, string Move, double Value, IReadOnlyList<(string Move, double Share)> Policy, int Simulations);

    /// <summary>Answers every line of <paramref name="input"/>; returns the exit code (1 if any line was not a position).</summary>
    internal static int Run(IGame game, IOracle oracle, int simulations, bool json, TextReader input, TextWriter output, TextWriter error)
    {
        var search = simulations > 0
            ? new Mcts(oracle, MctsOptions.Evaluation(simulations, sampledMoves: 0) with { ReuseTree = false, LeavesPerBatch = 8, Seed = 1 })
            : null;
        return LineAnswers.AnswerEach(input, output, error, line =>
        {
            var state = PositionText.Parse(game, line);
            if (state.IsTerminal) throw new FormatException("the game is over: there is no move to choose");
            var answer = Analyse(game, oracle, search, state, line.Trim());
            return json ? Json(answer) : Text(answer);
        }, (_, e) => e.Message);
    }

    private static Answer Analyse(IGame game, IOracle oracle, Mcts? search, IGameState state, string position)
    {
        int n = game.NumActions;
        var legal = Enumerable.Range(0, n).Where(state.IsLegal).ToArray();
        var shares = new double[n];
        double value;
        int move;
        if (search is null)
        {
            var priors = new float[n];
            var values = new float[1];
            oracle.Evaluate([state], priors, values);
            double sum = legal.Where(a => priors[a] > 0 && float.IsFinite(priors[a])).Sum(a => (double)priors[a]);
            foreach (int a in legal) shares[a] = sum > 0 ? Math.Max(0, priors[a]) / sum : 1.0 / legal.Length;
            value = values[0];
            move = legal.MaxBy(a => shares[a]);
        }
        else
        {
            search.Reset(state);
            var result = search.Search();
            int total = result.Visits.Sum();
            for (int a = 0; a < n; a++) shares[a] = total > 0 ? (double)result.Visits[a] / total : 0;
            value = result.RootValue;
            move = result.Action;
        }
        var policy = legal
            .Select(a => (Move: game.ActionToString(a), Share: shares[a], Action: a))
            .OrderByDescending(p => p.Share).ThenBy(p => p.Action)
            .Select(p => (p.Move, p.Share)).ToList();
        return new Answer(position, state.CurrentPlayer, game.ActionToString(move), value, policy, search?.Options.Simulations ?? 0);
    }

    private static string Text(Answer a) =>
        (a.Position.Length == 0 ? "start" : a.Position) +
        string.Create(CultureInfo.InvariantCulture, $" move {a.Move} value {a.Value:0.0000} policy ") +
        string.Join(' ', a.Policy.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Move}:{p.Share:0.0000}")));

    private static string Json(Answer a)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("position", a.Position);
            w.WriteNumber("toMove", a.ToMove);
            w.WriteString("move", a.Move);
            w.WriteNumber("value", Math.Round(a.Value, 6));
            w.WriteStartObject("policy");
            foreach (var (move, share) in a.Policy) w.WriteNumber(move, Math.Round(share, 6));
            w.WriteEndObject();
            w.WriteNumber("simulations", a.Simulations);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
