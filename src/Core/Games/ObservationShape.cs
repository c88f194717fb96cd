namespace SelfPlayBN.Games;

/// <summary>Shape of an observation tensor: <c>Planes × Height × Width</c>, row-major, plane first.</summary>
/// <param name="Planes">Number of feature planes.</param>
/// <param name="Height">Board rows.</param>
/// <param name="Width">Board columns.</param>
public readonly record struct ObservationShape(int Planes, int Height, int Width)
{
    /// <summary>Number of floats in one observation.</summary>
    public int Size => Planes * Height * Width;

    /// <summary>Number of cells in one plane.</summary>
    public int Cells => Height * Width;
}
