namespace SelfPlayBN.Search;

/// <summary>How the value of a never-visited child is estimated during selection (first-play urgency).</summary>
public enum FpuMode
{
    /// <summary>
    /// The parent's mean value (for the player choosing) minus <see cref="MctsOptions.FpuValue"/>
    /// (Leela Zero's FPU reduction, without its policy-mass scaling): unexplored moves are assumed a little
    /// worse than the position's current estimate.
    /// </summary>
    Reduction,

    /// <summary>
    /// A fixed value <see cref="MctsOptions.FpuValue"/> in <c>[−1, 1]</c>, for the player choosing:
    /// −1 is pessimistic (AlphaZero's pseudocode), 0 neutral, +1 makes every move be tried once.
    /// </summary>
    Absolute,
}

/// <summary>How <see cref="Mcts"/> chooses which root child each simulation visits, and what it returns as the policy target.</summary>
public enum RootSearch
{
    /// <summary>PUCT at the root as below it (AlphaZero); the policy target is the visit distribution.</summary>
    Puct,

    /// <summary>
    /// Gumbel AlphaZero's root (Danihelka et al., ICLR 2022): the top <see cref="MctsOptions.GumbelActions"/> actions by
    /// Gumbel noise plus log-prior are searched by sequential halving on <c>g + logit + σ(q̂)</c>; the move is the survivor,
    /// and the policy target is the improved policy <c>softmax(logit + σ(q̂))</c> built from completed Q-values. Below the
    /// root, PUCT as usual. Meant for few simulations: it improves the policy even with 2–16 of them.
    /// </summary>
    Gumbel,
}

/// <summary>
/// Settings of <see cref="Mcts"/>. Immutable; every property is checked when set (including through
/// <c>with</c> and deserialisation), and a bad value throws <see cref="ArgumentException"/> whose
/// <see cref="ArgumentException.ParamName"/> is the option's name. Defaults suit self-play.
/// </summary>
public sealed record MctsOptions
{
    private readonly int _simulations = 800;
    private readonly double _cPuct = 1.25;
    private readonly double _cPuctBase = 19652;
    private readonly FpuMode _fpuMode = FpuMode.Reduction;
    private readonly double _fpuValue = 0.25;
    private readonly double _dirichletAlpha = 0.3;
    private readonly double _dirichletEpsilon = 0.25;
    private readonly double _temperature = 1.0;
    private readonly int _temperatureMoves = 10;
    private readonly double _finalTemperature;
    private readonly double _virtualLoss = 1.0;
    private readonly int _leavesPerBatch = 1;
    private readonly RootSearch _rootSearch = RootSearch.Puct;
    private readonly int _gumbelActions = 16;
    private readonly double _gumbelCVisit = 50, _gumbelCScale = 1;
    private readonly double _forcedPlayouts;

    /// <summary>Simulations per <see cref="Mcts.Search()"/> (each adds exactly one visit to the root). At least 1. Default 800.</summary>
    public int Simulations { get => _simulations; init => _simulations = Check(value >= 1, value, "at least 1"); }

    /// <summary>
    /// Exploration constant <c>c_init</c> of PUCT: child score <c>Q + c(N)·P·√N / (1 + n)</c> with
    /// <c>c(N) = CPuct + ln((1 + N + CPuctBase) / CPuctBase)</c>, <c>N</c> the parent's visits and <c>n</c>
    /// the child's (AlphaZero). Non-negative. Default 1.25.
    /// </summary>
    public double CPuct { get => _cPuct; init => _cPuct = Check(value >= 0 && double.IsFinite(value), value, "finite and non-negative"); }

    /// <summary>
    /// <c>c_base</c> of the slowly growing exploration term (see <see cref="CPuct"/>); positive,
    /// <see cref="double.PositiveInfinity"/> keeps the exploration constant. Default 19652 (AlphaZero).
    /// </summary>
    public double CPuctBase { get => _cPuctBase; init => _cPuctBase = Check(value > 0, value, "positive (or +infinity)"); }

