using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.TicTacToe;

namespace SelfPlayBN.Training.Tests;

/// <summary>Game records and temporary folders for the tests.</summary>
internal static class TestGames
{
    public static IGame TicTacToe => TicTacToeGame.Instance;

    public static IGame ConnectFour => ConnectFourGame.Instance;

    public static IGame ByName(string name) => name == TicTacToe.Name ? TicTacToe : name == ConnectFour.Name ? ConnectFour : throw new ArgumentException(name);

    /// <summary>A legal Tic-tac-toe game of uniformly random moves, with the uniform distribution over the legal
    /// actions as each move's policy.</summary>
    public static GameRecord RandomRecord(Random rng, long version = 0, IGame? game = null)
    {
        game ??= TicTacToe;
        var state = game.NewInitialState();
        var actions = new List<int>();
        var policies = new List<float[]>();
        var legal = new int[game.NumActions];
        while (!state.IsTerminal)
        {
            int n = state.GetLegalActions(legal);
            var policy = new float[game.NumActions];
            for (int k = 0; k < n; k++) policy[legal[k]] = 1f / n;
            int a = legal[rng.Next(n)];
            actions.Add(a);
            policies.Add(policy);
            state = state.Apply(a);
        }
        var returns = Enumerable.Range(0, game.NumPlayers).Select(state.Returns).ToArray();
        return new GameRecord(Guid.NewGuid(), game.Name, version, actions.ToArray(), policies.ToArray(), returns, version);
    }

    /// <summary>A game X (player 0) wins on the top row: cells 0, 3, 1, 4, 2; policies are arbitrary distributions.</summary>
    public static GameRecord XWinsTopRow()
    {
        int[] actions = [0, 3, 1, 4, 2];
        var policies = actions.Select((a, i) =>
        {
            var p = new float[9];
            p[a] = 0.5f;
            p[(a + 5 + i) % 9] += 0.3f;
            p[(a + 7) % 9] += 0.2f;
            return p;
        }).ToArray();
        return new GameRecord(Guid.NewGuid(), TicTacToe.Name, 0, actions, policies, [1.0, -1.0], 0);
    }

    /// <summary>A distinct integer key of a state (its board in base 3, and the player to move).</summary>
    public static int Key(IGameState state)
    {
        var shape = state.Game.ObservationShape;
        Span<float> obs = stackalloc float[shape.Size];
        state.WriteObservation(obs);
        int key = 0;
        for (int c = 0; c < shape.Cells; c++) key = key * 3 + (obs[c] != 0 ? 1 : obs[shape.Cells + c] != 0 ? 2 : 0);
        return key * 2 + state.CurrentPlayer;
    }

    /// <summary>Every non-terminal state reached by some random games (distinct objects).</summary>
    public static List<IGameState> SomeStates(int seed, int count, IGame? game = null)
    {
        game ??= TicTacToe;
        var rng = new Random(seed);
        var result = new List<IGameState>();
        var legal = new int[game.NumActions];
        while (result.Count < count)
        {
            var s = game.NewInitialState();
            while (!s.IsTerminal && result.Count < count)
            {
                result.Add(s);
                int n = s.GetLegalActions(legal);
                s = s.Apply(legal[rng.Next(n)]);
            }
        }
        return result;
    }
}

/// <summary>A fresh temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "selfplaybn-training-" + Guid.NewGuid().ToString("N"));

    public string[] FileNames() => Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
