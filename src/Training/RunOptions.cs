using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training;

/// <summary>
/// Everything a training run is configured by, as nested immutable records with defaults. Loaded from
/// <c>configs/*.json</c> (camelCase keys, comments allowed, unknown keys rejected), validated at start with errors
/// that name the key, and copied into the run folder.
/// </summary>
public sealed record RunOptions
{
    /// <summary>The game: <c>tictactoe</c>, <c>connect4</c>, or Go as <c>go</c> followed by the board side (5–19, e.g. <c>go9</c>).</summary>
    public string Game { get; init; } = "connect4";

    /// <summary>Go's rules and network inputs (only for a Go game; null there means the defaults).</summary>
    public GoOptions? Go { get; init; }

    /// <summary>Seed of every random choice of the run (self-play, sampling, initial weights).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The network.</summary>
    public NetworkOptions Network { get; init; } = new();

    /// <summary>Self-play workers and their search.</summary>
    public SelfPlayOptions SelfPlay { get; init; } = new();

    /// <summary>The batched inference service.</summary>
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>The replay buffer.</summary>
    public ReplayOptions Replay { get; init; } = new();

    /// <summary>The trainer.</summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>BatchNorm: what is published and how Precise BN runs.</summary>
    public BnOptions Bn { get; init; } = new();

    /// <summary>Evaluation matches.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>When the run stops (both null: until interrupted).</summary>
    public LimitOptions Limits { get; init; } = new();

    /// <summary>libtorch's CPU kernels (the processes of the run, not its results: a run folder may change it on resume).</summary>
    public CpuOptions Cpu { get; init; } = new();

    /// <summary>Every problem with these options, each naming its key (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (string.IsNullOrWhiteSpace(Game)) p.Add("game must be set (tictactoe, connect4 or go5..go19)");
        if (Go is not null)
        {
            if (Game is null || !Game.StartsWith("go", StringComparison.Ordinal)) p.Add($"go: this section is for Go games, and the game is '{Game}'");
            Go.Check(p);
        }
        // A section written as null in a config file deserialises to null: name it rather than fail on it.
        void Section<T>(T? section, string key, Action<T> check) where T : class
        {
            if (section is null) p.Add($"{key} must be an object, got null");
            else check(section);
        }
        Section(Network, "network", s => s.Check(p));
        Section(SelfPlay, "selfPlay", s => s.Check(p));
        Section(Inference, "inference", s => s.Check(p));
        Section(Replay, "replay", s => s.Check(p));
        Section(Trainer, "trainer", s => s.Check(p));
        Section(Bn, "bn", s => s.Check(p));
        Section(Evaluation, "evaluation", s => s.Check(p));
        Section(Limits, "limits", s => s.Check(p));
        Section(Cpu, "cpu", s => s.Check(p));
        return p;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem.</summary>
    public RunOptions Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidDataException("invalid configuration: " + string.Join("; ", problems));
        return this;
    }

    /// <summary>The JSON settings of config files.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>Parses and validates a config; errors name the file and the key.</summary>
    public static RunOptions Parse(string json, string source)
    {
        RunOptions? options;
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            MoveFormerSearchKeys(node, source);
            options = node?.Deserialize<RunOptions>(Json);
        }
        catch (JsonException e)
        {
            string where = string.IsNullOrEmpty(e.Path) ? "" : $" at {e.Path.TrimStart('$', '.')}";
            throw new InvalidDataException($"{source}{where}: {FirstLine(e.Message)}", e);
        }
        catch (ArgumentException e) // a search option out of its range (MctsOptions checks each as it is set)
        {
            throw new InvalidDataException($"{source}: {SelfPlayOptions.SearchProblem(e)}", e);
        }
        if (options is null) throw new InvalidDataException($"{source}: the file holds no configuration object");
        var problems = options.Problems();
        if (problems.Count > 0) throw new InvalidDataException($"{source}: " + string.Join("; ", problems));
        return options;
    }

    /// <summary>Moves the search keys that <c>selfPlay</c> held before they moved into <c>selfPlay.search</c>
    /// (<see cref="SelfPlayOptions.FormerSearchKeys"/>) to their place there, so that older configs and run folders read as
    /// before. A key given both ways is an error.</summary>
    private static void MoveFormerSearchKeys(JsonNode? root, string source)
    {
        if (root is not JsonObject { } top || top["selfPlay"] is not JsonObject selfPlay) return;
        foreach (var (former, current) in SelfPlayOptions.FormerSearchKeys)
        {
            if (!selfPlay.TryGetPropertyValue(former, out var value)) continue;
            if (selfPlay["search"] is not JsonObject search)
            {
                if (selfPlay.ContainsKey("search")) return; // search: null or not an object; deserializing reports it
                selfPlay["search"] = search = new JsonObject();
            }
            if (search.ContainsKey(current))
                throw new InvalidDataException($"{source}: selfPlay.{former} and selfPlay.search.{current} are the same setting; give only selfPlay.search.{current}");
            selfPlay.Remove(former);
            search[current] = value;
        }
    }

    /// <summary>Reads, parses and validates a config file.</summary>
    public static RunOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The options as the JSON of a config file.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>The residual network's size.</summary>
