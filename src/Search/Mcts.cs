using System.Collections.Immutable;
using SelfPlayBN.Games;

namespace SelfPlayBN.Search;

/// <summary>
/// PUCT Monte Carlo tree search as in AlphaZero, for one- and two-player zero-sum games. The search
/// knows no game and no network: it applies actions to immutable <see cref="IGameState"/>s and asks an
/// <see cref="IOracle"/> for priors and values, one batch of leaves at a time.
/// </summary>
/// <remarks>
/// <para><b>Use.</b> <see cref="Reset"/> to a position, <see cref="Search()"/>, play the chosen move with
/// <see cref="AdvanceTo"/> (which keeps the played subtree when <see cref="MctsOptions.ReuseTree"/> is on),
/// and so on. <see cref="Reset"/> again for a new game.</para>
/// <para><b>Values and perspective.</b> Every node stores the visit count <c>N</c> and the sum <c>W</c> of the
/// values backed up through it, from the point of view of the node's <i>mover</i>: the player to move at its
/// parent, who chose the action leading to it (for the root, the player to move at the root when the tree
/// was created). Selection therefore maximises <c>W/N</c> of children directly. A leaf value <c>v</c> for
/// player <c>p</c> (the player to move at the leaf) is added as <c>+v</c> to nodes whose mover is <c>p</c> and
/// <c>−v</c> to the others: players are compared, never assumed to alternate, so passes and extra moves are
/// handled. Terminal leaves are scored with the game's exact <see cref="IGameState.Returns"/>, never by the
/// oracle.</para>
/// <para><b>Selection.</b> Child score <c>Q + c(N)·P·√N / (1 + n)</c>, with <c>N</c> the parent's visits
/// (pending ones included), <c>n</c> the child's, <c>P</c> its prior, <c>Q = (W − VirtualLoss·pending) / n</c>
/// and, for an unvisited child, <c>Q</c> given by first-play urgency (<see cref="FpuMode"/>). Ties go to the
/// lowest action.</para>
/// <para><b>Invariants</b> (between calls): an expanded node has exactly one child per legal action, in
/// ascending action order, stored contiguously; its visits equal 1 + the sum of its children's visits (its
/// first visit expanded it); each simulation adds exactly one visit to the root; children priors sum to 1
/// (masked and renormalised oracle prior; Dirichlet noise is mixed in at the root only).</para>
/// <para><b>Batches and virtual loss.</b> A search gathers up to <see cref="MctsOptions.LeavesPerBatch"/>
/// distinct leaves, marking the path of each as pending (virtual loss) so that later descents go
/// elsewhere, then calls the oracle once and backs the values up. A descent that reaches a leaf already
/// pending in the current batch (a collision) is discarded and gathering stops, so the batch is sent as
/// it is; the discarded descent costs only its selection and does not count as a simulation. Terminal
/// leaves met while gathering are backed up at once and count as simulations. With one leaf per batch
/// the search is the classic sequential algorithm.</para>
/// <para><b>Storage.</b> Nodes are structs in one array (an arena) addressed by index, grown by doubling and
/// reused across searches and games; the states are in a parallel array, one per visited node (one
/// <see cref="IGameState.Apply"/> per simulation, when a child is first reached). Tree reuse copies the
/// kept subtree to the front of a second arena, so memory never holds dead branches.</para>
/// <para><b>Stepwise search.</b> <see cref="Search()"/> is a loop over three steps that a caller can also drive
/// itself, to batch the leaves of many searches into one network call: <see cref="BeginSearch"/>, then, until
/// <see cref="IsSearchComplete"/>, <see cref="GatherLeaves"/> (the states to evaluate) followed by
/// <see cref="ApplyEvaluations"/> (their priors and values), then <see cref="EndSearch"/> for the result. Driven
/// this way with the answers the oracle would give, the tree, the statistics and the chosen move are exactly those
/// of <see cref="Search()"/>. A search created without an oracle can only be driven stepwise.</para>
/// <para><b>Thread-safety.</b> An instance is not thread-safe: use one per thread, or drive it from one thread at a
/// time. Its oracle is called on the thread that calls <see cref="Search()"/>.</para>
/// </remarks>
public sealed partial class Mcts
{
    private const int None = -1;
    private const byte TerminalFlag = 1;
    private const byte PendingFlag = 2;
    private const int InitialCapacity = 1024;

    /// <summary>One node of the tree; the edge statistics of the action leading to it live here too.</summary>
    private struct Node
    {
        public int Parent;       // None for the root
        public int FirstChild;   // None until expanded
        public int NumChildren;
        public int Action;       // action from the parent; −1 at a fresh root
        public int Visits;       // N
        public int InFlight;     // pending evaluations below (virtual loss count)
        public double ValueSum;  // W, for Mover
        public float Prior;      // P of the edge from the parent
        public float NetValue;   // the oracle's value for Player, once expanded
        public sbyte Mover;      // player who chose this node's action (the parent's player to move)
        public sbyte Player;     // player to move here; −1 until the state is known
        public byte Flags;
    }

