using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>Settings of a <see cref="SelfPlayEngine"/>.</summary>
/// <param name="Games">Games in progress at once, over all workers.</param>
/// <param name="Workers">Worker threads; each advances its share of the games.</param>
/// <param name="GroupsPerWorker">Groups a worker splits its games into; each group's leaves go to the inference service
/// as one contribution, so while one group's batch is evaluated the worker searches the others. At least 1; 2 overlaps
/// search with inference.</param>
/// <param name="Search">The search of every game (simulations, noise, temperature, <see cref="MctsOptions.LeavesPerBatch"/>
/// leaves per game and step). Its seed is ignored: game <c>k</c> of slot <c>s</c> of worker <c>w</c> uses
/// <see cref="SelfPlayEngine.GameSeed"/>.</param>
/// <param name="Seed">The base of every game's seed.</param>
public sealed record SelfPlayEngineOptions(int Games, int Workers, int GroupsPerWorker, MctsOptions Search, int Seed)
{
    /// <summary>When games end by resignation; null: never (every game is played to its end).</summary>
    public ResignPolicy? Resign { get; init; }

    /// <summary>Playout cap randomisation (most moves searched cheaply, without noise, and not trained on); null: every
    /// move is a full search of <see cref="MctsOptions.Simulations"/>.</summary>
    public PlayoutCap? Cap { get; init; }

    /// <summary>Random openings (a share of the games start with uniformly random moves, not trained on); null: every game
    /// starts from the initial position with searched moves.</summary>
    public RandomOpening? Opening { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting, given the inference batch limit.</summary>
    public void Validate(int maxBatch)
    {
        if (Workers < 1) throw new ArgumentException($"self-play needs at least 1 worker, got {Workers}", nameof(Workers));
        if (GroupsPerWorker < 1) throw new ArgumentException($"a worker needs at least 1 group of games, got {GroupsPerWorker}", nameof(GroupsPerWorker));
        if (Games < Workers * GroupsPerWorker)
            throw new ArgumentException($"{Games} games cannot fill {Workers} workers × {GroupsPerWorker} groups: give at least {Workers * GroupsPerWorker} games", nameof(Games));
        ArgumentNullException.ThrowIfNull(Search);
        int largest = LargestGroup * Search.LeavesPerBatch;
        if (largest > maxBatch)
            throw new ArgumentException($"a group of {LargestGroup} games × {Search.LeavesPerBatch} leaves = {largest} positions exceeds the inference batch " +
                                        $"limit {maxBatch}: raise inference.maxBatch or use more workers or groups", nameof(Games));
    }

    /// <summary>Games of the largest group (games are spread as evenly as possible over workers, then groups).</summary>
    public int LargestGroup
    {
        get
        {
            int perWorker = (Games + Workers - 1) / Workers;
            return (perWorker + GroupsPerWorker - 1) / GroupsPerWorker;
        }
    }
}

/// <summary>
/// Self-play at scale: a few worker threads each advance hundreds of games at once through the stepwise search
/// (<see cref="Mcts.BeginSearch"/>, <see cref="Mcts.GatherLeaves"/>, <see cref="Mcts.ApplyEvaluations"/>). A worker
/// gathers the leaves of one group of its games, writes their observations straight into the inference service's host
/// batch, and searches its other groups while that batch is evaluated; when the answers are in it applies them, plays
/// the moves whose searches are complete, and starts new games in the slots of finished ones.
/// </summary>
/// <remarks>
/// <para><b>Games.</b> Each game is played as <see cref="SelfPlayer.Play"/> plays it (the same search plays both sides,
/// root noise, temperature moves, visit-distribution targets); with the same seed and an oracle giving the model's
/// answers, the moves are the same. Every record carries the first and the newest model version that answered one of
/// its positions.</para>
/// <para><b>Back-pressure.</b> A game starts only with a credit (<see cref="AddCredits"/>); the owner returns credits as
/// finished games are acknowledged, so the games finished and not yet acknowledged stay bounded.</para>
/// <para><b>Threads.</b> The constructor's <c>finished</c> and <c>failed</c> callbacks are called on worker
/// threads. A worker that fails (the model threw, a game broke a rule) reports it once and stops.</para>
/// </remarks>
public sealed class SelfPlayEngine : IDisposable
{
    private readonly IGame _game;
    private readonly InferenceService _inference;
    private readonly SelfPlayEngineOptions _options;
    private readonly Action<GameRecord> _finished;
    private readonly Action<Exception> _failed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Worker[] _workers;
    private readonly Thread[] _threads;
    private long _credits, _games, _positions, _moves;
    private int _started, _disposed;