public sealed record NetworkOptions
{
    /// <summary>Residual blocks.</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Filters of every tower convolution.</summary>
    public int Filters { get; init; } = 32;

    /// <summary>Width of the value head's hidden layer.</summary>
    public int ValueHidden { get; init; } = 64;

    /// <summary>The layer after each convolution: <c>batch</c> (BatchNorm, the default: the <c>bn</c> section applies),
    /// or one of its alternatives, which do not depend on the batch: <c>group</c> (Group Normalization, <see cref="Groups"/>
    /// groups), <c>layer</c> (Layer Normalization), <c>none</c> (no normalization; Fixup-style start). Without BatchNorm
    /// there are no statistics: Precise BN and the staleness meter have nothing to do, and the run says so.</summary>
    public NetworkNormalization Normalization { get; init; } = NetworkNormalization.Batch;

    /// <summary>Groups of Group Normalization (must divide <see cref="Filters"/>).</summary>
    public int Groups { get; init; } = 8;

    /// <summary>Whether the network has BatchNorm layers (and so running statistics).</summary>
    [JsonIgnore]
    public bool HasBatchNorm => Normalization == NetworkNormalization.Batch;

    internal void Check(List<string> p)
    {
        if (Blocks < 0 || Blocks > 80) p.Add($"network.blocks must be in [0, 80], got {Blocks}");
        if (Filters < 1 || Filters > 1024) p.Add($"network.filters must be in [1, 1024], got {Filters}");
        if (ValueHidden < 1) p.Add($"network.valueHidden must be at least 1, got {ValueHidden}");
        if (!Enum.IsDefined(Normalization)) p.Add($"network.normalization must be batch, group, layer or none, got {Normalization}");
        if (Normalization == NetworkNormalization.Group && (Groups < 1 || Filters % Groups != 0))
            p.Add($"network.groups must divide network.filters ({Filters}) for group normalization, got {Groups}");
    }
}

/// <summary>The normalization layer of the network (see <see cref="NetworkOptions.Normalization"/>).</summary>
public enum NetworkNormalization
{
    /// <summary>BatchNorm (the project's library).</summary>
    Batch,

    /// <summary>Group Normalization.</summary>
    Group,

    /// <summary>Layer Normalization.</summary>
    Layer,

    /// <summary>No normalization (Fixup-style start).</summary>
    None,
}

/// <summary>Self-play: how many games at once, on how many worker threads, and their search. Values left null are chosen
/// for the device the run uses (<see cref="SelfPlaySetup.Resolve"/>).</summary>
public sealed record SelfPlayOptions
{
    /// <summary>Games in progress at once, over all workers; null: chosen for the device (128 on a CPU, 256 per worker on CUDA).</summary>
    public int? ParallelGames { get; init; }

    /// <summary>Worker threads, each advancing its share of the games; null: chosen from the core count (one per 8 cores
    /// on a CPU, where the network needs the cores; all cores but two on CUDA).</summary>
    public int? Workers { get; init; }

    /// <summary>Groups a worker splits its games into: each group's leaves are one contribution to an inference batch, and
    /// while one group's batch is evaluated the worker searches the others. 2 overlaps search with inference.</summary>
    public int GroupsPerWorker { get; init; } = 2;

