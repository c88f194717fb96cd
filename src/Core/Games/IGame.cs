namespace SelfPlayBN.Games;

/// <summary>
/// The static description of a game: its players, its fixed action space, the shape of its
/// observations and its symmetries. A game object is immutable and thread-safe; it creates states.
/// </summary>
/// <remarks>
/// Invariants every implementation keeps (checked by the shared conformance suite):
/// <list type="bullet">
/// <item>Actions are integers in <c>[0, NumActions)</c>; the same number means the same move in every state.</item>
/// <item><c>ParseAction(ActionToString(a)) == a</c> for every action.</item>
/// <item><c>Symmetries[0]</c> is the identity.</item>
/// <item>Playing the same actions from <see cref="NewInitialState"/> always gives equal states.</item>
/// </list>
/// </remarks>
public interface IGame
{
    /// <summary>Short lower-case identifier, e.g. <c>tictactoe</c> or <c>connect4</c>.</summary>
    string Name { get; }

    /// <summary>Number of players; players are numbered 0 (first to move) to <c>NumPlayers-1</c>.</summary>
    int NumPlayers { get; }

    /// <summary>Size of the fixed action space. Legal-action masks have exactly this length.</summary>
    int NumActions { get; }

    /// <summary>An upper bound on the number of actions in one game.</summary>
    int MaxGameLength { get; }

    /// <summary>Shape of the tensor written by <see cref="IGameState.WriteObservation"/>.</summary>
    ObservationShape ObservationShape { get; }

    /// <summary>
    /// The symmetries of the game (identity first). For a state reached by actions a1..an and a symmetry g,
    /// the state reached by g(a1)..g(an) has observation <c>g.TransformObservation(obs)</c> and legal mask
    /// permuted by <c>g.ActionMap</c>.
    /// </summary>
    IReadOnlyList<Symmetry> Symmetries { get; }

    /// <summary>The position before the first move. Player 0 is to move.</summary>
    IGameState NewInitialState();

    /// <summary>Text of an action, independent of the state (e.g. <c>b2</c> or <c>4</c>).</summary>
    string ActionToString(int action);

    /// <summary>Parses the text written by <see cref="ActionToString"/>; false for anything else.</summary>
    bool TryParseAction(string text, out int action);
}

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
