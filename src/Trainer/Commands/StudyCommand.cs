using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SelfPlayBN.Actors;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Training;
using Serilog;
using Serilog.Formatting.Compact;
using static TorchSharp.torch;
using SelfPlayBN.Networks;
using SelfPlayBN.Trainer.Studies;
using SelfPlayBN.Training.Studies;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>study lab</c>: the supervised BatchNorm lab on solver-labelled Connect Four (issue 13's Study 3). Generates (or
/// resumes generating) the labelled set, runs every training run of the chosen parts that the output folder does not hold
/// yet (appending each to <c>results.jsonl</c> when it ends), then writes <c>summary.md</c>, <c>results.csv</c> and the
/// plots. Ctrl+C stops between steps; rerunning the same command resumes. The plan is in <see cref="LabStudy"/>, the
/// training in <see cref="SupervisedLab"/>, the files in <see cref="LabReport"/>.
/// </summary>
internal static class StudyCommand
{
    /// <summary>Estimates per sample count in the Precise BN samples curve.</summary>
    private const int SamplesRepeats = 5;

    public static Command Create(TextWriter output)
    {
        var study = new Command("study", "Reproducible BatchNorm studies (see docs/science.md).");
        study.Subcommands.Add(CreateLab(output));
        study.Subcommands.Add(CreateStaleness(output));
        study.Subcommands.Add(CreateEndToEnd(output));
        return study;
    }

    private static Command CreateEndToEnd(TextWriter output)
    {
        var config = new Option<FileInfo>("--config") { Description = "The run configuration both arms start from (e.g. configs/studies/tictactoe-endtoend-0.999.json).", Required = true };
        var outDir = new Option<string?>("--out") { Description = "Study folder (default: studies/endtoend-<config name>; finished runs are kept)." };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per arm.", DefaultValueFactory = _ => 3 };
        var minutes = new Option<double>("--minutes") { Description = "Wall-clock minutes per run.", DefaultValueFactory = _ => 2 };
        var cmd = new Command("endtoend",
            "Study 2: runs that publish EMA statistics against runs that publish precise ones, from one configuration, each for the same " +
            "wall-clock time, for several seeds; strength from each run's evaluations against fixed opponents. Writes the runs, summary.md " +
            "(each arm's pooled score and the difference with its 95 % interval) and endtoend.png; finished runs are kept on a rerun.");
        foreach (var o in new Option[] { config, outDir, seeds, minutes }) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            var file = parse.GetValue(config)!;
            int n = parse.GetValue(seeds);
            double m = parse.GetValue(minutes);
            if (n < 1) throw new UserInputException($"--seeds must be at least 1, got {n}");
            if (!(m > 0)) throw new UserInputException($"--minutes must be positive, got {m}");
            if (!file.Exists) throw new UserInputException($"config file '{file.FullName}' does not exist");
            RunOptions options;
            try { options = RunOptions.Load(file.FullName); }
            catch (InvalidDataException e) { throw new UserInputException(e.Message); }
            if (options.Evaluation.EveryGenerations < 1)
                throw new UserInputException("the config evaluates nothing (evaluation.everyGenerations 0): the study measures strength from the runs' evaluations");
            string dir = parse.GetValue(outDir) ?? Path.Combine("studies", "endtoend-" + Path.GetFileNameWithoutExtension(file.Name));
            return EndToEnd(output, parse, file.Name, options, dir, n, m, cancel);
        });
        return cmd;
    }

    private static async Task<int> EndToEnd(TextWriter output, ParseResult parse, string configName, RunOptions options, string dir, int seeds, double minutes,
        CancellationToken cancel)
    {
        var game = GameCatalog.Create(options);
        TorchCli.Initialize(parse);
        Directory.CreateDirectory(dir);
        var plan = EndToEndStudy.Plan(seeds);
        var runs = new Dictionary<EndToEndRun, Reports.RunMetrics>();
        for (int i = 0; i < plan.Count; i++)
        {
            var run = plan[i];
            var folder = new RunFolder(Path.GetFullPath(Path.Combine(dir, run.Name)));
            if (!File.Exists(Path.Combine(folder.Root, EndToEndStudy.DoneMarker)))
            {
                if (Directory.Exists(folder.Root))
                {
                    output.WriteLine($"[{i + 1}/{plan.Count}] {run.Name}: an interrupted run is started again from scratch (equal wall clock)");
                    Directory.Delete(folder.Root, recursive: true);
                }
                output.WriteLine($"[{i + 1}/{plan.Count}] {run.Name}: {minutes} minutes, publishing {run.Arm} statistics");
                Directory.CreateDirectory(folder.Logs);
                using var logger = new LoggerConfiguration().MinimumLevel.Information()
                    .WriteTo.File(new CompactJsonFormatter(), Path.Combine(folder.Logs, "run-.clef"), rollingInterval: RollingInterval.Day)
                    .CreateLogger();
                Log.Logger = logger; // this arm's log
                var outcome = await TrainingRun.RunAsync(game, GameCatalog.EvaluationExtrasOf(game), run.Options(options, minutes).Validate(), folder, CPU,
                    line => { if (line.StartsWith("evaluation", StringComparison.Ordinal)) lock (output) output.WriteLine($"  {line}"); }, cancel).ConfigureAwait(false);
                if (outcome.Error is { } error) throw new UserInputException($"{run.Name} failed: {error} (log: {folder.Logs})");
                if (cancel.IsCancellationRequested)
                {
                    output.WriteLine("stopped; the finished runs are kept, rerun the same command to go on");
                    return 130;
                }
                File.WriteAllText(Path.Combine(folder.Root, EndToEndStudy.DoneMarker), $"{DateTime.UtcNow:O}\n");
                output.WriteLine($"  {run.Name}: {outcome.Generations} generations");
            }
            try { runs[run] = Reports.RunMetrics.Read(folder.Metrics); }
            catch (MetricsFormatException e) { throw new UserInputException($"{folder.Metrics}: {e.Message}"); }
        }
        string summary = Path.Combine(dir, "summary.md");
        DurableFile.WriteAllText(summary, EndToEndStudy.Summary(configName, options, minutes, runs, BenchCommand.Header()));
        output.WriteLine($"wrote {summary}");
        if (EndToEndStudy.Plot(dir, runs) is { } plot) output.WriteLine($"wrote {plot}");
        return 0;
    }

    private static Command CreateStaleness(TextWriter output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "A run folder trained with bn.keepEmaSnapshots: true." };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: RUN_DIR/studies/staleness; resumed if it holds results)." };
        var games = new Option<int>("--games") { Description = "Head-to-head games per generation (even: colours alternate).", DefaultValueFactory = _ => 40 };
        var simulations = new Option<int>("--simulations") { Description = "Search simulations per move in those games.", DefaultValueFactory = _ => 32 };
        var fresh = new Option<int>("--fresh-positions") { Description = "At most this many positions of the next generation's games for the fresh loss.", DefaultValueFactory = _ => 2048 };
        var every = new Option<int>("--every") { Description = "Measure every N-th generation.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("staleness",
            "Study 1: for each generation of a run made with bn.keepEmaSnapshots, the published model (precise BatchNorm statistics) against " +
            "its EMA twin (the same weights with the trainer's running statistics): statistics gap, loss on the next generation's positions, " +
            "move error on solver labels, and a head-to-head match (score, Elo, 95 % intervals); pooled result and the meter's rank correlation " +
            "with the score. Writes results.jsonl (resumable), summary.md and staleness-study.png.");
        cmd.Arguments.Add(runDir);
        foreach (var o in new Option[] { outDir, games, simulations, fresh, every }) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            var settings = new StalenessSettings(parse.GetValue(games), parse.GetValue(simulations), parse.GetValue(fresh), parse.GetValue(every));
            if (settings.Games < 2 || settings.Games % 2 != 0) throw new UserInputException($"--games must be an even number ≥ 2, got {settings.Games}");
            if (settings.Simulations < 1) throw new UserInputException($"--simulations must be at least 1, got {settings.Simulations}");
            if (settings.FreshPositions < 0) throw new UserInputException($"--fresh-positions must be at least 0, got {settings.FreshPositions}");
            if (settings.Every < 1) throw new UserInputException($"--every must be at least 1, got {settings.Every}");
            var dir = parse.GetValue(runDir)!;
            string outPath = parse.GetValue(outDir) ?? Path.Combine(dir.FullName, "studies", "staleness");
            return OffMainThread(() => Staleness(output, parse, dir, outPath, settings, cancel));
        });
        return cmd;
    }

    private static int Staleness(TextWriter output, ParseResult parse, DirectoryInfo dir, string outDir, StalenessSettings s, CancellationToken cancel)
    {
        var folder = new RunFolder(dir.FullName);
        if (!File.Exists(folder.Config)) throw new UserInputException($"{dir.FullName} is not a run folder (no config.json)");
        RunOptions options;
        try { options = RunOptions.Load(folder.Config); }
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }
        if (!options.Network.HasBatchNorm)
            throw new UserInputException($"the run's network has no BatchNorm (network.normalization {options.Network.Normalization.ToString().ToLowerInvariant()}): nothing can be stale");
        if (options.Bn.Inference != BnInference.Precise)
            throw new UserInputException("the run published its EMA statistics (bn.inference: ema), so its models are the EMA twins themselves; " +
                                         "the study needs a run that publishes precise statistics (bn.inference: precise) and keeps EMA twins (bn.keepEmaSnapshots: true)");
        var generations = StalenessStudy.Generations(folder, s.Every);
        if (generations.Count == 0)
            throw new UserInputException($"{folder.EmaSnapshots} holds no EMA twin of a published model: train with \"bn\": {{ \"keepEmaSnapshots\": true }} (configs/README.md)");
        var game = GameCatalog.Create(options);

        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"cannot create '{outDir}': {e.Message}"); }
        string file = Path.Combine(outDir, StalenessStudy.ResultsFile);
        StalenessSettings? stored; List<StalenessRow> rows;
        try { (stored, rows) = StalenessStudy.Read(file); }
        catch (FormatException e) { throw new UserInputException(e.Message); }
        if (stored is null) StalenessStudy.Append(file, s);
        else if (stored != s)
            throw new UserInputException($"{file} was made with --games {stored.Games} --simulations {stored.Simulations} --fresh-positions {stored.FreshPositions} " +
                                         $"--every {stored.Every}: rerun with those, or use another --out");

        TorchCli.Initialize(parse);
        var labelledExamples = StalenessStudy.Labelled(game);
        using var labelled = labelledExamples.Count > 0 ? LabDataset.Encode(game, labelledExamples) : null;
        List<GameRecord> replay;
        try { replay = [.. ReplayBuffer.ReadGames(folder.Replay)]; }
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }
        var done = rows.Select(r => r.Generation).ToHashSet();
        var todo = generations.Where(g => !done.Contains(g)).ToList();
        output.WriteLine($"{generations.Count} generations with an EMA twin, {generations.Count - todo.Count} already in {file}, {todo.Count} to measure" +
                         (labelled is null ? "" : $"; {labelled.Count} solver-labelled positions"));
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < todo.Count; i++)
        {
            long g = todo[i];
            StalenessRow row;
            try
            {
                row = StalenessStudy.Measure(game, options, folder, g, s, StalenessStudy.FreshPositions(replay, g, s.FreshPositions), labelled, cancel);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"stopped; {rows.Count} generations are in {file}. Rerun the same command to resume");
                break;
            }
            catch (InvalidDataException e) { throw new UserInputException(e.Message); }
            StalenessStudy.Append(file, row);
            rows.Add(row);
            var m = row.Match;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{i + 1}/{todo.Count}] generation {g}: mean gap {row.MeanGap:0.000} σ, log-variance gap {row.LogVarianceGap:0.000}, fresh loss EMA − precise ") +
                (row.FreshLossGap is { } gap ? gap.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "– (the replay holds no game of the next generation: pruned, or the run ended)") +
                string.Create(CultureInfo.InvariantCulture, $"; precise vs EMA +{row.Wins} ={row.Draws} −{row.Losses} (score {m.Score:0.000}); {clock.Elapsed.TotalSeconds:0} s"));
        }
        rows.Sort((a, b) => a.Generation.CompareTo(b.Generation));
        DurableFile.WriteAllText(Path.Combine(outDir, "summary.md"), StalenessStudy.Summary(dir.FullName, options, s, rows, BenchCommand.Header()));
        output.WriteLine($"wrote {Path.Combine(outDir, "summary.md")}");
        if (rows.Count > 0) output.WriteLine($"wrote {StalenessStudy.Plot(outDir, rows)}");
        return cancel.IsCancellationRequested ? 130 : 0;
    }

    private static Command CreateLab(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Output folder (resumed if it holds results).", DefaultValueFactory = _ => "studies/lab" };
        var parts = new Option<string[]>("--parts")
        {
            Description = $"Which parts: {string.Join(", ", LabSettings.AllParts)} (default: all).", AllowMultipleArgumentsPerToken = true,
        };
        var train = new Option<int>("--train") { Description = "Training positions.", DefaultValueFactory = _ => 12_000 };
        var validation = new Option<int>("--validation") { Description = "Validation positions.", DefaultValueFactory = _ => 2_000 };
        var steps = new Option<int>("--steps") { Description = "SGD steps per run.", DefaultValueFactory = _ => 600 };
        var batch = new Option<int>("--batch") { Description = "SGD batch (fixed; Ghost BN splits it).", DefaultValueFactory = _ => 256 };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate (÷10 for the last quarter of the steps).", DefaultValueFactory = _ => 0.05 };
        var blocks = new Option<int>("--blocks") { Description = "Residual blocks.", DefaultValueFactory = _ => 2 };
        var filters = new Option<int>("--filters") { Description = "Filters per convolution (a multiple of 8).", DefaultValueFactory = _ => 32 };
        var nbs = new Option<int[]>("--nbs")
        {
            Description = "Normalization batch sizes of the NBS curve (default: 2, 4, 8, … up to --batch).", AllowMultipleArgumentsPerToken = true,
        };
        var smallNbs = new Option<int>("--small-nbs") { Description = "Normalization batch at which BatchNorm's alternatives are compared.", DefaultValueFactory = _ => 4 };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per configuration.", DefaultValueFactory = _ => 2 };
        var precise = new Option<int>("--precise-samples") { Description = "Training positions of each Precise BN estimate.", DefaultValueFactory = _ => 4096 };
        var dataSeed = new Option<int>("--data-seed") { Description = "Seed of the generated positions.", DefaultValueFactory = _ => 2026 };
        var positions = new Option<string?>("--positions")
        {
            Description = "Use this labelled-positions file (lines as 'solve connect4' prints) instead of generating one into the output folder.",
        };
        var cmd = new Command("lab",
            "The supervised BatchNorm lab on Connect Four positions labelled by the solver: validation error vs Ghost BN's normalization " +
            "batch size, EMA vs precise statistics during training (false overfitting), Batch Renorm and Group/Layer/no normalization at a " +
            "small normalization batch, and the samples Precise BN needs. Writes results.jsonl, results.csv, summary.md and PNG plots; resumable.");
        foreach (var o in new Option[] { outDir, parts, train, validation, steps, batch, lr, blocks, filters, nbs, smallNbs, seeds, precise, dataSeed, positions })
            cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            int b = parse.GetValue(batch);
            var nbsList = parse.GetValue(nbs) is { Length: > 0 } given ? given : PowersOfTwo(b);
            var settings = new LabSettings(parse.GetValue(train), parse.GetValue(validation), parse.GetValue(steps), b, parse.GetValue(lr),
                parse.GetValue(blocks), parse.GetValue(filters), nbsList, parse.GetValue(smallNbs), parse.GetValue(seeds), parse.GetValue(precise),
                parse.GetValue(parts) is { Length: > 0 } p ? p : LabSettings.AllParts);
            try { settings.Validate(); }
            catch (ArgumentException e) { throw new UserInputException(e.Message); }
            string dir = parse.GetValue(outDir)!;
            string? file = parse.GetValue(positions);
            int seed = parse.GetValue(dataSeed);
            return OffMainThread(() => Lab(output, parse, settings, dir, file, seed, cancel));
        });
        return cmd;
    }

    /// <summary>Runs <paramref name="work"/> on a thread of its own: libtorch ran about 10 times slower on the process's main
    /// thread of the H200 machine (docs/benchmarks.md, "libtorch on the main thread"; no difference was seen on the 2-core CPU).</summary>
    internal static Task<int> OffMainThread(Func<int> work) => Task.Factory.StartNew(work, CancellationToken.None,
        TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static int[] PowersOfTwo(int upTo)
    {
        var list = new List<int>();
        for (int n = 2; n <= upTo; n *= 2) if (upTo % n == 0) list.Add(n);
        return [.. list];
    }

    private static int Lab(TextWriter output, ParseResult parse, LabSettings s, string outDir, string? positionsFile, int dataSeed, CancellationToken cancel)
    {
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"cannot create '{outDir}': {e.Message}"); }
        string resultsFile = Path.Combine(outDir, LabStudy.ResultsFile);
        List<LabRecord> done;
        try
        {
            if (JsonLines.DropCutOffLine(resultsFile)) output.WriteLine($"{resultsFile}: dropped a last line left unfinished by an interrupted run");
            done = LabStudy.Read(resultsFile);
        }
        catch (FormatException e) { throw new UserInputException(e.Message); }
        catch (IOException e) { throw new UserInputException($"cannot read {resultsFile}: {e.Message}"); }
        if (done.FirstOrDefault(r => r.Train != s.Train || r.Validation != s.Validation || r.Steps != s.Steps || r.Batch != s.Batch || r.LearningRate != s.LearningRate) is { } other)
            throw new UserInputException(
                $"{resultsFile} holds results made with other settings (--train {other.Train} --validation {other.Validation} --steps {other.Steps} " +
                $"--batch {other.Batch} --lr {other.LearningRate.ToString(CultureInfo.InvariantCulture)}): rerun with those, or use another --out");

        int wanted = s.Train + s.Validation;
        IReadOnlyList<ConnectFourLabelledPosition> labelled;
        var clock = Stopwatch.StartNew();
        try
        {
            if (positionsFile is not null)
            {
                if (!File.Exists(positionsFile)) throw new UserInputException($"positions file '{positionsFile}' does not exist");
                labelled = LabPositions.Read(positionsFile);
                if (labelled.Count < wanted)
                    throw new UserInputException($"{positionsFile} has {labelled.Count} positions; --train {s.Train} and --validation {s.Validation} need {wanted}");
            }
            else
            {
                string file = Path.Combine(outDir, "positions.txt");
                output.WriteLine($"labelled positions: {file} (data seed {dataSeed}, solved by the perfect solver; resumable)");
                int lastReported = 0;
                labelled = LabPositions.Ensure(file, wanted, dataSeed, new SynchronousProgress<(int Done, int Wanted)>(p =>
                {
                    if (p.Done - lastReported < 500 && p.Done < p.Wanted) return;
                    lastReported = p.Done;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Done}/{p.Wanted} positions labelled ({clock.Elapsed.TotalSeconds:0} s)"));
                }), cancel);
            }
        }
        catch (FormatException e) { throw new UserInputException(e.Message); }
        catch (OperationCanceledException) { output.WriteLine("stopped while labelling; rerun the same command to resume"); return 130; }

        TorchCli.Initialize(parse);
        var examples = labelled.Take(wanted).Select(LabPositions.ToExample).ToList();
        using var trainSet = LabDataset.Encode(ConnectFourGame.Instance, examples[..s.Train]);
        using var validationSet = LabDataset.Encode(ConnectFourGame.Instance, examples[s.Train..]);
        var plan = LabStudy.Plan(s);
        var keys = done.Select(r => r.Key).ToHashSet();
        var todo = plan.Where(c => !keys.Contains(c.Key)).ToList();
        output.WriteLine($"{plan.Count} runs planned, {plan.Count - todo.Count} already in {resultsFile}, {todo.Count} to run");
        double spent = 0;
        for (int i = 0; i < todo.Count; i++)
        {
            var c = todo[i];
            string eta = i == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", about {spent / i * (todo.Count - i) / 60:0} min left");
            output.WriteLine($"[{i + 1}/{todo.Count}] {c.Part}: {c.Name}, seed {c.Seed}{eta}");
            try
            {
                IReadOnlyList<SamplesPoint>? samples = null;
                Action<ResidualNetwork>? curve = null;
                if (c.Part == "samples")
                    curve = network => samples = SupervisedLab.PreciseSamplesCurve(network, trainSet, validationSet, LabStudy.SampleCounts(s), s.SamplesNbs,
                        SamplesRepeats, c.Seed, new SynchronousProgress<SamplesPoint>(q => output.WriteLine(DescribeSamples(q))));
                var result = SupervisedLab.Run(c.Options, trainSet, validationSet,
                    new SynchronousProgress<LabPoint>(p => output.WriteLine(Describe(p, c.Options.Steps))), cancel, curve);
                spent += result.Seconds;
                var record = LabStudy.Record(c, s, result, samples);
                LabStudy.Append(resultsFile, record);
                done.Add(record);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"stopped; {done.Count} runs are in {resultsFile}. Rerun the same command to resume");
                Report(output, done, outDir);
                return 130;
            }
        }
        Report(output, done, outDir);
        return 0;
    }

    private static void Report(TextWriter output, IReadOnlyList<LabRecord> records, string outDir)
    {
        string machine = BenchCommand.Header();
        foreach (string path in LabReport.WriteAll(records, outDir, machine)) output.WriteLine($"wrote {path}");
    }

    private static string DescribeSamples(SamplesPoint q) => string.Create(CultureInfo.InvariantCulture,
        $"  {q.Samples} samples, repeat {q.Repeat}: mean gap {q.MeanGap:0.0000} σ, log-variance gap {q.LogVarianceGap:0.0000}, error {100 * q.Score.Error:0.00} %");

    private static string Describe(LabPoint p, int steps) => string.Create(CultureInfo.InvariantCulture,
        $"  step {p.Step}/{steps}: train loss {p.TrainLoss:0.000}; validation error {100 * p.Precise.Error:0.00} % precise, {100 * p.Ema.Error:0.00} % EMA") +
        (p.MeanGap is { } gap ? string.Create(CultureInfo.InvariantCulture, $" (EMA mean gap {gap:0.000} σ)") : "");

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order (unlike <see cref="Progress{T}"/>).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
