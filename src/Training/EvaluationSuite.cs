using SelfPlayBN.Games;
using SelfPlayBN.Search;
using static TorchSharp.torch;

namespace SelfPlayBN.Training;

/// <summary>What a game adds to the evaluation beyond the matches every game plays: a perfect player to play against,
/// and solver-labelled positions to measure move accuracy on. The game catalogue of the executables supplies them (the
/// training library and the actors know no concrete game).</summary>
public sealed record EvaluationExtras
{
    /// <summary>No extras: the evaluation plays random play, rollout MCTS and earlier versions only.</summary>
    public static readonly EvaluationExtras None = new();

    /// <summary>A perfect player seeded with its argument (it chooses at random among optimal moves), or <c>null</c>.</summary>
    public Func<int, IPlayer>? PerfectPlayer { get; init; }

    /// <summary>The first <c>n</c> positions of a fixed solver-labelled set (all of it if fewer), or <c>null</c>.</summary>
    public Func<int, IReadOnlyList<LabelledMove>>? LabelledPositions { get; init; }
}

/// <summary>A match of an evaluation.</summary>
/// <param name="Opponent"><c>random</c>, <c>mcts-rollouts-N</c>, <c>perfect</c>, <c>model-K</c> (the previous
/// evaluated version) or <c>best-K</c> (the best version, under gating).</param>
/// <param name="Result">From the evaluated version's side.</param>
/// <param name="Rating">Against the previous version: the evaluated version's rating on the run's chained scale (the
/// previous version's rating plus the Elo difference), or <c>null</c> when the previous version has none.</param>
public sealed record EvaluationMatch(string Opponent, MatchResult Result, double? Rating = null);

/// <summary>A move-accuracy measurement of an evaluation.</summary>
/// <param name="Player"><c>network</c> (the raw policy), <c>search-N</c>, or a baseline on the same positions:
/// <c>random</c>, <c>mcts-rollouts-N</c>.</param>
/// <param name="Result">Positions where the player's move was optimal.</param>
public sealed record EvaluationAccuracy(string Player, AccuracyResult Result);

/// <summary>The gate's decision on an evaluated version (under gating).</summary>
/// <param name="Best">The best version it played.</param>
/// <param name="Score">Its score against that version.</param>
/// <param name="Threshold">The score needed.</param>
/// <param name="Promoted">Whether it passed.</param>
public sealed record GateDecision(long Best, double Score, double Threshold, bool Promoted);

/// <summary>Everything one evaluation of a version measured, in the order it was measured.</summary>
/// <param name="Version">The evaluated version.</param>
/// <param name="Matches">Its matches.</param>
/// <param name="Gate">The gate's decision, under gating when the best is older than the version.</param>
/// <param name="Accuracies">Move accuracies, where the game has labelled positions.</param>
/// <param name="Rating">The version's chained rating (see <see cref="EvaluationMatch.Rating"/>).</param>
public sealed record VersionEvaluation(long Version, IReadOnlyList<EvaluationMatch> Matches, GateDecision? Gate,
    IReadOnlyList<EvaluationAccuracy> Accuracies, double? Rating);

/// <summary>A published version as the evaluation sees it.</summary>
/// <param name="Version">The version.</param>
/// <param name="Weights">Its published weights.</param>
/// <param name="Rating">Its chained rating, if known.</param>
public sealed record EvaluatedModel(long Version, byte[] Weights, double? Rating = null);

