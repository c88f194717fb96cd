using SelfPlayBN.Games;
using SelfPlayBN.Games.TicTacToe;

namespace SelfPlayBN.Search.Tests;

/// <summary>Wraps an oracle and records every batch it is asked, checking the oracle contract on the way.</summary>
internal sealed class RecordingOracle(IOracle inner) : IOracle
{
    public List<IGameState[]> Batches { get; } = [];

    public int StatesEvaluated => Batches.Sum(b => b.Length);

    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        Assert.True(states.Length > 0, "empty batch");
        foreach (var s in states) Assert.False(s.IsTerminal, "the oracle was asked about a terminal state");
        Batches.Add(states.ToArray());
        inner.Evaluate(states, priors, values);
    }
}

/// <summary>Priors proportional to <c>action + 1</c> (not normalised, and garbage at illegal actions), value 0.</summary>
internal sealed class SlopedOracle : IOracle
{
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            int n = states[i].Game.NumActions;
            for (int a = 0; a < n; a++) priors[i * n + a] = states[i].IsLegal(a) ? a + 1 : 1000f;
            values[i] = 0;
        }
    }

    /// <summary>The prior the search must derive at <paramref name="state"/> for <paramref name="action"/>.</summary>
    public static float Expected(IGameState state, int action)
    {
        float sum = 0;
        for (int a = 0; a < state.Game.NumActions; a++) if (state.IsLegal(a)) sum += a + 1;
        return (action + 1) / sum;
    }
}

internal static class Ttt
{
    public static TicTacToeGame Game => TicTacToeGame.Instance;

    /// <summary>The position after the given moves (e.g. <c>"b2", "a1"</c>), X first.</summary>
    public static IGameState Play(params string[] moves)
    {
        var s = Game.NewInitialState();
        foreach (var m in moves) s = s.Apply(Action(m));
        return s;
    }

    public static int Action(string text)
    {
        Assert.True(Game.TryParseAction(text, out int a), $"bad move '{text}'");
        return a;
    }

    /// <summary>Exact negamax value for the player to move (+1 win, 0 draw, −1 loss).</summary>
    public static int Solve(IGameState s)
    {
        if (s.IsTerminal) return (int)s.Returns(s.CurrentPlayer);
        int best = -2;
        for (int a = 0; a < 9; a++)
            if (s.IsLegal(a))
            {
                var next = s.Apply(a);
                int v = next.CurrentPlayer == s.CurrentPlayer ? Solve(next) : -Solve(next);
                best = Math.Max(best, v);
            }
        return best;
    }

    /// <summary>The moves that keep the solved value of <paramref name="s"/>.</summary>
    public static HashSet<int> OptimalMoves(IGameState s)
    {
        int value = Solve(s);
        var moves = new HashSet<int>();
        for (int a = 0; a < 9; a++)
            if (s.IsLegal(a) && -Solve(s.Apply(a)) == value) moves.Add(a);
        return moves;
    }
}

internal static class TreeChecks
{
    /// <summary>Visits every node of the tree, depth first.</summary>
    public static IEnumerable<Mcts.TreeNode> AllNodes(Mcts.TreeNode root)
    {
        var stack = new Stack<Mcts.TreeNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            foreach (var c in n.Children) stack.Push(c);
        }
    }

    /// <summary>
    /// The structural identities of the tree: expanded ⇒ visits = 1 + Σ child visits, children in ascending
    /// legal-action order, priors summing to 1; a node with a state has visits; terminal ⇒ not expanded.
    /// </summary>
    public static void AssertConsistent(Mcts mcts)
    {
        foreach (var n in AllNodes(mcts.Root))
        {
            if (n.IsExpanded)
            {
                Assert.False(n.IsTerminal);
                Assert.Equal(n.Visits - 1, n.Children.Sum(c => c.Visits));
                var legal = new int[n.State!.Game.NumActions];
                int count = n.State.GetLegalActions(legal);
                Assert.Equal(legal[..count], n.Children.Select(c => c.Action).ToArray());
                Assert.Equal(1.0, n.Children.Sum(c => (double)c.Prior), 4);
                foreach (var c in n.Children) Assert.Equal(n.State.CurrentPlayer, c.Mover);
            }
            if (n.State is not null) Assert.True(n.Visits > 0, "a reached node has no visit");
            else Assert.Equal(0, n.Visits);
            Assert.InRange(n.MeanValue, -1, 1);
            Assert.Equal(0, n.PendingEvaluations);
        }
    }
}