    /// <summary>
    /// Each move's tree search (key <c>search</c>, the keys of <see cref="MctsOptions"/>). Self-play's defaults differ from
    /// the search's own: 100 simulations, c_puct 1.5, Dirichlet α 1.0 and 8 moves at temperature 1 (<see cref="DefaultSearch"/>);
    /// a key given in a config replaces only itself. <c>leavesPerBatch</c> is the leaves each game's search gathers
    /// (under virtual loss) per inference step: more makes larger batches from fewer games, at some cost in search
    /// quality. <c>seed</c> stays unset: self-play seeds each game's search from the run's seed.
    /// </summary>
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public MctsOptions Search { get; init; } = DefaultSearch;

    /// <summary>Self-play's default search: <see cref="MctsOptions"/>' defaults with 100 simulations, c_puct 1.5,
    /// Dirichlet α 1.0 and 8 temperature moves.</summary>
    public static MctsOptions DefaultSearch => new() { Simulations = 100, CPuct = 1.5, DirichletAlpha = 1.0, TemperatureMoves = 8 };

    /// <summary>
    /// Playout cap randomisation (KataGo): the share of moves, in (0, 1], searched in full with the search's simulations and
    /// root noise; the others get a cheap search of <see cref="FastSimulations"/> without noise and are not trained on.
    /// 1 (the default) searches every move in full.
    /// </summary>
    public double FullSearchShare { get; init; } = 1;

    /// <summary>Simulations of a cheap search when <see cref="FullSearchShare"/> is below 1; null: a fifth of the search's
    /// simulations (at least 1).</summary>
    public int? FastSimulations { get; init; }

    /// <summary>
    /// Random openings: the share of games, in [0, 1], that start with uniformly random legal moves (from 1 to
    /// <see cref="RandomOpeningMoves"/>, each count equally likely) before the searched ones; those moves are not trained on.
    /// Self-play from the empty board alone rarely visits the positions other players reach. 0 (the default) turns it off.
    /// </summary>
    public double RandomOpeningShare { get; init; }

    /// <summary>The most random moves of a random opening (at least 1). Default 20.</summary>
    public int RandomOpeningMoves { get; init; } = 20;

    /// <summary>The random openings of these options, or null when <see cref="RandomOpeningShare"/> is 0.</summary>
    public RandomOpening? RandomOpening() => RandomOpeningShare > 0 ? new Training.RandomOpening(RandomOpeningShare, RandomOpeningMoves) : null;

    /// <summary>The playout cap of these options, or null when every move is a full search.</summary>
    public PlayoutCap? PlayoutCap() =>
        FullSearchShare < 1 ? new Training.PlayoutCap(FullSearchShare, FastSimulations ?? Math.Max(1, Search.Simulations / 5)) : null;

    /// <summary>
    /// Resign when the root's value and its best move's value, for the player to move, are both below this (in (−1, 1);
    /// AlphaGo Zero's v_resign); null (the default) never resigns. Resigned games end early and count as lost by the
    /// resigner; see <see cref="ResignCheckShare"/> for how the threshold is checked.
    /// </summary>
    public double? ResignValue { get; init; }

    /// <summary>The share of games (in [0, 1]) played out with resigning disabled, to count false positives: games where a player
    /// would have resigned and did not lose. The metrics report them. Default 0.1.</summary>
    public double ResignCheckShare { get; init; } = 0.1;

    /// <summary>The resignation policy of these options, or null when <see cref="ResignValue"/> is null.</summary>
    public ResignPolicy? Resignation() => ResignValue is double v ? new Training.ResignPolicy(v, ResignCheckShare) : null;

    /// <summary>The keys that were <c>selfPlay</c>'s own before they moved into <c>selfPlay.search</c>, with their names
    /// there. <see cref="RunOptions.Parse"/> still reads a config or a run folder written with them.</summary>
    internal static readonly IReadOnlyDictionary<string, string> FormerSearchKeys = new Dictionary<string, string>
    {
        ["simulations"] = "simulations", ["temperatureMoves"] = "temperatureMoves", ["cPuct"] = "cPuct",
        ["dirichletAlpha"] = "dirichletAlpha", ["dirichletEpsilon"] = "dirichletEpsilon", ["fpuReduction"] = "fpuValue",
        ["rootSearch"] = "rootSearch", ["forcedPlayouts"] = "forcedPlayouts", ["gumbelActions"] = "gumbelActions",
        ["leavesPerGame"] = "leavesPerBatch",
    };

