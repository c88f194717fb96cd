namespace SelfPlayBN.Games;

// The game contract: a game creates its states and each state names its game, so the two interfaces share this file.

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
