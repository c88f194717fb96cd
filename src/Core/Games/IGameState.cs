namespace SelfPlayBN.Games;

/// <summary>
/// One position of a game. States are immutable: <see cref="Apply"/> returns a new state and leaves this
/// one unchanged, so a state may be shared between threads and stored in search trees.
/// </summary>
/// <remarks>
/// Perspective: <see cref="CurrentPlayer"/> is the player to move (for a terminal state, the player who
/// would move next). Observations are written from the current player's point of view. Returns are
/// per player, from that player's point of view: +1 win, 0 draw, −1 loss.
/// </remarks>
public interface IGameState
{
    /// <summary>The game this state belongs to.</summary>
    IGame Game { get; }

    /// <summary>The player to move, in <c>[0, Game.NumPlayers)</c>; also defined for terminal states.</summary>
    int CurrentPlayer { get; }

    /// <summary>Number of actions applied since the initial state.</summary>
    int MoveNumber { get; }

    /// <summary>True when the game is over. A terminal state has no legal action.</summary>
    bool IsTerminal { get; }

    /// <summary>Whether <paramref name="action"/> is legal here. False for out-of-range actions and at terminal states.</summary>
    bool IsLegal(int action);

    /// <summary>
    /// Writes the legal-action mask into <paramref name="mask"/> (length <c>Game.NumActions</c>):
    /// <c>mask[a] == IsLegal(a)</c> for every action. All false at terminal states.
    /// </summary>
    void GetLegalMask(Span<bool> mask);

    /// <summary>Writes the legal actions in ascending order into <paramref name="actions"/> and returns how many.</summary>
    int GetLegalActions(Span<int> actions);

    /// <summary>The state after <paramref name="action"/>. Throws <see cref="ArgumentException"/> for an illegal action.</summary>
    IGameState Apply(int action);

    /// <summary>
    /// The outcome for <paramref name="player"/> from that player's point of view: +1 win, 0 draw, −1 loss.
    /// Zero for non-terminal states.
    /// </summary>
    double Returns(int player);

    /// <summary>
    /// Writes the observation from the current player's point of view into <paramref name="buffer"/>,
    /// which has length <c>Game.ObservationShape.Size</c> (planes first, then rows, then columns).
    /// Every element is written.
    /// </summary>
    void WriteObservation(Span<float> buffer);

    /// <summary>A multi-line text rendering of the board, for people.</summary>
    string Render();
}
