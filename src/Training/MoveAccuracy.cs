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
        => Total(Each(positions, player, cancel));

    /// <summary>The accuracy of <see cref="Each"/>'s answers: how many were optimal, of how many.</summary>
    public static AccuracyResult Total(IReadOnlyCollection<bool> correct)
    {
        ArgumentNullException.ThrowIfNull(correct);
        return new AccuracyResult(correct.Count(c => c), correct.Count);
    }

    /// <summary>As <see cref="Measure"/>, position by position: whether the player's move was optimal, in the order of
    /// <paramref name="positions"/>.</summary>
    /// <exception cref="ArgumentException">A position is terminal or has no optimal action.</exception>
    public static bool[] Each(IEnumerable<LabelledMove> positions, IPlayer player, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(player);
        var result = new List<bool>();
        foreach (var p in positions)
        {
            cancel.ThrowIfCancellationRequested();
            if (p.State.IsTerminal || p.OptimalActions.Count == 0)
                throw new ArgumentException($"labelled position {result.Count} is terminal or has no optimal action", nameof(positions));
            player.Reset(p.State);
            int action = player.ChooseAction(p.State);
            result.Add(p.OptimalActions.Contains(action));
        }
        return result.ToArray();
    }

    /// <summary>
    /// Accuracy per band of move numbers (stones on the board, for games that add one per move): bands of
    /// <paramref name="width"/> from the smallest move number in <paramref name="positions"/>, the last band widened to take
    /// a remainder narrower than half a band; bands without positions are left out. <paramref name="correct"/> is
    /// <see cref="Each"/>'s answer for the same positions.
    /// </summary>
    /// <exception cref="ArgumentException">The two lists differ in length, or <paramref name="width"/> is below 1.</exception>
    public static IReadOnlyList<(int From, int To, AccuracyResult Result)> ByMoveNumber(IReadOnlyList<LabelledMove> positions, IReadOnlyList<bool> correct, int width)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (positions.Count != correct.Count) throw new ArgumentException($"{positions.Count} positions but {correct.Count} results", nameof(correct));
        if (positions.Count == 0) return [];
        int min = positions.Min(p => p.State.MoveNumber), max = positions.Max(p => p.State.MoveNumber);
        int bands = Math.Max(1, (max - min + 1) / width);
        if ((max - min + 1) - bands * width >= (width + 1) / 2 && (max - min + 1) > width) bands++;
        var result = new List<(int, int, AccuracyResult)>();
        for (int b = 0; b < bands; b++)
        {
            int from = min + b * width, to = b == bands - 1 ? max : from + width - 1;
            int n = 0, ok = 0;
            for (int i = 0; i < positions.Count; i++)
            {
                int m = positions[i].State.MoveNumber;
                if (m < from || m > to) continue;
                n++;
                if (correct[i]) ok++;
            }
            if (n > 0) result.Add((from, to, new AccuracyResult(ok, n)));
        }
        return result;
    }
}