/// <summary>
/// The evaluation of a published version, as the run's evaluator performs it every <c>evaluation.everyGenerations</c>
/// publications. The version searches over its fused network (<see cref="MctsOptions.Evaluation"/>,
/// <c>evaluation.simulations</c>) for <c>evaluation.games</c> games, colours alternating, against
/// <list type="bullet">
/// <item><c>random</c>: uniform legal moves;</item>
/// <item><c>mcts-rollouts-N</c>: pure MCTS with random rollouts and the same simulations;</item>
/// <item><c>perfect</c>, where the game has a perfect player (<see cref="EvaluationExtras.PerfectPlayer"/>);</item>
/// <item><c>model-K</c>: the previous evaluated version, chaining the rating;</item>
/// <item><c>best-K</c> under gating, when the best is not the previous version; the version passes the gate when its
/// score against the best reaches <c>evaluation.gatingThreshold</c> (<see cref="Arena.PassesGate"/>);</item>
/// </list>
/// and, where the game has labelled positions, the move accuracy of the raw network, of the network with search and of
/// the two baselines on the first <c>evaluation.accuracyPositions</c> of them. Every opponent is seeded: the same models
/// give the same results.
/// </summary>
/// <param name="game">The game.</param>
/// <param name="options">The run's options (network and <c>evaluation</c>).</param>
/// <param name="extras">What the game adds.</param>
/// <param name="device">Where the networks run.</param>
public sealed class EvaluationSuite(IGame game, RunOptions options, EvaluationExtras extras, Device device)
{
    /// <summary>Evaluates <paramref name="candidate"/>; stops at the next game or position when <paramref name="cancel"/> fires.</summary>
    /// <param name="candidate">The version to evaluate.</param>
    /// <param name="previous">The previous evaluated version, or <c>null</c>.</param>
    /// <param name="best">Under gating, the best version, or <c>null</c>.</param>
    /// <param name="cancel">Stops the evaluation.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired.</exception>
    public VersionEvaluation Evaluate(EvaluatedModel candidate, EvaluatedModel? previous, EvaluatedModel? best, CancellationToken cancel = default)
    {
        var e = options.Evaluation;
        using var network = Oracle(candidate);
        var search = MctsOptions.Evaluation(e.Simulations);
        IPlayer Candidate(int g) => new MctsPlayer(new Mcts(network, search with { Seed = 2 * g }));
        IPlayer Opponent(IOracle oracle, int g) => new MctsPlayer(new Mcts(oracle, search with { Seed = 2 * g + 1 }));
        var matches = new List<EvaluationMatch>
        {
            new("random", Arena.Play(game, Candidate, g => new RandomPlayer(1_000 + g), e.Games, cancel)),
            new($"mcts-rollouts-{e.Simulations}", Arena.Play(game, Candidate, g => Opponent(new RolloutOracle(1_000 + g), g), e.Games, cancel)),
        };
        if (extras.PerfectPlayer is { } perfect)
            matches.Add(new("perfect", Arena.Play(game, Candidate, g => perfect(2_000 + g), e.Games, cancel)));

        double? rating = null;
        MatchResult? againstPrevious = null;
        if (previous is not null)
        {
            using var old = Oracle(previous);
            againstPrevious = Arena.Play(game, Candidate, g => Opponent(old, g), e.Games, cancel);
            rating = previous.Rating + againstPrevious.Elo;
            matches.Add(new($"model-{previous.Version}", againstPrevious, rating));
        }

        GateDecision? gate = null;
        if (best is not null && best.Version < candidate.Version)
        {
            var match = againstPrevious is not null && previous!.Version == best.Version ? againstPrevious : null;
            if (match is null)
            {
                using var bestOracle = Oracle(best);
                match = Arena.Play(game, Candidate, g => Opponent(bestOracle, g), e.Games, cancel);
                matches.Add(new($"best-{best.Version}", match));
            }
            gate = new GateDecision(best.Version, match.Score, e.GatingThreshold, Arena.PassesGate(match, e.GatingThreshold));
        }

        var accuracies = new List<EvaluationAccuracy>();
        if (extras.LabelledPositions is { } labelled && e.AccuracyPositions > 0)
        {
            var set = labelled(e.AccuracyPositions);
            var accuracySearch = search with { TemperatureMoves = 0, ReuseTree = false, Seed = 1 };
            accuracies.Add(new("network", MoveAccuracy.Measure(set, new PolicyPlayer(network), cancel)));
            accuracies.Add(new($"search-{e.Simulations}", MoveAccuracy.Measure(set, new MctsPlayer(new Mcts(network, accuracySearch)), cancel)));
            // The baselines on the same positions (cheap, and the same every time: seeded).
            accuracies.Add(new("random", MoveAccuracy.Measure(set, new RandomPlayer(1), cancel)));
            accuracies.Add(new($"mcts-rollouts-{e.Simulations}", MoveAccuracy.Measure(set, new MctsPlayer(new Mcts(new RolloutOracle(1), accuracySearch)), cancel)));
        }
        return new VersionEvaluation(candidate.Version, matches, gate, accuracies, rating);
    }

    private NetworkOracle Oracle(EvaluatedModel model) => Models.InferenceOracle(game, options.Network, model.Weights, device, out _);
}