    internal void Check(List<string> p)
    {
        if (ResignValue is double rv && !(rv > -1 && rv < 1)) p.Add($"selfPlay.resignValue must be in (-1, 1) or null (never resign), got {rv}");
        if (!(ResignCheckShare >= 0 && ResignCheckShare <= 1)) p.Add($"selfPlay.resignCheckShare must be in [0, 1], got {ResignCheckShare}");
        if (ParallelGames is < 1 or > 65_536) p.Add($"selfPlay.parallelGames must be in [1, 65536] or null (chosen for the device), got {ParallelGames}");
        if (Workers is < 1 or > 1024) p.Add($"selfPlay.workers must be in [1, 1024] or null (chosen from the cores), got {Workers}");
        if (GroupsPerWorker is < 1 or > 64) p.Add($"selfPlay.groupsPerWorker must be in [1, 64], got {GroupsPerWorker}");
        if (ParallelGames is int games && Workers is int workers && games < workers)
            p.Add($"selfPlay.parallelGames ({games}) must be at least selfPlay.workers ({workers})");
        if (Search is null) p.Add("selfPlay.search must be an object, not null");
        else
        {
            try { Search.Validate(); }
            catch (ArgumentException e) { p.Add(SearchProblem(e)); }
            if (Search.LeavesPerBatch > 256) p.Add($"selfPlay.search.leavesPerBatch must be in [1, 256], got {Search.LeavesPerBatch}");
            if (Search.GumbelActions < 2)
                p.Add($"selfPlay.search.gumbelActions must be at least 2, got {Search.GumbelActions}");
            if (Search.ForcedPlayouts > 10) p.Add($"selfPlay.search.forcedPlayouts must be in [0, 10] (0: off), got {Search.ForcedPlayouts}");
            if (Search.Seed is int seed) p.Add($"selfPlay.search.seed must be left out: self-play seeds each game's search from the run's seed, got {seed}");
        }
        if (!(FullSearchShare > 0 && FullSearchShare <= 1)) p.Add($"selfPlay.fullSearchShare must be in (0, 1] (1: every move a full search), got {FullSearchShare}");
        if (FastSimulations is int fast && (fast < 1 || fast >= (Search?.Simulations ?? 0)))
            p.Add($"selfPlay.fastSimulations must be at least 1 and below selfPlay.search.simulations ({Search?.Simulations}), got {fast}");
        if (!(RandomOpeningShare >= 0 && RandomOpeningShare <= 1))
            p.Add($"selfPlay.randomOpeningShare must be in [0, 1] (0: no random openings), got {RandomOpeningShare}");
        if (RandomOpeningMoves < 1) p.Add($"selfPlay.randomOpeningMoves must be at least 1, got {RandomOpeningMoves}");
    }

    /// <summary>A search option's error as a config problem: <see cref="MctsOptions"/> names its property
    /// (<c>MctsOptions.CPuct must be …</c>); the config's key is <c>selfPlay.search.cPuct</c>.</summary>
    internal static string SearchProblem(ArgumentException e)
    {
        // ArgumentException appends " (Parameter 'Name')" to the message; the option's name is the parameter's.
        string message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
        string prefix = $"MctsOptions.{e.ParamName} ";
        return e.ParamName is { } option && message.StartsWith(prefix, StringComparison.Ordinal)
            ? $"selfPlay.search.{JsonNamingPolicy.CamelCase.ConvertName(option)} {message[prefix.Length..]}"
            : "selfPlay.search: " + message;
    }
}

/// <summary>The number format the inference network computes in. Training stays in float32.</summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats: exact with respect to the trained network.</summary>
    Fp32,

    /// <summary>bfloat16: float32's range with an 8-bit mantissa; fast on recent GPUs.</summary>
    Bf16,

    /// <summary>IEEE half precision: a 10-bit mantissa, a narrow range; fast on GPUs.</summary>
    Fp16,
}

