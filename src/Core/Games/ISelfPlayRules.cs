namespace SelfPlayBN.Games;

/// <summary>
/// Optional part of a game: rules that hold in self-play only (not in matches, evaluation or analysis), and the pass
/// move its self-play statistics count. Self-play keeps the actions <see cref="PermitsInSelfPlay"/> rejects out of
/// its search (<c>Mcts.ActionFilter</c>), at the root and below.
/// </summary>
public interface ISelfPlayRules
{
    /// <summary>The game's pass action, or −1 for a game without one.</summary>
    int PassAction { get; }

    /// <summary>Whether self-play may play <paramref name="action"/> (legal in <paramref name="state"/>) there.</summary>
    bool PermitsInSelfPlay(IGameState state, int action);
}
