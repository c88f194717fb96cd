namespace SelfPlayBN.Games;

/// <summary>
/// A symmetry of a board game: a permutation of the actions together with a permutation of the board
/// cells that transforms observations the same way. Both arrays are owned by the symmetry and never change.
/// </summary>
/// <remarks>
/// <c>ActionMap[a]</c> is the image of action <c>a</c>. <c>CellMap[c]</c> is the image of cell
/// <c>c = row·Width + column</c>: the transformed observation has, in every plane, the value of source
/// cell <c>c</c> at cell <c>CellMap[c]</c>.
/// </remarks>
public sealed class Symmetry
{
    private readonly int[] _actionMap;
    private readonly int[] _cellMap;

    /// <summary>Creates a symmetry after checking that both maps are permutations.</summary>
    public Symmetry(string name, int[] actionMap, int[] cellMap)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckPermutation(actionMap, nameof(actionMap));
        CheckPermutation(cellMap, nameof(cellMap));
        Name = name;
        _actionMap = (int[])actionMap.Clone();
        _cellMap = (int[])cellMap.Clone();
    }

    /// <summary>Human-readable name, e.g. <c>identity</c>, <c>rot90</c>, <c>mirror</c>.</summary>
    public string Name { get; }

    /// <summary>The image of each action.</summary>
    public ReadOnlySpan<int> ActionMap => _actionMap;

    /// <summary>The image of each board cell.</summary>
    public ReadOnlySpan<int> CellMap => _cellMap;

    /// <summary>The image of one action.</summary>
    public int MapAction(int action) => _actionMap[action];

    /// <summary>
    /// Writes the transformed observation: for every plane p and cell c,
    /// <c>destination[p·cells + CellMap[c]] = source[p·cells + c]</c>.
    /// </summary>
    public void TransformObservation(ReadOnlySpan<float> source, Span<float> destination, ObservationShape shape)
    {
        int cells = shape.Cells;
        if (cells != _cellMap.Length)
            throw new ArgumentException($"shape has {cells} cells but symmetry '{Name}' maps {_cellMap.Length}");
        if (source.Length != shape.Size || destination.Length != shape.Size)
            throw new ArgumentException($"observation buffers must have {shape.Size} elements");
        if (source.Overlaps(destination))
            throw new ArgumentException("source and destination must not overlap");
        for (int p = 0; p < shape.Planes; p++)
        {
            var src = source.Slice(p * cells, cells);
            var dst = destination.Slice(p * cells, cells);
            for (int c = 0; c < cells; c++) dst[_cellMap[c]] = src[c];
        }
    }

    /// <summary>Permutes a per-action vector (e.g. a policy or a mask): <c>destination[ActionMap[a]] = source[a]</c>.</summary>
    public void TransformPolicy<T>(ReadOnlySpan<T> source, Span<T> destination)
    {
        if (source.Length != _actionMap.Length || destination.Length != _actionMap.Length)
            throw new ArgumentException($"per-action vectors must have {_actionMap.Length} elements");
        for (int a = 0; a < _actionMap.Length; a++) destination[_actionMap[a]] = source[a];
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static void CheckPermutation(int[] map, string what)
    {
        ArgumentNullException.ThrowIfNull(map, what);
        var seen = new bool[map.Length];
        foreach (int v in map)
        {
            if ((uint)v >= (uint)map.Length || seen[v])
                throw new ArgumentException($"{what} is not a permutation of 0..{map.Length - 1}", what);
            seen[v] = true;
        }
    }
}