    /// <summary>Creates the workers and their games (not yet started: see <see cref="Start"/>).</summary>
    /// <param name="game">The game.</param>
    /// <param name="inference">The inference service (its batch limit bounds a group's leaves).</param>
    /// <param name="options">Games, workers, groups, search.</param>
    /// <param name="credits">Games that may start before <see cref="AddCredits"/> gives more.</param>
    /// <param name="finished">Receives each finished game (on a worker thread).</param>
    /// <param name="failed">Receives a worker's failure (on that worker's thread).</param>
    /// <exception cref="ArgumentException">The options do not fit (see <see cref="SelfPlayEngineOptions.Validate"/>), or the
    /// service was made for another observation size or action count.</exception>
    public SelfPlayEngine(IGame game, InferenceService inference, SelfPlayEngineOptions options, long credits,
        Action<GameRecord> finished, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(game);
        ArgumentNullException.ThrowIfNull(inference);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(inference.Options.MaxBatch);
        if (inference.ObservationSize != game.ObservationShape.Size || inference.Actions != game.NumActions)
            throw new ArgumentException($"the inference service evaluates observations of {inference.ObservationSize} floats with {inference.Actions} actions; " +
                                        $"{game.Name} has {game.ObservationShape.Size} and {game.NumActions}", nameof(inference));
        ArgumentOutOfRangeException.ThrowIfNegative(credits);
        _game = game;
        _inference = inference;
        _options = options;
        _credits = credits;
        _finished = finished ?? throw new ArgumentNullException(nameof(finished));
        _failed = failed ?? throw new ArgumentNullException(nameof(failed));
        _workers = new Worker[options.Workers];
        int games = options.Games;
        for (int w = 0; w < options.Workers; w++)
        {
            int mine = games / options.Workers + (w < games % options.Workers ? 1 : 0);
            _workers[w] = new Worker(this, w, mine);
        }
        _threads = _workers.Select(w => new Thread(w.Run) { IsBackground = true, Name = $"selfplay-{w.Index}" }).ToArray();
    }

    /// <summary>The seed of game <paramref name="game"/> (counted from 0) of slot <paramref name="slot"/> of worker
    /// <paramref name="worker"/>: the same on every run with the same base seed.</summary>
    public static int GameSeed(int seed, int worker, int slot, long game) => HashCode.Combine(seed, worker, slot, game);

    /// <summary>Games finished so far.</summary>
    public long Games => Interlocked.Read(ref _games);

    /// <summary>Positions (moves) of the games finished so far.</summary>
    public long Positions => Interlocked.Read(ref _positions);

    /// <summary>Moves played so far (in finished games and in games still in progress).</summary>
    public long Moves => Interlocked.Read(ref _moves);

    /// <summary>Credits left: games that may still start.</summary>
    public long Credits => Interlocked.Read(ref _credits);

    /// <summary>Starts the worker threads.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the engine is already started");
        foreach (var t in _threads) t.Start();
    }

