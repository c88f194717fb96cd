using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>Result of a match, from the first player's point of view.</summary>
/// <param name="Wins">Games the first player won.</param>
/// <param name="Draws">Drawn games.</param>
/// <param name="Losses">Games the first player lost.</param>
public sealed record MatchResult(int Wins, int Draws, int Losses)
{
    /// <summary>Of <see cref="Losses"/>, the games lost moving first (as player 0).</summary>
    public int LossesMovingFirst { get; init; }

    /// <summary>Of <see cref="Losses"/>, the games lost moving second (as player 1).</summary>
    public int LossesMovingSecond { get; init; }

    /// <summary>Games played.</summary>
    public int Games => Wins + Draws + Losses;

    /// <summary>(wins + draws/2) / games.</summary>
    public double Score => Games == 0 ? 0.5 : (Wins + 0.5 * Draws) / Games;

    /// <summary>The Elo difference the score implies (clamped to ±800 for a perfect or a null score).</summary>
    public double Elo => Arena.EloFromScore(Score);

    /// <summary>A 95% interval of the Elo difference (normal approximation of the score's standard error, with
    /// draws counted as half points).</summary>
    public (double Low, double High) EloInterval
    {
        get
        {
            if (Games == 0) return (-800, 800);
            double s = Score;
            double variance = (Wins * Math.Pow(1 - s, 2) + Draws * Math.Pow(0.5 - s, 2) + Losses * Math.Pow(s, 2)) / Games;
            double se = Math.Sqrt(variance / Games);
            return (Arena.EloFromScore(s - 1.96 * se), Arena.EloFromScore(s + 1.96 * se));
        }
    }
}

/// <summary>
/// A player in a match: chooses a move in a position and hears of every move played (its own and the opponent's), so
/// a search can keep its tree. One instance plays one game at a time; not thread-safe.
/// </summary>
public interface IPlayer
{
    /// <summary>A new game starts at <paramref name="state"/>.</summary>
    void Reset(IGameState state);

    /// <summary>The legal action this player plays in <paramref name="state"/> (the position after every move
    /// announced with <see cref="Observe"/>; never terminal).</summary>
    int ChooseAction(IGameState state);

    /// <summary><paramref name="action"/> was played (by either side) in the current position.</summary>
    void Observe(int action);
}

/// <summary>A player that searches with <see cref="Mcts"/> (its options decide noise, temperature and tree reuse).</summary>
/// <param name="search">The search; <see cref="IPlayer.Reset"/> resets it.</param>
public sealed class MctsPlayer(Mcts search) : IPlayer
{
    /// <summary>The search.</summary>
    public Mcts Search { get; } = search ?? throw new ArgumentNullException(nameof(search));

    /// <inheritdoc />
    public void Reset(IGameState state) => Search.Reset(state);

    /// <inheritdoc />
    public int ChooseAction(IGameState state) => Search.Search().Action;

    /// <inheritdoc />
    public void Observe(int action) => Search.AdvanceTo(action);
}

/// <summary>A player that picks uniformly among the legal moves, deterministically in its seed.</summary>
/// <param name="seed">Seed of the player's generator.</param>
public sealed class RandomPlayer(int seed) : IPlayer
{
    private readonly Random _rng = new(seed);

    /// <inheritdoc />
    public void Reset(IGameState state) { }

    /// <inheritdoc />
    public int ChooseAction(IGameState state)
    {
        Span<int> legal = stackalloc int[state.Game.NumActions];
        int n = state.GetLegalActions(legal);
        return legal[_rng.Next(n)];
    }

    /// <inheritdoc />
    public void Observe(int action) { }
}

/// <summary>A memoryless player given by a function of the position (e.g. a perfect player, or a raw network).</summary>
/// <param name="choose">The action to play in a position (legal, the position never terminal).</param>
public sealed class FunctionPlayer(Func<IGameState, int> choose) : IPlayer
{
    private readonly Func<IGameState, int> _choose = choose ?? throw new ArgumentNullException(nameof(choose));

    /// <inheritdoc />
    public void Reset(IGameState state) { }