    /// <summary>First-play urgency mode; see <see cref="FpuMode"/>. Default <see cref="FpuMode.Reduction"/>.</summary>
    public FpuMode FpuMode { get => _fpuMode; init => _fpuMode = Check(Enum.IsDefined(value), value, "Reduction or Absolute"); }

    /// <summary>
    /// The reduction (for <see cref="FpuMode.Reduction"/>, in <c>[0, 2]</c>) or the absolute value (for
    /// <see cref="FpuMode.Absolute"/>, in <c>[−1, 1]</c>; checked when the search is created). Default 0.25.
    /// </summary>
    public double FpuValue { get => _fpuValue; init => _fpuValue = Check(value >= -1 && value <= 2, value, "in [-1, 2]"); }

    /// <summary>Whether Dirichlet noise is mixed into the root priors (on for self-play, off for evaluation games). Default true.</summary>
    public bool RootNoise { get; init; } = true;

    /// <summary>Concentration of the symmetric Dirichlet root noise; positive. Default 0.3 (AlphaZero chess).</summary>
    public double DirichletAlpha { get => _dirichletAlpha; init => _dirichletAlpha = Check(value > 0 && double.IsFinite(value), value, "positive and finite"); }

    /// <summary>Weight ε of the noise: root prior <c>(1 − ε)·P + ε·η</c>; in <c>[0, 1]</c>. Default 0.25.</summary>
    public double DirichletEpsilon { get => _dirichletEpsilon; init => _dirichletEpsilon = Check(value >= 0 && value <= 1, value, "in [0, 1]"); }

    /// <summary>
    /// Temperature for choosing the move while the root's <c>MoveNumber &lt; TemperatureMoves</c>: the
    /// move is drawn with probability ∝ <c>visits^(1/T)</c>; 0 means the most visited. Non-negative. Default 1.
    /// </summary>
    public double Temperature { get => _temperature; init => _temperature = Check(value >= 0 && double.IsFinite(value), value, "finite and non-negative"); }

    /// <summary>Number of opening moves (plies of the game) played at <see cref="Temperature"/>; 0 for evaluation games. Default 10.</summary>
    public int TemperatureMoves { get => _temperatureMoves; init => _temperatureMoves = Check(value >= 0, value, "non-negative"); }

    /// <summary>Temperature from move <see cref="TemperatureMoves"/> on; 0 (the most visited move) by default.</summary>
    public double FinalTemperature { get => _finalTemperature; init => _finalTemperature = Check(value >= 0 && double.IsFinite(value), value, "finite and non-negative"); }

    /// <summary>
    /// Value counted as a loss, for the player choosing, per pending evaluation below a child while a batch
    /// of leaves is gathered (it steers the next descents elsewhere); in <c>[0, 1]</c>. Default 1.
    /// </summary>
    public double VirtualLoss { get => _virtualLoss; init => _virtualLoss = Check(value >= 0 && value <= 1, value, "in [0, 1]"); }

    /// <summary>
    /// Leaves gathered, under virtual loss, before one oracle call (the oracle's batch size within one
    /// search). At least 1 (1 = classic sequential MCTS). Default 1.
    /// </summary>
    public int LeavesPerBatch { get => _leavesPerBatch; init => _leavesPerBatch = Check(value >= 1, value, "at least 1"); }

    /// <summary>
    /// The root search (<see cref="SelfPlayBN.Search.RootSearch"/>). With <see cref="SelfPlayBN.Search.RootSearch.Gumbel"/>,
    /// <see cref="RootNoise"/> means Gumbel noise (no Dirichlet noise is mixed in) and the temperature options are not used:
    /// the move is the sequential-halving survivor, drawn through the noise. Default <see cref="SelfPlayBN.Search.RootSearch.Puct"/>.
    /// </summary>
    public RootSearch RootSearch { get => _rootSearch; init => _rootSearch = Check(Enum.IsDefined(value), value, "Puct or Gumbel"); }