    /// <summary>Lets <paramref name="games"/> more games start (returned as finished games are acknowledged).</summary>
    public void AddCredits(int games)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(games);
        if (games == 0) return;
        Interlocked.Add(ref _credits, games);
        foreach (var w in _workers) w.Wake.Set();
    }

    private bool TakeCredit()
    {
        while (true)
        {
            long c = Interlocked.Read(ref _credits);
            if (c <= 0) return false;
            if (Interlocked.CompareExchange(ref _credits, c - 1, c) == c) return true;
        }
    }

    /// <summary>Stops the workers (games in progress are dropped) and waits for their threads. Stop the engine before
    /// its inference service.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        foreach (var w in _workers) w.Wake.Set();
        if (_started != 0) foreach (var t in _threads) t.Join();
        // The wake events stay undisposed: the inference service may still set them for a batch in flight.
    }

    /// <summary>One worker thread: its games, split in groups, each with at most one contribution in flight.</summary>
    private sealed class Worker
    {
        private readonly SelfPlayEngine _engine;
        private readonly Group[] _groups;

        public Worker(SelfPlayEngine engine, int index, int games)
        {
            _engine = engine;
            Index = index;
            int groups = engine._options.GroupsPerWorker, slot = 0;
            _groups = new Group[groups];
            for (int g = 0; g < groups; g++)
            {
                int size = games / groups + (g < games % groups ? 1 : 0);
                var members = new SelfPlayGame[size];
                for (int i = 0; i < size; i++) members[i] = new SelfPlayGame(engine._game, new Mcts(engine._options.Search), slot++, engine._options.Resign, engine._options.Cap,
                        engine._options.Opening);
                _groups[g] = new Group(members);
            }
        }

        public int Index { get; }

        public ManualResetEventSlim Wake { get; } = new();

        public void Run()
        {
            var token = _engine._stop.Token;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    Wake.Reset();
                    bool progressed = false;
                    foreach (var group in _groups) progressed |= Step(group);
                    if (!progressed) Wake.Wait(token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { }
            catch (ObjectDisposedException) when (token.IsCancellationRequested) { }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                _engine._failed(e);
            }
        }

        /// <summary>Advances one group as far as it can go without waiting; returns whether anything changed.</summary>
        private bool Step(Group group)
        {
            bool progressed = false;
            if (group.InFlight)
            {
                var ticket = group.Ticket;
                if (!ticket.IsAnswered) return false;
                if (ticket.Failure is { } failure)
                {
                    if (failure is ObjectDisposedException) throw failure;
                    throw new InvalidOperationException($"inference failed: {failure.Message}", failure);
                }
                Apply(group, ticket);
                _engine._inference.Release(ticket);
                group.InFlight = false;
                progressed = true;
            }
            if (group.Rows == 0) progressed |= Gather(group);
            if (group.Rows > 0 && _engine._inference.TryReserve(group.Rows, Wake, out var reserved))
            {
                Encode(group, reserved);
                _engine._inference.Commit(reserved);
                group.Ticket = reserved;
                group.InFlight = true;
                group.Rows = 0;
                progressed = true;
            }
            return progressed;
        }

        /// <summary>Gives each game its answers, and plays the moves whose searches are now complete.</summary>
        private void Apply(Group group, in InferenceTicket ticket)
        {
            var priors = ticket.Priors;
            var values = ticket.Values;
            int actions = _engine._game.NumActions, row = 0;
            foreach (var game in group.Games)
            {
                var search = game.Search;
                int k = search.PendingLeaves;
                if (k == 0) continue;
                search.ApplyEvaluations(priors.Slice(row * actions, k * actions), values.Slice(row, k));
                game.Answered(ticket.Version);
                row += k;
            }
            if (row != ticket.Rows) throw new InvalidOperationException($"a group applied {row} answers of the {ticket.Rows} it asked for");
        }

        /// <summary>Starts games in free slots (credits permitting) and gathers the next leaves of every game; a search that
        /// completes without leaves (all its simulations ended at terminal positions) plays its move at once. Sets the
        /// group's row count; returns whether anything happened (leaves gathered or a move played).</summary>
        private bool Gather(Group group)
        {
            int rows = 0;
            bool moved = false;
            foreach (var game in group.Games)
            {
                while (true)
                {
                    if (!game.Active)
                    {
                        if (!_engine.TakeCredit()) break;
                        game.Start(GameSeed(_engine._options.Seed, Index, game.Slot, game.Played));
                    }
                    var search = game.Search;
                    if (!search.IsSearching) game.BeginSearch(_engine._options.Search.Simulations);
                    int k = search.IsSearchComplete ? 0 : search.GatherLeaves().Length; // empty only once complete
                    if (k > 0)
                    {
                        rows += k;
                        break;
                    }
                    moved = true;
                    Interlocked.Increment(ref _engine._moves);
                    if (game.Play(search.EndSearch()) is { } record) Finish(record);
                }
            }
            group.Rows = rows;
            return rows > 0 || moved;
        }

        private void Finish(GameRecord record)
        {
            Interlocked.Increment(ref _engine._games);
            Interlocked.Add(ref _engine._positions, record.Length);
            _engine._finished(record);
        }

        /// <summary>Writes every pending leaf's observation into the reserved rows, in the order <see cref="Apply"/> reads answers.</summary>
        private void Encode(Group group, in InferenceTicket ticket)
        {
            var observations = ticket.Observations;
            int size = _engine._inference.ObservationSize, row = 0;
            foreach (var game in group.Games)
                foreach (var state in game.Search.PendingLeafStates)
                    state.WriteObservation(observations.Slice(row++ * size, size));
        }
    }

    /// <summary>Games whose leaves travel together as one contribution.</summary>
    private sealed class Group(SelfPlayGame[] games)
    {
        public SelfPlayGame[] Games { get; } = games;

        /// <summary>Leaves gathered and waiting for a reservation (0: gather next).</summary>
        public int Rows { get; set; }

        public bool InFlight { get; set; }

        public InferenceTicket Ticket { get; set; }
    }
}

