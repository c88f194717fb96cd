namespace SelfPlayBN.Games;

/// <summary>Builds the symmetries of rectangular boards whose actions are the board cells (plus optional extras).</summary>
public static class BoardSymmetries
{
    /// <summary>
    /// The 8 symmetries of a square board of side <paramref name="size"/> (the dihedral group D4), identity
    /// first. Cell actions are <c>row·size + column</c>; actions from <c>size²</c> up to
    /// <paramref name="numActions"/> (e.g. pass) map to themselves.
    /// </summary>
    public static IReadOnlyList<Symmetry> Dihedral(int size, int numActions)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size));
        if (numActions < size * size) throw new ArgumentOutOfRangeException(nameof(numActions));
        var names = new[] { "identity", "rot90", "rot180", "rot270", "flip", "flip-rot90", "flip-rot180", "flip-rot270" };
        var result = new List<Symmetry>(8);
        for (int k = 0; k < 8; k++)
        {
            var cells = new int[size * size];
            for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                var (r2, c2) = k >= 4 ? (r, size - 1 - c) : (r, c); // flip columns first
                for (int t = 0; t < k % 4; t++) (r2, c2) = (c2, size - 1 - r2); // rotate 90° clockwise
                cells[r * size + c] = r2 * size + c2;
            }
            var actions = new int[numActions];
            for (int a = 0; a < numActions; a++) actions[a] = a < cells.Length ? cells[a] : a;
            result.Add(new Symmetry(names[k], actions, cells));
        }
        return result;
    }
}