    /// <summary>Actions sampled (without replacement, by Gumbel-top-k) into a Gumbel root search's sequential halving; at least 1. Default 16.</summary>
    public int GumbelActions { get => _gumbelActions; init => _gumbelActions = Check(value >= 1, value, "at least 1"); }

    /// <summary><c>c_visit</c> of Gumbel's <c>σ(q̂) = (c_visit + max_b N(b))·c_scale·q̂</c>, q̂ the completed Q-values rescaled to [0, 1]; non-negative. Default 50.</summary>
    public double GumbelCVisit { get => _gumbelCVisit; init => _gumbelCVisit = Check(value >= 0 && double.IsFinite(value), value, "finite and non-negative"); }

    /// <summary><c>c_scale</c> of Gumbel's <c>σ</c> (see <see cref="GumbelCVisit"/>); positive. Default 1.</summary>
    public double GumbelCScale { get => _gumbelCScale; init => _gumbelCScale = Check(value > 0 && double.IsFinite(value), value, "finite and positive"); }

    /// <summary>
    /// KataGo's forced playouts and policy target pruning, as the factor <c>k</c> (KataGo: 2); 0 (the default) turns them off.
    /// In a PUCT search with root noise, a root child with (noised) prior <c>P</c> that has fewer than
    /// <c>√(k·P·N)</c> visits (<c>N</c> the root children's visits) is visited first, so that noise-favoured moves get a real look;
    /// afterwards those extra visits are pruned from every child but the most visited, as far as the child's PUCT score
    /// stays below the most visited one's, and children left with one visit are dropped: what remains is
    /// <see cref="SearchResult.TargetVisits"/>, the policy target and the visits the move is chosen from. Non-negative and finite.
    /// </summary>
    public double ForcedPlayouts { get => _forcedPlayouts; init => _forcedPlayouts = Check(value >= 0 && double.IsFinite(value), value, "finite and non-negative"); }

    /// <summary>Whether <see cref="Mcts.AdvanceTo"/> keeps the played child's subtree and its statistics. Default true.</summary>
    public bool ReuseTree { get; init; } = true;

    /// <summary>Seed of the search's random generator (root noise, move sampling); null draws a random seed. Default null.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// The one search preset for play outside self-play (the in-run evaluator, <c>evaluate</c>, <c>analyze</c>, <c>demo</c>):
    /// <paramref name="simulations"/> per move, no root noise, the first <paramref name="sampledMoves"/> moves of a game
    /// chosen in proportion to visits (so that the games of a match differ) and the most visited after that, the tree kept
    /// between moves. Single positions (move accuracy, analysis) use <c>sampledMoves: 0</c>; callers add a seed.
    /// </summary>
    public static MctsOptions Evaluation(int simulations, int sampledMoves = 2) =>
        new() { Simulations = simulations, RootNoise = false, TemperatureMoves = sampledMoves, ReuseTree = true };

    /// <summary>The temperature used to choose a move at a root whose state has move number <paramref name="moveNumber"/>.</summary>
    public double TemperatureAt(int moveNumber) => moveNumber < TemperatureMoves ? Temperature : FinalTemperature;

    /// <summary>
    /// Checks the rules that involve several options (each option alone is checked when set). Throws
    /// <see cref="ArgumentException"/> naming the option at fault. <see cref="Mcts"/> calls it.
    /// </summary>
    public void Validate()
    {
        if (FpuMode == FpuMode.Absolute && FpuValue > 1)
            throw new ArgumentException($"MctsOptions.FpuValue must be in [-1, 1] with FpuMode Absolute (got {FpuValue})", nameof(FpuValue));
        if (FpuMode == FpuMode.Reduction && FpuValue < 0)
            throw new ArgumentException($"MctsOptions.FpuValue must be in [0, 2] with FpuMode Reduction (got {FpuValue})", nameof(FpuValue));
    }

    private static T Check<T>(bool ok, T value, string rule, [System.Runtime.CompilerServices.CallerMemberName] string option = "")
    {
        if (!ok) throw new ArgumentException($"MctsOptions.{option} must be {rule} (got {value})", option);
        return value;
    }
}
