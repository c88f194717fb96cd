using SelfPlayBN.Games;

namespace SelfPlayBN.Training;

/// <summary>A position with its optimal actions, known from a perfect solver (those whose game-theoretic result for
/// the player to move is the best available).</summary>
/// <param name="State">The position (not terminal).</param>
/// <param name="OptimalActions">The optimal actions (at least one, all legal).</param>
public sealed record LabelledMove(IGameState State, IReadOnlyList<int> OptimalActions);

/// <summary>How often a player chose an optimal move on a labelled set.</summary>
/// <param name="Correct">Positions where the chosen action is among the optimal ones.</param>
/// <param name="Positions">Positions measured.</param>
public sealed record AccuracyResult(int Correct, int Positions)
{
    /// <summary>Correct / positions (0 for an empty set).</summary>
    public double Accuracy => Positions == 0 ? 0 : (double)Correct / Positions;
}

/// <summary>Move accuracy against a perfect solver: the share of labelled positions where a player's move is optimal.</summary>
public static class MoveAccuracy
{
    /// <summary>
    /// Asks <paramref name="player"/> for a move in each position (after <see cref="IPlayer.Reset"/> there, so a
    /// search starts a fresh tree) and counts the optimal ones.
    /// </summary>
    /// <exception cref="ArgumentException">A position is terminal or has no optimal action.</exception>
    public static AccuracyResult Measure(IEnumerable<LabelledMove> positions, IPlayer player, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(player);
        int correct = 0, total = 0;
        foreach (var p in positions)
        {
            cancel.ThrowIfCancellationRequested();
            if (p.State.IsTerminal || p.OptimalActions.Count == 0)
                throw new ArgumentException($"labelled position {total} is terminal or has no optimal action", nameof(positions));
            player.Reset(p.State);
            int action = player.ChooseAction(p.State);
            if (p.OptimalActions.Contains(action)) correct++;
            total++;
        }
        return new AccuracyResult(correct, total);
    }
}