/// <summary>
/// One self-play game in progress: its search, the moves played and the policy targets recorded. Used by
/// <see cref="SelfPlayEngine"/> (many games per thread) and <see cref="SelfPlayer"/> (one game, synchronously), so a
/// game is recorded one way.
/// </summary>
public sealed class SelfPlayGame
{
    private readonly IGame _game;
    private readonly ResignPolicy? _resign;
    private readonly PlayoutCap? _cap;
    private readonly RandomOpening? _opening;
    private readonly List<int> _actions = [];
    private readonly List<float[]> _policies = [];
    private readonly List<float> _rootValues = [];
    private readonly List<bool> _fullSearch = [];
    private IGameState _state;
    private long _firstVersion = -1, _newestVersion;
    private bool _resignDisabled, _full = true;
    private int? _wouldHaveResigned;
    private Random _random = new(0);

    /// <summary>A game slot that plays with <paramref name="search"/> (started with <see cref="Start"/>).</summary>
    /// <param name="game">The game; where it has <see cref="ISelfPlayRules"/>, the search keeps to them (<see cref="Mcts.ActionFilter"/>).</param>
    /// <param name="search">The search that plays both sides.</param>
    /// <param name="slot">The slot's number in its worker (part of its games' seeds).</param>
    /// <param name="resign">When a player resigns; null: never.</param>
    /// <param name="cap">Playout cap randomisation; null: every move is a full search.</param>
    /// <param name="opening">Random openings; null: every game starts from the initial position.</param>
    public SelfPlayGame(IGame game, Mcts search, int slot = 0, ResignPolicy? resign = null, PlayoutCap? cap = null, RandomOpening? opening = null)
    {
        _game = game;
        Search = search;
        Slot = slot;
        _resign = resign is not null && game.NumPlayers == 2 ? resign : null;
        _cap = cap;
        _opening = opening;
        if (game is ISelfPlayRules rules) search.ActionFilter = rules.PermitsInSelfPlay;
        _state = game.NewInitialState();
    }

    /// <summary>The search of this game.</summary>
    public Mcts Search { get; }

    /// <summary>The slot's number in its worker.</summary>
    public int Slot { get; }

    /// <summary>Whether a game is in progress in this slot.</summary>
    public bool Active { get; private set; }

    /// <summary>Games this slot has started.</summary>
    public long Played { get; private set; }

    /// <summary>Starts a game from the initial position; <paramref name="seed"/> (if any) reseeds the search first and decides
    /// whether this game is one played out to check resignation (<see cref="ResignPolicy.CheckShare"/>) and, with
    /// <see cref="RandomOpening"/>, whether and how far the game opens with random moves (played here, before the first
    /// search, and recorded as moves that are not training positions).</summary>
    public void Start(int? seed = null)
    {
        if (seed is int s) Search.Reseed(s);
        _state = _game.NewInitialState();
        _actions.Clear();
        _policies.Clear();
        _rootValues.Clear();
        _fullSearch.Clear();
        _firstVersion = -1;
        _newestVersion = 0;
        _random = new Random(seed ?? (int)Played);
        _resignDisabled = _resign is { } r && _random.NextDouble() < r.CheckShare;
        _full = true;
        _wouldHaveResigned = null;
        if (_opening is { } opening) PlayRandomOpening(opening.Length(_random));
        Search.Reset(_state);
        Active = true;
        Played++;
    }

