using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Search;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>demo</c>: plays one demonstration game between two tree searches and prints it move by move: player 0 (X) searches
/// with the random-rollout oracle, player 1 (O) with the uniform oracle (no value at all, only exact
/// game ends) and four times the simulations, since each of its simulations is far cheaper.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The games the demonstration knows, by <see cref="IGame.Name"/>.</summary>
    internal static readonly IReadOnlyList<IGame> Games = [ConnectFourGame.Instance, TicTacToeGame.Instance];

    /// <summary>How many more simulations the uniform-oracle side gets.</summary>
    internal const int UniformSimulationFactor = 4;

    public static Command Create(TextWriter output)
    {
        var game = new Option<string>("--game")
        {
            Description = $"Game of the demonstration: {string.Join(" or ", Games.Select(g => g.Name))}.",
            DefaultValueFactory = _ => ConnectFourGame.Instance.Name,
        };
        var simulations = new Option<int>("--simulations")
        {
            Description = $"Simulations per move of the rollout side (the uniform side gets {UniformSimulationFactor}x).",
            DefaultValueFactory = _ => 2000,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of both searches and of the rollouts.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("demo",
            "Play and print a demonstration game without a network: MCTS with random rollouts (X) against MCTS with a uniform oracle (O).");
        cmd.Options.Add(game);
        cmd.Options.Add(simulations);
        cmd.Options.Add(seed);
        cmd.SetAction(parse =>
        {
            string name = parse.GetValue(game) ?? "";
            var chosen = Games.FirstOrDefault(g => g.Name == name)
                ?? throw new UserInputException($"unknown game '{name}' (known: {string.Join(", ", Games.Select(g => g.Name))})");
            int sims = parse.GetValue(simulations);
            if (sims < 1) throw new UserInputException($"--simulations must be at least 1 (got {sims})");
            PlayDemonstration(chosen, sims, parse.GetValue(seed), output);
            return 0;
        });
        return cmd;
    }

    /// <summary>Plays one game between the rollout side (player 0) and the uniform side (player 1) and prints it.</summary>
    internal static void PlayDemonstration(IGame game, int simulations, int seed, TextWriter output)
    {
        // The evaluation preset: the first two moves sampled so that seeds give different games; then the most visited move.
        var sides = new[]
        {
            new Side("X", $"rollout oracle, {simulations} simulations/move",
                new Mcts(new RolloutOracle(seed), MctsOptions.Evaluation(simulations) with { Seed = seed })),
            new Side("O", $"uniform oracle, {UniformSimulationFactor * simulations} simulations/move",
                new Mcts(UniformOracle.Instance, MctsOptions.Evaluation(UniformSimulationFactor * simulations) with { Seed = seed + 1 })),
        };
        output.WriteLine("A demonstration game of MCTS against MCTS (no network):");
        output.WriteLine($"  game {game.Name}, seed {seed}");
        foreach (var side in sides) output.WriteLine($"  {side.Mark} = {side.Description}");
        output.WriteLine("  value = the mover's search estimate of its result (+1 win, -1 loss); share = visits of the move played.");
        output.WriteLine();

        var state = game.NewInitialState();
        output.Write(state.Render());
        foreach (var side in sides) side.Search.Reset(state);
        var clock = Stopwatch.StartNew();
        while (!state.IsTerminal)
        {
            var mover = sides[state.CurrentPlayer];
            var result = mover.Search.Search();
            int action = result.Action;
            string pv = string.Join(' ', result.PrincipalVariation.Take(6).Select(game.ActionToString));
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"move {state.MoveNumber + 1}: {mover.Mark} plays {game.ActionToString(action)}   value {SignedValue(result.RootValue)}   share {100 * result.VisitShare(action),3:F0}%   pv {pv}"));
            state = state.Apply(action);
            foreach (var side in sides) side.Search.AdvanceTo(action);
            output.Write(state.Render());
        }
        output.WriteLine();
        double first = state.Returns(0);
        string outcome = first == 0 ? "draw" : $"{sides[first > 0 ? 0 : 1].Mark} ({sides[first > 0 ? 0 : 1].Description}) wins";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result: {outcome} after {state.MoveNumber} moves ({clock.Elapsed.TotalSeconds:F1} s)"));
    }

    private sealed record Side(string Mark, string Description, Mcts Search);

    /// <summary>A value with its sign and two decimals; values that round to zero print as 0.00.</summary>
    private static string SignedValue(double v) =>
        (Math.Round(v, 2) + 0.0).ToString("+0.00;-0.00;0.00", System.Globalization.CultureInfo.InvariantCulture);
}