/// <summary>The batched inference service. Values left null are chosen for the device (<see cref="SelfPlaySetup.Resolve"/>).</summary>
public sealed record InferenceOptions
{
    /// <summary>Most positions per network call (each host buffer's capacity); null: the positions of all workers' groups
    /// in flight at once (parallel games × leaves per game ÷ groups per worker).</summary>
    public int? MaxBatch { get; init; }

    /// <summary>Longest wait, in milliseconds, of a free runner for a batch short of <see cref="MaxBatch"/> to fill; 0 runs
    /// what is there as soon as a runner is free (batches then grow by themselves to what the workers produce while the
    /// previous batch runs).</summary>
    public double MaxWaitMs { get; init; }

    /// <summary>Threads that run batches, each with its own copy of the network; null: 1 on a CPU, 2 on CUDA (one launches
    /// the next batch while the other waits for its results).</summary>
    public int? Runners { get; init; }

    /// <summary>Host batch buffers (pinned on CUDA): one filling, the others running or holding answers not yet read; null:
    /// runners + 2.</summary>
    public int? Buffers { get; init; }

    /// <summary>The inference network's precision (fp32, bf16, fp16); null: fp32 on a CPU, bf16 on CUDA.</summary>
    public InferencePrecision? Precision { get; init; }

    /// <summary>Convolution weights and inputs in the channels-last (NHWC) layout, which GPU convolution kernels in half
    /// precision prefer. Default off.</summary>
    public bool ChannelsLast { get; init; }

    internal void Check(List<string> p)
    {
        if (MaxBatch is < 1 or > 65_536) p.Add($"inference.maxBatch must be in [1, 65536] or null (chosen from the games), got {MaxBatch}");
        if (!(MaxWaitMs >= 0) || MaxWaitMs > 10_000) p.Add($"inference.maxWaitMs must be in [0, 10000], got {MaxWaitMs}");
        if (Runners is < 1 or > 16) p.Add($"inference.runners must be in [1, 16] or null, got {Runners}");
        if (Buffers is < 2 or > 64) p.Add($"inference.buffers must be in [2, 64] or null, got {Buffers}");
        if (Runners is int r && Buffers is int b && b < r + 1) p.Add($"inference.buffers ({b}) must be at least inference.runners + 1 ({r + 1})");
        if (Precision is { } precision && !Enum.IsDefined(precision)) p.Add($"inference.precision must be fp32, bf16 or fp16, got {precision}");
    }
}

/// <summary>The replay buffer.</summary>
public sealed record ReplayOptions
{
    /// <summary>Positions kept: the window of the most recent games.</summary>
    public int WindowPositions { get; init; } = 100_000;

    /// <summary>Positions needed before the first training step.</summary>
    public int MinPositions { get; init; } = 2_000;

    /// <summary>A window that grows with the run up to <see cref="WindowPositions"/>; null (the default): a fixed window.</summary>
    public WindowGrowth? WindowGrowth { get; init; }

    /// <summary>The window these options describe.</summary>
    public ReplayWindow ToWindow() => new(WindowPositions, WindowGrowth);

    internal void Check(List<string> p)
    {
        if (WindowPositions < 1) p.Add($"replay.windowPositions must be at least 1, got {WindowPositions}");
        if (MinPositions < 1 || MinPositions > WindowPositions) p.Add($"replay.minPositions must be in [1, replay.windowPositions], got {MinPositions}");
        WindowGrowth?.Check(p);
    }
}

/// <summary>The optimiser.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum.</summary>
    Sgd,

    /// <summary>Adam.</summary>
    Adam,
}

/// <summary>One step of the piecewise-constant learning-rate schedule.</summary>
/// <param name="FromStep">First training step at which <paramref name="Rate"/> applies.</param>
/// <param name="Rate">The learning rate.</param>
public sealed record LearningRateStep(long FromStep, double Rate);

/// <summary>
/// Annealing of the learning rate over the last part of a run with a time limit (<c>limits.minutes</c> or
/// <c>--minutes</c>): from the share <see cref="From"/> of the limit on, the schedule's rate is multiplied by a factor that
/// falls linearly from 1 to <see cref="Factor"/> at the limit. A run without a time limit does not anneal.
/// </summary>
/// <remarks>A fixed budget is best spent ending at a low rate ("budgeted training"); a step schedule cannot know where a
/// time-limited run will end. The share is measured from the start of this invocation, as the limit is, so a resumed
/// run anneals again over its own limit.</remarks>
public sealed record LearningRateAnneal
{
    /// <summary>Share of the time limit at which annealing starts, in [0, 1).</summary>
    public double From { get; init; } = 0.5;