    /// <summary>Plays up to <paramref name="moves"/> uniformly random legal moves that do not end the game (stopping early
    /// where every move would), each recorded with its own move as the policy, a root value of 0 and no training position.</summary>
    private void PlayRandomOpening(int moves)
    {
        var legal = new int[_game.NumActions];
        var next = new IGameState[_game.NumActions];
        var rules = _game as ISelfPlayRules;
        for (int m = 0; m < moves; m++)
        {
            int n = _state.GetLegalActions(legal), kept = 0;
            for (int i = 0; i < n; i++)
            {
                int a = legal[i];
                if (rules is not null && !rules.PermitsInSelfPlay(_state, a)) continue;
                var child = _state.Apply(a);
                if (child.IsTerminal) continue;
                legal[kept] = a;
                next[kept++] = child;
            }
            if (kept == 0) return;
            int k = _random.Next(kept);
            var policy = new float[_game.NumActions];
            policy[legal[k]] = 1;
            Record(legal[k], policy, 0, full: false, next[k]);
        }
    }

    /// <summary>Appends a move to the record (its action, policy target, root value and whether it is a training position)
    /// and makes <paramref name="after"/>, the position it leads to, the current one.</summary>
    private void Record(int action, float[] policy, float rootValue, bool full, IGameState after)
    {
        _actions.Add(action);
        _policies.Add(policy);
        _rootValues.Add(rootValue);
        _fullSearch.Add(full);
        _state = after;
    }

    /// <summary>
    /// Starts the search of the next move on <see cref="Search"/> (to be driven stepwise): a full search of
    /// <paramref name="simulations"/> with root noise, or, with playout cap randomisation, in a share of moves a cheap one
    /// of <see cref="PlayoutCap.FastSimulations"/> without noise, whose position will not be a training position.
    /// </summary>
    public void BeginSearch(int simulations)
    {
        var (n, full) = NextSearch(simulations);
        Search.BeginSearch(n, rootNoise: full);
    }

    /// <summary>Searches the next move synchronously (with the search's oracle), choosing full or cheap as <see cref="BeginSearch"/> does.</summary>
    public SearchResult SearchMove(int simulations)
    {
        var (n, full) = NextSearch(simulations);
        return Search.Search(n, rootNoise: full);
    }

    private (int Simulations, bool Full) NextSearch(int simulations)
    {
        if (!Active) throw new InvalidOperationException("no game in progress: call Start first");
        _full = _cap is not { } cap || cap.FastSimulations >= simulations || _random.NextDouble() < cap.FullShare;
        return (_full ? simulations : _cap!.FastSimulations, _full);
    }

    /// <summary>Notes that model <paramref name="version"/> answered a position of this game.</summary>
    public void Answered(long version)
    {
        if (_firstVersion < 0) _firstVersion = version;
        if (version > _newestVersion) _newestVersion = version;
    }

    /// <summary>Plays the move <paramref name="result"/> chose and records its visit distribution, or resigns for the player to
    /// move (<see cref="ResignPolicy"/>); returns the game's record when that ended it (the slot is then free), else null.</summary>
    public GameRecord? Play(SearchResult result)
    {
        if (!Active) throw new InvalidOperationException("no game in progress: call Start first");
        if (_resign is { } policy && _actions.Count > 0 && policy.Resigns(result))
        {
            if (!_resignDisabled) return End(resigned: result.RootPlayer);
            _wouldHaveResigned ??= result.RootPlayer;
        }
        Record(result.Action, result.Policy(), (float)Math.Clamp(result.RootValue, -1, 1), _full, _state.Apply(result.Action));
        if (!_state.IsTerminal)
        {
            Search.AdvanceTo(result.Action);
            return null;
        }
        return End(resigned: null);
    }

    private GameRecord End(int? resigned)
    {
        Active = false;
        var returns = new double[_game.NumPlayers];
        for (int p = 0; p < returns.Length; p++)
            returns[p] = resigned is int loser ? (p == loser ? -1 : 1) : _state.Returns(p);
        return new GameRecord(Guid.NewGuid(), _game.Name, _newestVersion, _actions.ToArray(), _policies.ToArray(), returns, Math.Max(_firstVersion, 0),
            resigned, _wouldHaveResigned, _rootValues.ToArray(), _cap is null && _opening is null ? null : _fullSearch.ToArray());
    }
}