    private enum Outcome { Leaf, Terminal, Collision }

    private readonly IOracle? _oracle;
    private Random _rng;
    private readonly double _cPuct, _cPuctBase, _fpuValue, _virtualLoss;
    private readonly bool _fpuAbsolute, _growExploration, _gumbel;
    private readonly int _leavesPerBatch;

    private Node[] _nodes = new Node[InitialCapacity];
    private IGameState?[] _states = new IGameState?[InitialCapacity];
    private Node[] _spareNodes = [];
    private IGameState?[] _spareStates = [];
    private int _count; // nodes in use; the root is node 0 when _count > 0
    private bool _rootNoised;
    private bool _noiseThisSearch = true;
    private bool _forcedActive; // forced playouts at the root in the search in progress

    private int _numActions;
    private readonly int[] _batchNodes;
    private readonly IGameState[] _batchStates;
    private readonly float[] _batchValues;
    private float[] _batchPriors = [];
    private int _batchCount;
    private int[] _legal = [];
    private double[] _noise = [];

    // The search in progress (stepwise or through Search()).
    private bool _searching;
    private int _target, _done;
    private int _oracleCalls, _leavesEvaluated, _terminalVisits, _collisions;

    /// <summary>Creates a search; call <see cref="Reset"/> before searching.</summary>
    /// <exception cref="ArgumentException">The options break a rule that involves several of them.</exception>
    public Mcts(IOracle oracle, MctsOptions options) : this(options, oracle ?? throw new ArgumentNullException(nameof(oracle)))
    {
    }

    /// <summary>
    /// Creates a search without an oracle, to be driven stepwise (<see cref="BeginSearch"/>, <see cref="GatherLeaves"/>,
    /// <see cref="ApplyEvaluations"/>, <see cref="EndSearch"/>) by a caller that evaluates the leaves itself;
    /// <see cref="Search()"/> then throws. Call <see cref="Reset"/> before searching.
    /// </summary>
    /// <exception cref="ArgumentException">The options break a rule that involves several of them.</exception>
    public Mcts(MctsOptions options) : this(options, null)
    {
    }