    /// <inheritdoc />
    public int ChooseAction(IGameState state) => _choose(state);

    /// <inheritdoc />
    public void Observe(int action) { }
}

/// <summary>
/// A player that plays the legal action with the largest prior of an oracle (the raw network, no search; lowest action
/// on ties).
/// </summary>
/// <param name="oracle">The oracle (a network).</param>
public sealed class PolicyPlayer(IOracle oracle) : IPlayer
{
    private readonly IOracle _oracle = oracle ?? throw new ArgumentNullException(nameof(oracle));

    /// <inheritdoc />
    public void Reset(IGameState state) { }

    /// <inheritdoc />
    public int ChooseAction(IGameState state)
    {
        int n = state.Game.NumActions;
        var priors = new float[n];
        var values = new float[1];
        _oracle.Evaluate([state], priors, values);
        int best = -1;
        for (int a = 0; a < n; a++)
            if (state.IsLegal(a) && (best < 0 || priors[a] > priors[best])) best = a;
        return best;
    }

    /// <inheritdoc />
    public void Observe(int action) { }
}

/// <summary>Plays matches between two players, alternating colours.</summary>
public static class Arena
{
    /// <summary>The Elo difference of an expected score: 400·log10(s/(1−s)), clamped to ±800.</summary>
    public static double EloFromScore(double score)
    {
        double s = Math.Clamp(score, 1e-3, 1 - 1e-3);
        return Math.Clamp(400 * Math.Log10(s / (1 - s)), -800, 800);
    }

    /// <summary>
    /// The gating rule: a candidate replaces the best model when its score against it, (wins + draws/2) / games from
    /// <paramref name="result"/> (the candidate's view), is at least <paramref name="threshold"/>.
    /// </summary>
    public static bool PassesGate(MatchResult result, double threshold)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Games > 0 && result.Score >= threshold;
    }

    /// <summary>
    /// Plays <paramref name="games"/> games between searches (new ones per game from the factories, given the game
    /// index as seed); see <see cref="Play(IGame, Func{int, IPlayer}, Func{int, IPlayer}, int, CancellationToken)"/>.
    /// </summary>
    public static MatchResult Play(IGame game, Func<int, Mcts> first, Func<int, Mcts> second, int games, CancellationToken cancel = default) =>
        Play(game, g => new MctsPlayer(first(g)), (Func<int, IPlayer>)(g => new MctsPlayer(second(g))), games, cancel);

    /// <summary>
    /// Plays <paramref name="games"/> games of a two-player game between <paramref name="first"/> and
    /// <paramref name="second"/> (new players per game from the factories, given the game index); the first player
    /// takes player 0 in even games and player 1 in odd ones. The result is from <paramref name="first"/>'s view.
    /// </summary>
    public static MatchResult Play(IGame game, Func<int, IPlayer> first, Func<int, IPlayer> second, int games, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(game);
        if (game.NumPlayers != 2) throw new ArgumentException("matches are for two-player games");
        int wins = 0, draws = 0, losses = 0, lostFirst = 0;
        for (int g = 0; g < games; g++)
        {
            cancel.ThrowIfCancellationRequested();
            int firstSeat = g % 2;
            var seats = firstSeat == 0 ? new[] { first(g), second(g) } : [second(g), first(g)];
            var state = game.NewInitialState();
            foreach (var s in seats) s.Reset(state);
            while (!state.IsTerminal)
            {
                int action = seats[state.CurrentPlayer].ChooseAction(state);
                if (!state.IsLegal(action))
                    throw new InvalidOperationException($"player {state.CurrentPlayer} chose illegal action {action} at move {state.MoveNumber}");
                state = state.Apply(action);
                foreach (var s in seats) s.Observe(action);
            }
            double r = state.Returns(firstSeat);
            if (r > 0) wins++;
            else if (r < 0) { losses++; if (firstSeat == 0) lostFirst++; }
            else draws++;
        }
        return new MatchResult(wins, draws, losses) { LossesMovingFirst = lostFirst, LossesMovingSecond = losses - lostFirst };
    }
}