    /// <summary>The rate's factor at the limit, in (0, 1].</summary>
    public double Factor { get; init; } = 0.1;

    /// <summary>The factor on the schedule's rate when <paramref name="elapsedShare"/> of the time limit has passed
    /// (1 before <see cref="From"/>, <see cref="Factor"/> from the limit on).</summary>
    public double FactorAt(double elapsedShare)
    {
        if (!(elapsedShare > From)) return 1;
        double t = Math.Min(1, (elapsedShare - From) / (1 - From));
        return 1 - t * (1 - Factor);
    }

    internal void Check(List<string> p)
    {
        if (!(From >= 0 && From < 1)) p.Add($"trainer.anneal.from must be in [0, 1), got {From}");
        if (!(Factor > 0 && Factor <= 1)) p.Add($"trainer.anneal.factor must be in (0, 1], got {Factor}");
    }
}

/// <summary>The trainer.</summary>
public sealed record TrainerOptions
{
    /// <summary>Optimiser steps per generation.</summary>
    public int StepsPerGeneration { get; init; } = 200;

    /// <summary>New games needed in the buffer since the last generation before the next one trains.</summary>
    public int GamesPerGeneration { get; init; } = 200;

    /// <summary>Positions per forward pass: the normalization batch.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Forward/backward passes per optimiser step (the SGD batch is BatchSize × Accumulation).</summary>
    public int Accumulation { get; init; } = 1;

    /// <summary>The optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>SGD momentum (ignored by Adam).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 penalty coefficient c in c·Σw² over convolution and linear weights.</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Learning rate by training step (piecewise constant; the first entry must start at step 0).</summary>
    public IReadOnlyList<LearningRateStep> LearningRate { get; init; } = [new(0, 0.02), new(20_000, 0.002)];

    /// <summary>Annealing of the rate over the end of a time-limited run; <c>null</c>: the schedule alone.</summary>
    public LearningRateAnneal? Anneal { get; init; }

    /// <summary>Apply a random symmetry of the game to each training position.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// Weight <c>m</c> of the search's root value <c>q</c> in the value target <c>(1 − m)·z + m·q</c>, <c>z</c> the game's
    /// result for the player to move; in <c>[0, 1]</c>. 0 (the default) trains on the result alone, as AlphaZero did.
    /// </summary>
    public double ValueTargetMix { get; init; }

    /// <summary>The learning rate at <paramref name="step"/>.</summary>
    public double RateAt(long step)
    {
        double rate = LearningRate[0].Rate;
        foreach (var s in LearningRate) if (step >= s.FromStep) rate = s.Rate;
        return rate;
    }

    internal void Check(List<string> p)
    {
        if (StepsPerGeneration < 1) p.Add($"trainer.stepsPerGeneration must be at least 1, got {StepsPerGeneration}");
        if (GamesPerGeneration < 1) p.Add($"trainer.gamesPerGeneration must be at least 1, got {GamesPerGeneration}");
        if (BatchSize < 2) p.Add($"trainer.batchSize must be at least 2 (BatchNorm needs more than one position), got {BatchSize}");
        if (Accumulation < 1) p.Add($"trainer.accumulation must be at least 1, got {Accumulation}");
        if (!(Momentum >= 0 && Momentum < 1)) p.Add($"trainer.momentum must be in [0, 1), got {Momentum}");
        if (!(L2 >= 0) || !double.IsFinite(L2)) p.Add($"trainer.l2 must be ≥ 0, got {L2}");
        if (!(ValueTargetMix >= 0 && ValueTargetMix <= 1)) p.Add($"trainer.valueTargetMix must be in [0, 1], got {ValueTargetMix}");
        Anneal?.Check(p);
        if (LearningRate is null || LearningRate.Count == 0) p.Add("trainer.learningRate needs at least one step");
        else if (Enumerable.Range(0, LearningRate.Count).FirstOrDefault(i => LearningRate[i] is null, -1) is var missing and >= 0)
            p.Add($"trainer.learningRate[{missing}] must be an object {{ fromStep, rate }}, got null");
        else
        {
            if (LearningRate[0].FromStep != 0) p.Add($"trainer.learningRate[0].fromStep must be 0, got {LearningRate[0].FromStep}");
            for (int i = 0; i < LearningRate.Count; i++)
            {
                if (!(LearningRate[i].Rate > 0) || !double.IsFinite(LearningRate[i].Rate)) p.Add($"trainer.learningRate[{i}].rate must be > 0, got {LearningRate[i].Rate}");
                if (i > 0 && LearningRate[i].FromStep <= LearningRate[i - 1].FromStep) p.Add($"trainer.learningRate[{i}].fromStep must increase");
            }
        }
    }
}