    private Mcts(MctsOptions options, IOracle? oracle)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _oracle = oracle;
        Options = options;
        _rng = options.Seed is int seed ? new Random(seed) : new Random();
        _cPuct = options.CPuct;
        _cPuctBase = options.CPuctBase;
        _growExploration = !double.IsPositiveInfinity(options.CPuctBase);
        _fpuAbsolute = options.FpuMode == FpuMode.Absolute;
        _fpuValue = options.FpuValue;
        _gumbel = options.RootSearch == RootSearch.Gumbel;
        _virtualLoss = options.VirtualLoss;
        _leavesPerBatch = options.LeavesPerBatch;
        _batchNodes = new int[_leavesPerBatch];
        _batchStates = new IGameState[_leavesPerBatch];
        _batchValues = new float[_leavesPerBatch];
    }

    /// <summary>The options this search was created with.</summary>
    public MctsOptions Options { get; }

    /// <summary>The oracle asked at the leaves by <see cref="Search()"/>; null for a search driven stepwise only.</summary>
    public IOracle? Oracle => _oracle;

    /// <summary>
    /// Restricts the moves the tree may contain: an action for which the filter returns false in a state is left
    /// out when that state's node is expanded (the analysis tags <c>avoid</c> and <c>allow</c> of Leela Zero's
    /// <c>lz-analyze</c> use it); a node whose legal actions the filter rejects all keeps them all instead, so that
    /// the tree stays well formed. <c>null</c> (the default) keeps every legal action. Set it before
    /// <see cref="Reset"/>; it applies to nodes expanded afterwards.
    /// </summary>
    public Func<IGameState, int, bool>? ActionFilter { get; set; }

    /// <summary>Whether <see cref="Reset"/> has been called (so that there is a root).</summary>
    public bool HasRoot => _count > 0;

    /// <summary>The position at the root.</summary>
    public IGameState RootState => _count > 0 ? _states[0]! : throw NoRoot();

    /// <summary>A view of the root node, valid until the tree next changes.</summary>
    public TreeNode Root => _count > 0 ? new TreeNode(this, 0) : throw NoRoot();

    /// <summary>Number of nodes in the tree (expanded or not), root included.</summary>
    public int NodeCount => _count;

    /// <summary>Nodes the arena can hold before it grows.</summary>
    public int Capacity => _nodes.Length;

    /// <summary>
    /// Starts a new tree at <paramref name="state"/>, dropping the previous one (its storage is kept for
    /// reuse). Root noise, if on, is mixed in when the root is expanded.
    /// </summary>
    /// <exception cref="ArgumentException">The game has more than two players.</exception>
    public void Reset(IGameState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Game.NumPlayers > 2)
            throw new ArgumentException($"MCTS supports one- and two-player zero-sum games; {state.Game.Name} has {state.Game.NumPlayers} players", nameof(state));
        int numActions = state.Game.NumActions;
        if (numActions != _numActions)
        {
            _numActions = numActions;
            _batchPriors = new float[_leavesPerBatch * numActions];
            _legal = new int[numActions];
            _noise = new double[numActions];
            _gumbelScore = new double[numActions];
            _gumbelSigma = new double[numActions];
            _gumbelBase = new int[numActions];
        }
        Array.Clear(_states, 0, _count);
        Array.Clear(_batchStates);
        _batchCount = 0;
        _searching = false;
        int player = state.CurrentPlayer;
        _nodes[0] = new Node
        {
            Parent = None,
            FirstChild = None,
            Action = -1,
            Mover = (sbyte)player,
            Player = (sbyte)player,
            Flags = state.IsTerminal ? TerminalFlag : (byte)0,
        };
        _states[0] = state;
        _count = 1;
        _rootNoised = false;
        _gumbelActive = false;
    }

    /// <summary>Runs <see cref="MctsOptions.Simulations"/> simulations from the root; see <see cref="Search(int)"/>.</summary>
    public SearchResult Search() => Search(Options.Simulations);

    /// <summary>
    /// Runs <paramref name="simulations"/> simulations from the root (each adds one visit to the root),
    /// on top of any statistics kept by tree reuse, and chooses a move with the temperature of the root's
    /// move number.
    /// </summary>
    /// <exception cref="InvalidOperationException">No root (call <see cref="Reset"/>), the root is terminal, the search has
    /// no oracle, or the oracle returned a NaN value.</exception>
    /// <remarks>
    /// If the oracle throws (or returns NaN), the leaves of that batch are taken back and the exception
    /// propagates; the tree stays consistent (simulations completed before it are kept) and may be searched again.
    /// </remarks>
    public SearchResult Search(int simulations) => Search(simulations, rootNoise: true);

    /// <summary>
    /// As <see cref="Search(int)"/>; with <paramref name="rootNoise"/> false this search mixes no noise into the root priors
    /// even where <see cref="MctsOptions.RootNoise"/> is on (the cheap searches of playout cap randomisation).
    /// </summary>
    public SearchResult Search(int simulations, bool rootNoise)
    {
        if (_oracle is null) throw new InvalidOperationException("this search has no oracle: drive it with BeginSearch, GatherLeaves, ApplyEvaluations and EndSearch");
        BeginSearch(simulations, rootNoise);
        while (!IsSearchComplete)
        {
            var leaves = GatherLeaves();
            if (leaves.Length > 0) EvaluateBatch();
        }
        return EndSearch();
    }

    /// <summary>
    /// Starts a search of <paramref name="simulations"/> simulations from the root, to be driven with
    /// <see cref="GatherLeaves"/> and <see cref="ApplyEvaluations"/> until <see cref="IsSearchComplete"/>, then ended with
    /// <see cref="EndSearch"/>. A search already in progress is dropped (its pending leaves taken back; the simulations it
    /// completed stay in the tree).
    /// </summary>
    /// <param name="simulations">Simulations to run (at least 1).</param>
    /// <param name="rootNoise">False: no root noise in this search, even where <see cref="MctsOptions.RootNoise"/> is on (noise
    /// already mixed in by an earlier search of the same root stays).</param>
    /// <exception cref="InvalidOperationException">No root (call <see cref="Reset"/>), or the root is terminal.</exception>
    public void BeginSearch(int simulations, bool rootNoise = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(simulations, 1);
        if (_count == 0) throw NoRoot();
        if ((_nodes[0].Flags & TerminalFlag) != 0) throw new InvalidOperationException("the root is terminal: there is nothing to search");
        if (_batchCount > 0) AbandonBatch();
        _noiseThisSearch = rootNoise;
        if (Options.RootNoise && rootNoise && !_gumbel && !_rootNoised && _nodes[0].FirstChild != None) ApplyRootNoise();
        _searching = true;
        _target = simulations;
        _done = 0;
        _gumbelActive = false;
        if (_gumbel && _nodes[0].FirstChild != None) StartGumbel();
        _forcedActive = Options.ForcedPlayouts > 0 && !_gumbel && Options.RootNoise && rootNoise;
        _oracleCalls = _leavesEvaluated = _terminalVisits = _collisions = 0;
    }

    /// <summary>Whether a search is in progress (between <see cref="BeginSearch"/> and <see cref="EndSearch"/>).</summary>
    public bool IsSearching => _searching;

    /// <summary>Whether the search in progress has run all its simulations (none pending): <see cref="EndSearch"/> may be called.</summary>
    public bool IsSearchComplete => _searching && _done >= _target && _batchCount == 0;

    /// <summary>Leaves gathered by <see cref="GatherLeaves"/> and not yet answered.</summary>
    public int PendingLeaves => _batchCount;

    /// <summary>The states of the pending leaves, in the order <see cref="ApplyEvaluations"/> expects their answers (what the
    /// last <see cref="GatherLeaves"/> returned). Valid until the next call on this search.</summary>
    public ReadOnlySpan<IGameState> PendingLeafStates => _batchStates.AsSpan(0, _batchCount);

    /// <summary>
    /// Descends from the root until up to <see cref="MctsOptions.LeavesPerBatch"/> distinct leaves (never more than the
    /// simulations left) are pending under virtual loss, and returns their states, in the order
    /// <see cref="ApplyEvaluations"/> expects their answers. Terminal positions met on the way are scored at once and
    /// count as simulations; a descent into a leaf already pending ends the gathering (see the class remarks). The
    /// result is empty only when the search is complete. The span is valid until the next call on this search.
    /// </summary>
    /// <exception cref="InvalidOperationException">No search in progress, or leaves are pending (answer or abandon them first).</exception>
    public ReadOnlySpan<IGameState> GatherLeaves()
    {
        if (!_searching) throw new InvalidOperationException("no search in progress: call BeginSearch first");
        if (_batchCount > 0) throw new InvalidOperationException($"{_batchCount} leaves are pending: apply their evaluations (or abandon them) before gathering more");
        int maxLeaves = Math.Min(_leavesPerBatch, _target - _done);
        while (_batchCount < maxLeaves && _done + _batchCount < _target)
        {
            var outcome = Descend();
            if (outcome == Outcome.Terminal)
            {
                _done++;
                _terminalVisits++;
            }
            else if (outcome == Outcome.Collision)
            {
                _collisions++;
                break;
            }
        }
        return _batchStates.AsSpan(0, _batchCount);
    }

    /// <summary>
    /// Answers the pending leaves: for leaf <c>i</c> (in the order <see cref="GatherLeaves"/> returned them),
    /// <c>priors[i·A .. i·A + A)</c> and <c>values[i]</c>, under the <see cref="IOracle"/> contract (<c>A</c> the game's
    /// action count; values for the player to move at the leaf). Each leaf is expanded and its value backed up.
    /// </summary>
    /// <exception cref="ArgumentException">The spans are shorter than the pending leaves need.</exception>
    /// <exception cref="InvalidOperationException">No leaves are pending, or a value is NaN (the leaves are then taken back).</exception>
    public void ApplyEvaluations(ReadOnlySpan<float> priors, ReadOnlySpan<float> values)
    {
        int count = _batchCount, numActions = _numActions;
        if (count == 0) throw new InvalidOperationException("no leaves are pending: call GatherLeaves first");
        if (priors.Length < count * numActions) throw new ArgumentException($"{count} leaves need {count * numActions} priors, got {priors.Length}", nameof(priors));
        if (values.Length < count) throw new ArgumentException($"{count} leaves need {count} values, got {values.Length}", nameof(values));
        for (int b = 0; b < count; b++)
        {
            if (float.IsNaN(values[b]))
            {
                var state = _batchStates[b];
                AbandonBatch();
                throw new InvalidOperationException($"the oracle returned a NaN value for {state.Game.Name} position at move {state.MoveNumber}");
            }
        }
        for (int b = 0; b < count; b++)
        {
            int node = _batchNodes[b];
            _nodes[node].NetValue = Math.Clamp(values[b], -1f, 1f);
            Expand(node, priors.Slice(b * numActions, numActions));
            Backup(node, Math.Clamp(values[b], -1f, 1f), _nodes[node].Player, pending: true);
        }
        _done += count;
        _oracleCalls++;
        _leavesEvaluated += count;
        _batchCount = 0;
        Array.Clear(_batchStates, 0, count);
    }

    /// <summary>Takes the pending leaves back unanswered (their paths lose the virtual loss): the tree is as before the
    /// last <see cref="GatherLeaves"/>, apart from the terminal visits it scored.</summary>
    public void AbandonLeaves() => AbandonBatch();

    /// <summary>
    /// Ends the completed search and chooses a move with the temperature of the root's move number (as
    /// <see cref="Search(int)"/> does).
    /// </summary>
    /// <exception cref="InvalidOperationException">No search in progress, or it is not complete.</exception>
    public SearchResult EndSearch()
    {
        if (!_searching) throw new InvalidOperationException("no search in progress: call BeginSearch first");
        if (!IsSearchComplete) throw new InvalidOperationException($"the search is not complete: {_done} of {_target} simulations, {_batchCount} leaves pending");
        _searching = false;
        return BuildResult(_target, new SearchStatistics(_oracleCalls, _leavesEvaluated, _terminalVisits, _collisions));
    }

    /// <summary>Restarts the search's random generator (root noise, move sampling) from <paramref name="seed"/>: a search
    /// reseeded and then <see cref="Reset"/> behaves as a new one created with <c>Seed = seed</c>.</summary>
    public void Reseed(int seed) => _rng = new Random(seed);

    /// <summary>
    /// Plays <paramref name="action"/> at the root. With <see cref="MctsOptions.ReuseTree"/> the child's
    /// subtree becomes the new tree with all its statistics (its visits become the root's visits);
    /// otherwise, or if that child was never visited, the tree restarts at the new position.
    /// </summary>
    /// <exception cref="ArgumentException">The action is illegal at the root.</exception>
    public void AdvanceTo(int action)
    {
        var state = RootState;
        if (_batchCount > 0) AbandonBatch();
        _searching = false;
        if (!state.IsLegal(action))
            throw new ArgumentException($"action {action} ({state.Game.ActionToString(action)}) is illegal at the root", nameof(action));
        ref Node root = ref _nodes[0];
        int child = None;
        for (int i = root.FirstChild, end = i + root.NumChildren; i >= 0 && i < end; i++)
            if (_nodes[i].Action == action) { child = i; break; }
        var childState = child == None ? null : _states[child];
        if (!Options.ReuseTree || childState is null)
        {
            Reset(childState ?? state.Apply(action));
            return;
        }
        KeepSubtree(child);
    }

    /// <summary>
    /// The move chosen from root visit counts: at temperature 0 the most visited (lowest action on ties);
    /// otherwise drawn with probability ∝ <c>visits^(1/temperature)</c>. All-zero visits give −1.
    /// </summary>
    public static int SelectAction(ReadOnlySpan<int> visits, double temperature, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(temperature >= 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be non-negative");
        int best = -1, max = 0;
        for (int a = 0; a < visits.Length; a++)
            if (visits[a] > max) { max = visits[a]; best = a; }
        if (best < 0 || temperature == 0) return best;
        double inv = 1.0 / temperature, total = 0;
        Span<double> w = visits.Length <= 512 ? stackalloc double[visits.Length] : new double[visits.Length];
        for (int a = 0; a < visits.Length; a++) total += w[a] = visits[a] > 0 ? Math.Pow((double)visits[a] / max, inv) : 0;
        double u = rng.NextDouble() * total;
        for (int a = 0; a < visits.Length; a++)
        {
            if (w[a] == 0) continue;
            u -= w[a];
            if (u < 0) return a;
        }
        return best; // rounding left u ≥ 0: the last mass belongs to the most visited
    }

    // ---------------------------------------------------------------- simulation

    private Outcome Descend()
    {
        int node = 0;
        while (true)
        {
            ref Node n = ref _nodes[node];
            if ((n.Flags & TerminalFlag) != 0)
            {
                int player = n.Player;
                Backup(node, _states[node]!.Returns(player), player, pending: false);
                return Outcome.Terminal;
            }
            if (n.FirstChild == None)
            {
                if ((n.Flags & PendingFlag) != 0) return Outcome.Collision;
                n.Flags |= PendingFlag;
                for (int i = node; i != None; i = _nodes[i].Parent) _nodes[i].InFlight++;
                _batchNodes[_batchCount] = node;
                _batchStates[_batchCount] = _states[node]!;
                _batchCount++;
                return Outcome.Leaf;
            }
            int child = node == 0 && _gumbelActive ? SelectGumbelChild() : SelectChild(ref n, forced: node == 0 && _forcedActive);
            if (_states[child] is null) Materialise(node, child);
            node = child;
        }
    }

    private int SelectChild(ref Node parent, bool forced = false)
    {
        int parentVisits = parent.Visits + parent.InFlight;
        double explore = ExplorationAt(parentVisits);
        // Forced playouts: a child below √(k·P·N) visits comes first (among such children, the best by PUCT).
        double forcedScale = forced ? Options.ForcedPlayouts * Math.Max(0, parentVisits - 1) : 0;
        double fpu = _fpuAbsolute ? _fpuValue : MeanForPlayerToMove(ref parent) - _fpuValue;
        double virtualLoss = _virtualLoss;
        var nodes = _nodes;
        int first = parent.FirstChild, end = first + parent.NumChildren, best = first;
        double bestScore = double.NegativeInfinity;
        for (int i = first; i < end; i++)
        {
            ref Node child = ref nodes[i];
            int n = child.Visits + child.InFlight;
            double q = n == 0 ? fpu : (child.ValueSum - virtualLoss * child.InFlight) / n;
            double score = q + explore * child.Prior / (1 + n);
            if (forced && child.Prior > 0 && n * (double)n < forcedScale * child.Prior) score += 1e6;
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    /// <summary>PUCT's exploration factor <c>c(N)·√N</c> at a parent with <paramref name="parentVisits"/> visits.</summary>
    private double ExplorationAt(int parentVisits)
    {
        double c = _cPuct;
        if (_growExploration) c += Math.Log((1 + parentVisits + _cPuctBase) / _cPuctBase);
        return c * Math.Sqrt(parentVisits);
    }

    /// <summary>
    /// Policy target pruning (after forced playouts): the root children's visits with, for every child but the most visited,
    /// as many visits removed (up to its forced ones, <c>√(k·P·N)</c>) as keep its PUCT score at or below the most visited
    /// child's; a child left with one visit or fewer is dropped.
    /// </summary>
    private int[] PrunedVisits(int[] visits)
    {
        ref Node root = ref _nodes[0];
        int first = root.FirstChild, end = first + root.NumChildren, best = -1, total = 0;
        for (int i = first; i < end; i++)
        {
            total += _nodes[i].Visits;
            if (best < 0 || _nodes[i].Visits > _nodes[best].Visits) best = i;
        }
        var pruned = (int[])visits.Clone();
        if (best < 0 || _nodes[best].Visits == 0) return pruned;
        double explore = ExplorationAt(root.Visits);
        ref Node top = ref _nodes[best];
        double bestScore = top.ValueSum / top.Visits + explore * top.Prior / (1 + top.Visits);
        for (int i = first; i < end; i++)
        {
            if (i == best) continue;
            ref Node c = ref _nodes[i];
            if (c.Visits == 0) continue;
            double q = c.ValueSum / c.Visits;
            int keep = c.Visits;
            if (q < bestScore)
            {
                // The fewest visits n' with q + explore·P/(1 + n') ≤ bestScore, but no fewer than its visits minus its forced ones.
                int forced = (int)Math.Floor(Math.Sqrt(Options.ForcedPlayouts * c.Prior * total));
                double atLeast = Math.Ceiling(explore * c.Prior / (bestScore - q) - 1 - 1e-9);
                keep = (int)Math.Clamp(Math.Max(atLeast, c.Visits - forced), 0, c.Visits);
            }
            pruned[c.Action] = keep <= 1 ? 0 : keep;
        }
        return pruned;
    }

    /// <summary>The node's mean value for the player to move at it (its mover may be someone else).</summary>
    private static double MeanForPlayerToMove(ref Node n)
    {
        if (n.Visits == 0) return 0;
        double mean = n.ValueSum / n.Visits;
        return n.Mover == n.Player ? mean : -mean;
    }

    private void Materialise(int parent, int child)
    {
        var state = _states[parent]!.Apply(_nodes[child].Action);
        _states[child] = state;
        ref Node c = ref _nodes[child];
        c.Player = (sbyte)state.CurrentPlayer;
        if (state.IsTerminal) c.Flags |= TerminalFlag;
    }

    /// <summary>Adds one visit and <paramref name="value"/> (for <paramref name="player"/>) from <paramref name="leaf"/> up to the root.</summary>
    private void Backup(int leaf, double value, int player, bool pending)
    {
        var nodes = _nodes;
        int removed = pending ? 1 : 0;
        for (int i = leaf; i != None;)
        {
            ref Node n = ref nodes[i];
            n.Visits++;
            n.ValueSum += n.Mover == player ? value : -value;
            n.InFlight -= removed;
            i = n.Parent;
        }
    }

    private void EvaluateBatch()
    {
        int count = _batchCount, numActions = _numActions;
        try
        {
            _oracle!.Evaluate(_batchStates.AsSpan(0, count), _batchPriors.AsSpan(0, count * numActions), _batchValues.AsSpan(0, count));
        }
        catch
        {
            AbandonBatch();
            throw;
        }
        ApplyEvaluations(_batchPriors.AsSpan(0, count * numActions), _batchValues.AsSpan(0, count));
    }

    /// <summary>Takes the pending leaves of the current batch back (their paths lose the virtual loss), leaving the tree as before the batch.</summary>
    private void AbandonBatch()
    {
        for (int b = 0; b < _batchCount; b++)
        {
            int node = _batchNodes[b];
            _nodes[node].Flags &= unchecked((byte)~PendingFlag);
            if (node != 0) _states[node] = null; // back to never reached (the root always keeps its state)
            for (int i = node; i != None; i = _nodes[i].Parent) _nodes[i].InFlight--;
        }
        Array.Clear(_batchStates, 0, _batchCount);
        _batchCount = 0;
    }

    private void Expand(int node, ReadOnlySpan<float> priors)
    {
        var state = _states[node]!;
        int legal = state.GetLegalActions(_legal);
        if (ActionFilter is { } filter)
        {
            int kept = 0;
            for (int k = 0; k < legal; k++)
                if (filter(state, _legal[k])) _legal[kept++] = _legal[k];
            if (kept > 0) legal = kept;
            else legal = state.GetLegalActions(_legal); // everything rejected: keep the legal actions
        }
        EnsureCapacity(_count + legal);
        double sum = 0;
        for (int k = 0; k < legal; k++)
        {
            float p = priors[_legal[k]];
            if (p > 0 && float.IsFinite(p)) sum += p;
        }
        bool uniform = !(sum > 0) || double.IsInfinity(sum);
        float scale = uniform ? 0f : (float)(1.0 / sum), flat = 1f / legal;
        int first = _count;
        sbyte mover = _nodes[node].Player;
        var nodes = _nodes;
        for (int k = 0; k < legal; k++)
        {
            float p = priors[_legal[k]];
            nodes[first + k] = new Node
            {
                Parent = node,
                FirstChild = None,
                Action = _legal[k],
                Prior = uniform ? flat : p > 0 && float.IsFinite(p) ? p * scale : 0f,
                Mover = mover,
                Player = -1,
            };
        }
        _count += legal;
        ref Node n = ref nodes[node];
        n.FirstChild = first;
        n.NumChildren = legal;
        n.Flags &= unchecked((byte)~PendingFlag);
        if (node == 0 && _gumbel && _searching) StartGumbel();
        else if (node == 0 && Options.RootNoise && _noiseThisSearch && !_gumbel && !_rootNoised) ApplyRootNoise();
    }

    private void ApplyRootNoise()
    {
        ref Node root = ref _nodes[0];
        int count = root.NumChildren, first = root.FirstChild;
        var noise = _noise.AsSpan(0, count);
        Sampling.Dirichlet(_rng, Options.DirichletAlpha, noise);
        double eps = Options.DirichletEpsilon;
        for (int k = 0; k < count; k++)
        {
            ref Node c = ref _nodes[first + k];
            c.Prior = (float)((1 - eps) * c.Prior + eps * noise[k]);
        }
        _rootNoised = true;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _nodes.Length) return;
        int capacity = Math.Max(needed, _nodes.Length * 2);
        Array.Resize(ref _nodes, capacity);
        Array.Resize(ref _states, capacity);
    }

    /// <summary>Copies the subtree of <paramref name="newRoot"/> to the front of the spare arena (breadth first, so children stay contiguous) and swaps arenas.</summary>
    private void KeepSubtree(int newRoot)
    {
        if (_spareNodes.Length < _nodes.Length)
        {
            _spareNodes = new Node[_nodes.Length];
            _spareStates = new IGameState?[_nodes.Length];
        }
        Node[] src = _nodes, dst = _spareNodes;
        IGameState?[] srcStates = _states, dstStates = _spareStates;
        dst[0] = src[newRoot];
        dst[0].Parent = None;
        dstStates[0] = srcStates[newRoot];
        int count = 1;
        for (int i = 0; i < count; i++)
        {
            ref Node d = ref dst[i];
            if (d.FirstChild == None) continue;
            int oldFirst = d.FirstChild;
            d.FirstChild = count;
            for (int k = 0; k < d.NumChildren; k++)
            {
                dst[count] = src[oldFirst + k];
                dst[count].Parent = i;
                dstStates[count] = srcStates[oldFirst + k];
                count++;
            }
        }
        Array.Clear(srcStates, 0, _count);
        (_nodes, _spareNodes) = (dst, src);
        (_states, _spareStates) = (dstStates, srcStates);
        _count = count;
        _rootNoised = false;
        _gumbelActive = false;
    }

    // ---------------------------------------------------------------- results

    private SearchResult BuildResult(int simulations, SearchStatistics stats)
    {
        ref Node root = ref _nodes[0];
        var visits = new int[_numActions];
        var priors = new float[_numActions];
        var values = new float[_numActions];
        int rootPlayer = root.Player;
        for (int i = root.FirstChild, end = i + root.NumChildren; i < end; i++)
        {
            ref Node c = ref _nodes[i];
            visits[c.Action] = c.Visits;
            priors[c.Action] = c.Prior;
            if (c.Visits > 0) values[c.Action] = (float)((c.Mover == rootPlayer ? 1 : -1) * c.ValueSum / c.Visits);
        }
        double temperature = Options.TemperatureAt(_states[0]!.MoveNumber);
        var improved = ImmutableArray<float>.Empty;
        var targetVisits = ImmutableArray<int>.Empty;
        int action;
        if (_gumbelActive)
        {
            temperature = 0;
            action = GumbelResult(out var target);
            improved = ImmutableArray.Create(target);
        }
        else
        {
            var chooseFrom = visits;
            if (_forcedActive)
            {
                chooseFrom = PrunedVisits(visits);
                targetVisits = ImmutableArray.Create(chooseFrom);
            }
            action = SelectAction(chooseFrom, temperature, _rng);
            if (action < 0) action = ArgMax(priors); // one simulation only expanded the root
        }
        return new SearchResult
        {
            RootPlayer = rootPlayer,
            Visits = ImmutableArray.Create(visits),
            Priors = ImmutableArray.Create(priors),
            ActionValues = ImmutableArray.Create(values),
            RootValue = MeanForPlayerToMove(ref root),
            RootVisits = root.Visits,
            Simulations = simulations,
            Temperature = temperature,
            Action = action,
            PrincipalVariation = PrincipalVariation(),
            Statistics = stats,
            ImprovedPolicy = improved,
            TargetVisits = targetVisits,
        };
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        for (int a = 1; a < x.Length; a++) if (x[a] > x[best]) best = a;
        return best;
    }

    private ImmutableArray<int> PrincipalVariation()
    {
        var pv = ImmutableArray.CreateBuilder<int>();
        int node = 0;
        while (_nodes[node].FirstChild != None)
        {
            ref Node n = ref _nodes[node];
            int best = None, bestVisits = 0;
            for (int i = n.FirstChild, end = i + n.NumChildren; i < end; i++)
                if (_nodes[i].Visits > bestVisits) { bestVisits = _nodes[i].Visits; best = i; }
            if (best == None) break;
            pv.Add(_nodes[best].Action);
            node = best;
        }
        return pv.ToImmutable();
    }

    private static InvalidOperationException NoRoot() => new("the search has no root: call Reset(state) first");

    // ---------------------------------------------------------------- inspection

    /// <summary>
    /// A read-only view of one node, for inspection and tests. Valid until the tree next changes
    /// (<see cref="Search()"/>, <see cref="AdvanceTo"/>, <see cref="Reset"/>).
    /// </summary>
    public readonly struct TreeNode
    {
        private readonly Mcts _tree;
        private readonly int _index;

        internal TreeNode(Mcts tree, int index)
        {
            _tree = tree;
            _index = index;
        }

        private ref Node N => ref _tree._nodes[_index];

        /// <summary>The action from the parent; −1 for a root created by <see cref="Reset"/>.</summary>
        public int Action => N.Action;

        /// <summary>Visits <c>N</c>: 1 + the children's visits once expanded.</summary>
        public int Visits => N.Visits;

        /// <summary>Evaluations pending below this node (its virtual-loss count); 0 whenever no search is running.</summary>
        public int PendingEvaluations => N.InFlight;

        /// <summary>Prior of the edge from the parent (with root noise for the root's children).</summary>
        public float Prior => N.Prior;

        /// <summary>The player who chose this node's action (for the root: its player to move when the tree was made).</summary>
        public int Mover => N.Mover;

        /// <summary>Mean value <c>W/N</c> from <see cref="Mover"/>'s point of view; 0 when unvisited.</summary>
        public double MeanValue => N.Visits == 0 ? 0 : N.ValueSum / N.Visits;

        /// <summary>The position, or null if the node was never reached.</summary>
        public IGameState? State => _tree._states[_index];

        /// <summary>Whether the node has children.</summary>
        public bool IsExpanded => N.FirstChild != None;

        /// <summary>Whether the position is terminal.</summary>
        public bool IsTerminal => (N.Flags & TerminalFlag) != 0;

        /// <summary>Number of children (legal actions) once expanded; 0 before.</summary>
        public int ChildCount => N.FirstChild == None ? 0 : N.NumChildren;

        /// <summary>The <paramref name="i"/>-th child, in ascending action order.</summary>
        public TreeNode Child(int i)
        {
            if ((uint)i >= (uint)ChildCount) throw new ArgumentOutOfRangeException(nameof(i));
            return new TreeNode(_tree, N.FirstChild + i);
        }

        /// <summary>The children, in ascending action order.</summary>
        public IEnumerable<TreeNode> Children
        {
            get
            {
                var list = new TreeNode[ChildCount];
                for (int i = 0; i < list.Length; i++) list[i] = Child(i);
                return list;
            }
        }
    }
}