/// <summary>
/// When a self-play player resigns, as AlphaGo Zero's self-play did: when both the root's value and its best move's value,
/// for the player to move, are below <paramref name="Value"/>. In a share <paramref name="CheckShare"/> of the games
/// resigning is disabled and the game is played out; a player who would have resigned there and did not lose is a false
/// positive (<see cref="GameRecord.WouldHaveResigned"/>), which is how the threshold is judged.
/// </summary>
/// <param name="Value">The resignation threshold, a value in <c>(−1, 1)</c> (AlphaGo Zero kept its false positives under 5 %).</param>
/// <param name="CheckShare">The share of games played out whatever the values, in <c>[0, 1]</c>.</param>
public sealed record ResignPolicy(double Value, double CheckShare)
{
    /// <summary>Whether the player to move at the root of <paramref name="result"/> resigns.</summary>
    public bool Resigns(SearchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!(result.RootValue < Value)) return false;
        float best = float.NegativeInfinity;
        for (int a = 0; a < result.Visits.Length; a++)
            if (result.Visits[a] > 0 && result.ActionValues[a] > best) best = result.ActionValues[a];
        return best < Value;
    }
}

/// <summary>
/// Random openings: a share <paramref name="Share"/> of the self-play games start with a number of uniformly random legal
/// moves, drawn uniformly from 1 to <paramref name="MaxMoves"/>, before the searched moves. The random moves are recorded
/// (the game replays from its initial position) but are not training positions. Self-play from the initial position
/// visits a narrow family of positions; games opened at random train the network on the positions that other players
/// reach, including the random positions that the solver-labelled accuracy set is drawn from (KataGo diversifies its
/// self-play openings for the same reason).
/// </summary>
/// <param name="Share">The share of games opened at random, in <c>[0, 1]</c>.</param>
/// <param name="MaxMoves">The most random moves of an opening, at least 1.</param>
public sealed record RandomOpening(double Share, int MaxMoves)
{
    /// <summary>The share of games opened at random.</summary>
    public double Share { get; } = Share >= 0 && Share <= 1 ? Share
        : throw new ArgumentOutOfRangeException(nameof(Share), Share, "the share of randomly opened games must be in [0, 1]");

    /// <summary>The most random moves of an opening.</summary>
    public int MaxMoves { get; } = MaxMoves >= 1 ? MaxMoves
        : throw new ArgumentOutOfRangeException(nameof(MaxMoves), MaxMoves, "a random opening needs at least 1 move");

    /// <summary>The random moves of the next game: 0 with probability <c>1 − Share</c>, else uniform in <c>[1, MaxMoves]</c>.</summary>
    public int Length(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.NextDouble() < Share ? random.Next(1, MaxMoves + 1) : 0;
    }
}

/// <summary>
/// KataGo's playout cap randomisation: each move is a full search (with root noise; its visits are a policy target) with
/// probability <paramref name="FullShare"/>, else a cheap search of <paramref name="FastSimulations"/> without noise, whose
/// position is not a training position. Games get longer per simulation spent, so more games (and results for the value
/// target) come from the same compute, while every policy target still comes from a full search.
/// </summary>
/// <param name="FullShare">The share of moves searched in full, in <c>(0, 1]</c>.</param>
/// <param name="FastSimulations">Simulations of a cheap search, at least 1 (a move whose full search would be no larger is searched in full).</param>
public sealed record PlayoutCap(double FullShare, int FastSimulations)
{
    /// <summary>The share of moves searched in full.</summary>
    public double FullShare { get; } = FullShare > 0 && FullShare <= 1 ? FullShare
        : throw new ArgumentOutOfRangeException(nameof(FullShare), FullShare, "the share of full searches must be in (0, 1]");

    /// <summary>Simulations of a cheap search.</summary>
    public int FastSimulations { get; } = FastSimulations >= 1 ? FastSimulations
        : throw new ArgumentOutOfRangeException(nameof(FastSimulations), FastSimulations, "a cheap search needs at least 1 simulation");
}