/// <summary>Which statistics the published model's BatchNorm layers carry.</summary>
public enum BnInference
{
    /// <summary>The EMA the trainer accumulated (what most frameworks publish).</summary>
    Ema,

    /// <summary>Precise BN statistics recomputed on the recent window (the default).</summary>
    Precise,
}

/// <summary>BatchNorm in the pipeline.</summary>
public sealed record BnOptions
{
    /// <summary>What is published: <c>ema</c> or <c>precise</c>.</summary>
    public BnInference Inference { get; init; } = BnInference.Precise;

    /// <summary>EMA decay λ of the trainer's running statistics.</summary>
    public double Decay { get; init; } = 0.9;

    /// <summary>Batches Precise BN runs (and the staleness meter uses).</summary>
    public int PreciseBatches { get; init; } = 20;

    /// <summary>Positions per Precise BN batch.</summary>
    public int PreciseBatchSize { get; init; } = 256;

    /// <summary>The Precise BN estimator: <c>union</c> or <c>meanOfBatches</c>.</summary>
    public SelfPlayBN.BatchNorm.PreciseEstimator Estimator { get; init; } = SelfPlayBN.BatchNorm.PreciseEstimator.Union;

    /// <summary>Also keep each generation's weights as trained, with the trainer's EMA statistics, in
    /// <c>RUN_DIR/ema-snapshots/</c>: the twin of each published model that <c>study staleness</c> compares it with.
    /// Off by default (one more model file per generation).</summary>
    public bool KeepEmaSnapshots { get; init; }

    internal void Check(List<string> p)
    {
        if (!(Decay >= 0 && Decay < 1)) p.Add($"bn.decay must be in [0, 1) (the EMA decay λ, not PyTorch's momentum), got {Decay}");
        if (PreciseBatches < 1) p.Add($"bn.preciseBatches must be at least 1, got {PreciseBatches}");
        if (PreciseBatchSize < 2) p.Add($"bn.preciseBatchSize must be at least 2, got {PreciseBatchSize}");
    }
}

/// <summary>Evaluation matches.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Evaluate every this many generations (0: never).</summary>
    public int EveryGenerations { get; init; } = 1;

    /// <summary>Games per evaluation match (colours alternate).</summary>
    public int Games { get; init; } = 20;

    /// <summary>Search simulations per move in evaluation games.</summary>
    public int Simulations { get; init; } = 50;

    /// <summary>
    /// Gate self-play on beating the best model so far: each evaluated version plays <see cref="Games"/> games against
    /// the current best and becomes the best (the model self-play uses) only with a score of at least
    /// <see cref="GatingThreshold"/>. Versions that are not evaluated are never promoted. Off: self-play uses every
    /// published version, as soon as it is published.
    /// </summary>
    public bool Gating { get; init; }

    /// <summary>Score (wins + draws/2) / games the candidate needs to replace the best under gating.</summary>
    public double GatingThreshold { get; init; } = 0.55;

    /// <summary>Connect Four: how many positions of the solver-labelled set (at most its 600) measure the move accuracy
    /// of the raw network and of the network with search (<see cref="Simulations"/>); 0 turns the measurement off.</summary>
    public int AccuracyPositions { get; init; } = 500;

    internal void Check(List<string> p)
    {
        if (EveryGenerations < 0) p.Add($"evaluation.everyGenerations must be ≥ 0, got {EveryGenerations}");
        if (Games < 2 || Games % 2 != 0) p.Add($"evaluation.games must be an even number ≥ 2 (colours alternate), got {Games}");
        if (Simulations < 1) p.Add($"evaluation.simulations must be at least 1, got {Simulations}");
        if (!(GatingThreshold > 0 && GatingThreshold < 1)) p.Add($"evaluation.gatingThreshold must be in (0, 1), got {GatingThreshold}");
        if (Gating && EveryGenerations == 0) p.Add("evaluation.gating needs evaluation.everyGenerations ≥ 1 (only evaluated versions can be promoted)");
        if (AccuracyPositions < 0) p.Add($"evaluation.accuracyPositions must be ≥ 0, got {AccuracyPositions}");
    }
}

