using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Setup;

/// <summary>The games the commands know, by the name a config or <c>--game</c> uses.</summary>
internal static class GameCatalog
{
    /// <summary>Names for messages: the fixed games and the Go sizes.</summary>
    public const string KnownNames = "connect4, tictactoe, go5..go19";

    /// <summary>The game of a run configuration (Go from its <c>go</c> section).</summary>
    public static IGame Create(RunOptions options) => Create(options.Game, options.Go);

    /// <summary>The game called <paramref name="name"/>; throws <see cref="UserInputException"/> for an unknown one.</summary>
    public static IGame Create(string name, GoOptions? go = null)
    {
        if (name == ConnectFourGame.Instance.Name) return ConnectFourGame.Instance;
        if (name == TicTacToeGame.Instance.Name) return TicTacToeGame.Instance;
        if (name.StartsWith("go", StringComparison.Ordinal) && int.TryParse(name.AsSpan(2), out int size) && size is >= GoGame.MinSize and <= GoGame.MaxSize
            && name == $"go{size}")
        {
            go ??= new GoOptions();
            var inputs = go.Inputs switch
            {
                "basic" => GoInputs.Basic,
                "alphaGoZero" => GoInputs.AlphaGoZero,
                "leelaZero" => GoInputs.LeelaZero,
                var other => throw new UserInputException($"go.inputs '{other}' is not known (known: {string.Join(", ", GoOptions.InputLayouts)})"),
            };
            var pass = go.SelfPlayPass switch
            {
                "settled" => GoSelfPlayPass.Settled,
                "free" => GoSelfPlayPass.Free,
                var other => throw new UserInputException($"go.selfPlayPass '{other}' is not known (known: {string.Join(", ", GoOptions.SelfPlayPassRules)})"),
            };
            return new GoGame(size, go.Komi, go.AllowSuicide, inputs, pass);
        }
        throw new UserInputException($"game '{name}' is not known (known: {KnownNames})");
    }

    private static readonly Lazy<LabelledMove[]> ConnectFourLabelled =
        new(() => ConnectFourLabelledPositions.Load().Select(p => new LabelledMove(p.State, p.OptimalColumns)).ToArray());

    /// <summary>What <paramref name="game"/> adds to an evaluation: Tic-tac-toe its perfect player (choosing at random
    /// among optimal moves), Connect Four the solver-labelled positions shipped with it; Go nothing.</summary>
    public static EvaluationExtras EvaluationExtrasOf(IGame game) => game switch
    {
        TicTacToeGame => new EvaluationExtras
        {
            PerfectPlayer = seed =>
            {
                var rng = new Random(seed);
                return new FunctionPlayer(s => TicTacToePerfectPlayer.Instance.ChooseAction((TicTacToeState)s, rng));
            },
        },
        ConnectFourGame => new EvaluationExtras { LabelledPositions = n => ConnectFourLabelled.Value.Take(n).ToArray() },
        _ => EvaluationExtras.None,
    };
}