/// <summary>libtorch's CPU kernels.</summary>
public sealed record CpuOptions
{
    /// <summary>
    /// The instruction set libtorch's oneDNN convolutions are capped at (oneDNN's names: <c>SSE41</c>, <c>AVX2</c>,
    /// <c>AVX512_CORE</c>, ..., <c>ALL</c> for no cap), on Linux x64 where the environment variable <c>ONEDNN_MAX_CPU_ISA</c>
    /// names none. Null: SSE41 on AMD processors with AVX-512, where oneDNN miscomputed (<c>TorchBootstrap</c>), no cap
    /// elsewhere. Checked against oneDNN's names when libtorch loads.
    /// </summary>
    public string? OneDnnMaxIsa { get; init; }

    internal void Check(List<string> p)
    {
        if (OneDnnMaxIsa is { } isa && (isa.Length == 0 || !isa.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            p.Add($"cpu.oneDnnMaxIsa must be an instruction set as oneDNN names it (SSE41, AVX2, AVX512_CORE, ALL, ...), got '{isa}'");
    }
}

/// <summary>When the run stops.</summary>
public sealed record LimitOptions
{
    /// <summary>Stop after this many generations in total (resumed runs count earlier ones).</summary>
    public int? Generations { get; init; }

    /// <summary>Stop after this many minutes of this process.</summary>
    public double? Minutes { get; init; }

    internal void Check(List<string> p)
    {
        if (Generations is < 1) p.Add($"limits.generations must be at least 1, got {Generations}");
        if (Minutes is { } m && !(m > 0)) p.Add($"limits.minutes must be > 0, got {m}");
    }
}

/// <summary>Go's rules and the network's input planes (for <c>go5</c>..<c>go19</c>).</summary>
public sealed record GoOptions
{
    /// <summary>The input layouts, by config name.</summary>
    public static readonly IReadOnlyList<string> InputLayouts = ["basic", "alphaGoZero", "leelaZero"];

    /// <summary>Points added to White's area.</summary>
    public double Komi { get; init; } = 7.5;

    /// <summary>Network inputs: <c>basic</c> (4 planes), <c>alphaGoZero</c> (17 planes: 8 positions of history) or <c>leelaZero</c> (18 planes).</summary>
    public string Inputs { get; init; } = "alphaGoZero";

    /// <summary>Whether suicide is legal.</summary>
    public bool AllowSuicide { get; init; }

    /// <summary>The self-play pass rules, by config name.</summary>
    public static readonly IReadOnlyList<string> SelfPlayPassRules = ["settled", "free"];

    /// <summary>
    /// When self-play may pass: <c>settled</c> (the default) only when every other legal move fills one of one's own eyes,
    /// unless the pass ends the game (the opponent just passed); <c>free</c> whenever it is legal. <c>settled</c> keeps
    /// self-play from collapsing into games that two passes end at once (see <c>GoSelfPlayPass</c>).
    /// </summary>
    public string SelfPlayPass { get; init; } = "settled";

    internal void Check(List<string> p)
    {
        if (!double.IsFinite(Komi)) p.Add($"go.komi must be a finite number, got {Komi}");
        if (!SelfPlayPassRules.Contains(SelfPlayPass)) p.Add($"go.selfPlayPass must be one of {string.Join(", ", SelfPlayPassRules)}, got '{SelfPlayPass}'");
        if (!InputLayouts.Contains(Inputs)) p.Add($"go.inputs must be one of {string.Join(", ", InputLayouts)}, got '{Inputs}'");
    }
}
