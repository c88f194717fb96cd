using SelfPlayBN.BatchNorm;

namespace SelfPlayBN.Training.Tests;

public sealed class RunOptionsTests
{
    private static InvalidDataException ParseFails(string json, string source = "configs/test.json") =>
        Assert.Throws<InvalidDataException>(() => RunOptions.Parse(json, source));

    [Fact]
    public void DefaultsValidate()
    {
        var options = new RunOptions();
        Assert.Empty(options.Problems());
        Assert.Same(options, options.Validate());
        Assert.Equal(options.ToJson(), RunOptions.Parse("{}", "empty").ToJson());
    }

    [Fact]
    public void The_anneal_reads_its_keys_and_keeps_the_defaults_of_the_others()
    {
        Assert.Null(RunOptions.Parse("{}", "empty").Trainer.Anneal);
        var anneal = RunOptions.Parse("""{ "trainer": { "anneal": { "from": 0.8 } } }""", "a.json").Trainer.Anneal!;
        Assert.Equal(0.8, anneal.From);
        Assert.Equal(0.1, anneal.Factor);
    }

    [Fact]
    public void The_oneDNN_cap_is_read_and_null_by_default()
    {
        Assert.Null(RunOptions.Parse("{}", "empty").Cpu.OneDnnMaxIsa);
        Assert.Equal("AVX2", RunOptions.Parse("""{ "cpu": { "oneDnnMaxIsa": "AVX2" } }""", "c.json").Cpu.OneDnnMaxIsa);
    }

    [Fact]
    public void Random_openings_read_their_keys_and_reach_the_self_play_engine()
    {
        var plain = RunOptions.Parse("{}", "empty");
        Assert.Null(plain.SelfPlay.RandomOpening());
        Assert.Null(SelfPlaySetup.Resolve(plain, cuda: false, cores: 2).Engine(plain.SelfPlay, 1).Opening);
        var options = RunOptions.Parse("""{ "selfPlay": { "randomOpeningShare": 0.5, "randomOpeningMoves": 12 } }""", "o.json");
        Assert.Equal(new RandomOpening(0.5, 12), options.SelfPlay.RandomOpening());
        Assert.Equal(new RandomOpening(0.5, 12), SelfPlaySetup.Resolve(options, cuda: false, cores: 2).Engine(options.SelfPlay, 1).Opening);
        Assert.Equal(20, RunOptions.Parse("""{ "selfPlay": { "randomOpeningShare": 1 } }""", "o.json").SelfPlay.RandomOpening()!.MaxMoves);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 1.0)]   // annealing starts at From
    [InlineData(0.75, 0.55)] // half way from 1 to 0.1
    [InlineData(1.0, 0.1)]
    [InlineData(3.0, 0.1)]   // past the limit (a run still stopping) stays at Factor
    public void The_anneal_falls_linearly_from_its_start_to_the_limit(double share, double factor) =>
        Assert.Equal(factor, new LearningRateAnneal { From = 0.5, Factor = 0.1 }.FactorAt(share), 12);

    [Fact]
    public void UnknownKeyNamesKeyPathAndSource()
    {
        var e = ParseFails("""{ "trainer": { "batchSise": 64 } }""", "configs/typo.json");
        Assert.Contains("configs/typo.json", e.Message);
        Assert.Contains("trainer.batchSise", e.Message);

        var top = ParseFails("""{ "gmae": "tictactoe" }""", "top.json");
        Assert.Contains("top.json", top.Message);
        Assert.Contains("gmae", top.Message);
    }

    [Theory]
    [InlineData("""{ "trainer": { "batchSize": 1 } }""", "trainer.batchSize")]
    [InlineData("""{ "bn": { "decay": 1.2 } }""", "bn.decay")]
    [InlineData("""{ "evaluation": { "games": 7 } }""", "evaluation.games")]
    [InlineData("""{ "evaluation": { "games": 0 } }""", "evaluation.games")]
    [InlineData("""{ "evaluation": { "accuracyPositions": -1 } }""", "evaluation.accuracyPositions")]
    [InlineData("""{ "evaluation": { "gating": true, "everyGenerations": 0 } }""", "evaluation.gating")]
    [InlineData("""{ "trainer": { "learningRate": [ { "fromStep": 10, "rate": 0.1 } ] } }""", "trainer.learningRate[0].fromStep")]
    [InlineData("""{ "trainer": { "learningRate": [] } }""", "trainer.learningRate")]
    [InlineData("""{ "trainer": { "valueTargetMix": 1.5 } }""", "trainer.valueTargetMix")]
    [InlineData("""{ "trainer": { "anneal": { "from": 1 } } }""", "trainer.anneal.from")]
    [InlineData("""{ "trainer": { "anneal": { "factor": 0 } } }""", "trainer.anneal.factor")]
    [InlineData("""{ "trainer": { "anneal": { "factor": 1.5 } } }""", "trainer.anneal.factor")]
    [InlineData("""{ "trainer": { "anneal": { "form": 0.5 } } }""", "trainer.anneal.form")]
    [InlineData("""{ "selfPlay": { "fullSearchShare": 0 } }""", "selfPlay.fullSearchShare")]
    [InlineData("""{ "selfPlay": { "simulations": 50, "fastSimulations": 50 } }""", "selfPlay.fastSimulations")]
    [InlineData("""{ "selfPlay": { "randomOpeningShare": 1.1 } }""", "selfPlay.randomOpeningShare")]
    [InlineData("""{ "cpu": { "oneDnnMaxIsa": "avx 2" } }""", "cpu.oneDnnMaxIsa")]
    [InlineData("""{ "cpu": { "oneDnnMaxIsa": "" } }""", "cpu.oneDnnMaxIsa")]
    [InlineData("""{ "cpu": { "oneDnnIsa": "AVX2" } }""", "cpu.oneDnnIsa")]
    [InlineData("""{ "selfPlay": { "randomOpeningShare": -0.5 } }""", "selfPlay.randomOpeningShare")]
    [InlineData("""{ "selfPlay": { "randomOpeningShare": 0.5, "randomOpeningMoves": 0 } }""", "selfPlay.randomOpeningMoves")]
    [InlineData("""{ "selfPlay": { "search": { "fpuValue": -0.1 } } }""", "selfPlay.search.fpuValue")]
    [InlineData("""{ "selfPlay": { "search": { "forcedPlayouts": -1 } } }""", "selfPlay.search.forcedPlayouts")]
    [InlineData("""{ "selfPlay": { "search": { "forcedPlayouts": 11 } } }""", "selfPlay.search.forcedPlayouts")]
    [InlineData("""{ "selfPlay": { "search": { "cPuct": -1 } } }""", "selfPlay.search.cPuct")]
    [InlineData("""{ "selfPlay": { "search": { "simulations": 0 } } }""", "selfPlay.search.simulations")]
    [InlineData("""{ "selfPlay": { "search": { "seed": 3 } } }""", "selfPlay.search.seed")]
    [InlineData("""{ "selfPlay": { "search": { "gumbelActions": 1 } } }""", "selfPlay.search.gumbelActions")]
    [InlineData("""{ "selfPlay": { "search": { "simulatoins": 5 } } }""", "selfPlay.search.simulatoins")]
    [InlineData("""{ "trainer": { "learningRate": [ { "fromStep": 0, "rate": 0.1 }, { "fromStep": 0, "rate": 0.01 } ] } }""", "trainer.learningRate[1].fromStep")]
    [InlineData("""{ "trainer": { "learningRate": [ { "fromStep": 0, "rate": -1 } ] } }""", "trainer.learningRate[0].rate")]
    [InlineData("""{ "trainer": { "momentum": 1 } }""", "trainer.momentum")]
    [InlineData("""{ "replay": { "windowPositions": 100, "minPositions": 101 } }""", "replay.minPositions")]
    [InlineData("""{ "replay": { "windowGrowth": { "initial": 0 } } }""", "replay.windowGrowth.initial")]
    [InlineData("""{ "replay": { "windowGrowth": { "exponent": 0 } } }""", "replay.windowGrowth.exponent")]
    [InlineData("""{ "replay": { "windowGrowth": { "exponent": 1.5 } } }""", "replay.windowGrowth.exponent")]
    [InlineData("""{ "replay": { "windowGrowth": { "rate": -0.4 } } }""", "replay.windowGrowth.rate")]
    [InlineData("""{ "selfPlay": { "search": { "dirichletEpsilon": 1.5 } } }""", "selfPlay.search.dirichletEpsilon")]
    [InlineData("""{ "inference": { "maxBatch": 0 } }""", "inference.maxBatch")]
    [InlineData("""{ "inference": { "runners": 0 } }""", "inference.runners")]
    [InlineData("""{ "inference": { "runners": 3, "buffers": 3 } }""", "inference.buffers")]
    [InlineData("""{ "inference": { "precision": "fp8" } }""", "inference.precision")]
    [InlineData("""{ "selfPlay": { "parallelGames": 0 } }""", "selfPlay.parallelGames")]
    [InlineData("""{ "selfPlay": { "workers": 0 } }""", "selfPlay.workers")]
    [InlineData("""{ "selfPlay": { "workers": 8, "parallelGames": 4 } }""", "selfPlay.parallelGames")]
    [InlineData("""{ "selfPlay": { "groupsPerWorker": 0 } }""", "selfPlay.groupsPerWorker")]
    [InlineData("""{ "selfPlay": { "search": { "leavesPerBatch": 0 } } }""", "selfPlay.search.leavesPerBatch")]
    [InlineData("""{ "selfPlay": { "search": { "leavesPerBatch": 257 } } }""", "selfPlay.search.leavesPerBatch")]
    [InlineData("""{ "limits": { "generations": 0 } }""", "limits.generations")]
    [InlineData("""{ "network": { "filters": 0 } }""", "network.filters")]
    [InlineData("""{ "network": { "normalization": "group", "filters": 64, "groups": 3 } }""", "network.groups")]
    [InlineData("""{ "network": { "normalization": "group", "groups": 0 } }""", "network.groups")]
    public void BadValueNamesItsKeyAndSource(string json, string key)
    {
        var e = ParseFails(json, "bad.json");
        Assert.StartsWith("bad.json", e.Message);
        Assert.Contains(key, e.Message);
    }

    [Theory]
    [InlineData("""{ "trainer": null }""", "trainer")]
    [InlineData("""{ "limits": null }""", "limits")]
    [InlineData("""{ "selfPlay": { "search": null } }""", "selfPlay.search")]
    [InlineData("""{ "network": null, "bn": null }""", "bn")]
    [InlineData("""{ "trainer": { "learningRate": [ null ] } }""", "trainer.learningRate[0]")]
    [InlineData("""{ "trainer": { "learningRate": [ { "fromStep": 0, "rate": 0.1 }, null ] } }""", "trainer.learningRate[1]")]
    [InlineData("""{ "trainer": { "batchSize": "big" } }""", "trainer.batchSize")]
    [InlineData("""{ "seed": 1.5 }""", "seed")]
    [InlineData("""{ "network": { "normalization": "instance" } }""", "network.normalization")]
    public void NullOrMistypedValueNamesItsKey(string json, string key)
    {
        var e = ParseFails(json, "null.json");
        Assert.StartsWith("null.json", e.Message);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_search_key_replaces_only_itself_and_the_former_flat_keys_read_as_before()
    {
        var nested = RunOptions.Parse("""
            { "selfPlay": { "search": { "simulations": 37, "cPuct": 2, "fpuValue": 0.1, "leavesPerBatch": 3, "rootSearch": "gumbel", "gumbelActions": 5 } } }
            """, "nested.json").SelfPlay.Search;
        Assert.Equal((37, 2.0, 0.1, 3, Search.RootSearch.Gumbel, 5), (nested.Simulations, nested.CPuct, nested.FpuValue, nested.LeavesPerBatch, nested.RootSearch, nested.GumbelActions));
        // The keys left out keep self-play's defaults, not the search's own (800 simulations, α 0.3, 10 temperature moves).
        var defaults = SelfPlayOptions.DefaultSearch;
        Assert.Equal((defaults.DirichletAlpha, defaults.DirichletEpsilon, defaults.TemperatureMoves, true, true),
            (nested.DirichletAlpha, nested.DirichletEpsilon, nested.TemperatureMoves, nested.RootNoise, nested.ReuseTree));
        Assert.Equal((100, 1.5, 1.0, 8), (defaults.Simulations, defaults.CPuct, defaults.DirichletAlpha, defaults.TemperatureMoves));

        // A config (or a run folder's config.json) from before the search moved into selfPlay.search.
        var flat = RunOptions.Parse("""
            { "selfPlay": { "simulations": 37, "cPuct": 2, "fpuReduction": 0.1, "leavesPerGame": 3, "rootSearch": "gumbel", "gumbelActions": 5, "workers": 1 } }
            """, "flat.json").SelfPlay;
        Assert.Equal(nested, flat.Search);
        Assert.Equal(1, flat.Workers);

        var both = ParseFails("""{ "selfPlay": { "simulations": 3, "search": { "simulations": 4 } } }""", "both.json");
        Assert.Equal("both.json: selfPlay.simulations and selfPlay.search.simulations are the same setting; give only selfPlay.search.simulations", both.Message);
        var range = ParseFails("""{ "selfPlay": { "search": { "cPuct": -1 } } }""", "range.json");
        Assert.Equal("range.json: selfPlay.search.cPuct must be finite and non-negative (got -1)", range.Message);
    }

    [Fact]
    public void ANonObjectFileIsRejected()
    {
        Assert.Contains("x.json", ParseFails("null", "x.json").Message);
        Assert.Contains("x.json", ParseFails("[]", "x.json").Message);
        Assert.Contains("x.json", ParseFails("{", "x.json").Message);
    }

    [Fact]
    public void EveryProblemIsReportedNotJustTheFirst()
    {
        var e = ParseFails("""{ "trainer": { "batchSize": 1 }, "bn": { "decay": 1.2 } }""");
        Assert.Contains("trainer.batchSize", e.Message);
        Assert.Contains("bn.decay", e.Message);
    }

    [Theory]
    [InlineData("batch", NetworkNormalization.Batch, true)]
    [InlineData("group", NetworkNormalization.Group, false)]
    [InlineData("layer", NetworkNormalization.Layer, false)]
    [InlineData("none", NetworkNormalization.None, false)]
    public void NetworkNormalizationParsesAndRoundTrips(string name, NetworkNormalization expected, bool hasBatchNorm)
    {
        var options = RunOptions.Parse($$"""{ "network": { "normalization": "{{name}}", "groups": 4 } }""", "n.json");
        Assert.Equal(expected, options.Network.Normalization);
        Assert.Equal(4, options.Network.Groups);
        Assert.Equal(hasBatchNorm, options.Network.HasBatchNorm);
        Assert.Contains($"\"normalization\": \"{name}\"", options.ToJson());
        Assert.DoesNotContain("hasBatchNorm", options.ToJson());
        Assert.Equal(options.ToJson(), RunOptions.Parse(options.ToJson(), "again").ToJson());
    }

    [Fact]
    public void EnumsAreCamelCaseStrings()
    {
        var o = RunOptions.Parse("""
            // comments and trailing commas are allowed
            { "bn": { "inference": "ema", "estimator": "meanOfBatches" }, "trainer": { "optimizer": "adam", }, }
            """, "enums.json");
        Assert.Equal(BnInference.Ema, o.Bn.Inference);
        Assert.Equal(PreciseEstimator.MeanOfBatches, o.Bn.Estimator);
        Assert.Equal(OptimizerKind.Adam, o.Trainer.Optimizer);

        string json = new RunOptions().ToJson();
        Assert.Contains("\"inference\": \"precise\"", json);
        Assert.Contains("\"optimizer\": \"sgd\"", json);
        Assert.Contains("\"estimator\": \"union\"", json);
        Assert.Contains("\"batchSize\": 256", json);

        // Integers are not accepted for enums, nor unknown names.
        Assert.Contains("trainer.optimizer", ParseFails("""{ "trainer": { "optimizer": 1 } }""").Message);
        Assert.Contains("bn.inference", ParseFails("""{ "bn": { "inference": "fancy" } }""").Message);
    }

    [Fact]
    public void RoundTripGivesEqualValuedConfig()
    {
        var o = new RunOptions
        {
            Game = "tictactoe",
            Seed = 42,
            Network = new NetworkOptions { Blocks = 2, Filters = 16, ValueHidden = 8 },
            SelfPlay = new SelfPlayOptions
            {
                ParallelGames = 3, Workers = 1, GroupsPerWorker = 3,
                Search = new() { LeavesPerBatch = 2, Simulations = 17, TemperatureMoves = 2, CPuct = 2.5, DirichletAlpha = 0.7, DirichletEpsilon = 0.1, ForcedPlayouts = 1.5 },
            },
            Inference = new InferenceOptions { MaxBatch = 7, MaxWaitMs = 0.5, Runners = 2, Buffers = 5, Precision = InferencePrecision.Bf16, ChannelsLast = true },
            Replay = new ReplayOptions { WindowPositions = 500, MinPositions = 50, WindowGrowth = new WindowGrowth { Initial = 100, Exponent = 0.5, Rate = 0.3 } },
            Trainer = new TrainerOptions
            {
                StepsPerGeneration = 9, GamesPerGeneration = 11, BatchSize = 32, Accumulation = 3, Optimizer = OptimizerKind.Adam,
                Momentum = 0.5, L2 = 3e-5, LearningRate = [new(0, 0.1), new(100, 0.01), new(1000, 0.001)], Augment = false,
            },
            Bn = new BnOptions { Inference = BnInference.Ema, Decay = 0.99, PreciseBatches = 3, PreciseBatchSize = 64, Estimator = PreciseEstimator.MeanOfBatches },
            Evaluation = new EvaluationOptions { EveryGenerations = 2, Games = 6, Simulations = 12, Gating = true, GatingThreshold = 0.6, AccuracyPositions = 40 },
            Limits = new LimitOptions { Generations = 5, Minutes = 1.5 },
        };
        var json = o.ToJson();
        var back = RunOptions.Parse(json, "roundtrip");
        Assert.Equal(json, back.ToJson());
        // Records without lists compare by value.
        Assert.Equal(o.Network, back.Network);
        Assert.Equal(o.SelfPlay, back.SelfPlay);
        Assert.Equal(o.Inference, back.Inference);
        Assert.Equal(o.Replay, back.Replay);
        Assert.Equal(o.Bn, back.Bn);
        Assert.Equal(o.Evaluation, back.Evaluation);
        Assert.Equal(o.Limits, back.Limits);
        Assert.Equal(o.Trainer.LearningRate, back.Trainer.LearningRate);
        Assert.Equal(o.Trainer with { LearningRate = [] }, back.Trainer with { LearningRate = [] });
        Assert.NotEqual(new RunOptions().ToJson(), json);
    }

    [Fact]
    public void RateAtIsPiecewiseConstant()
    {
        var t = new TrainerOptions { LearningRate = [new(0, 0.1), new(10, 0.01), new(20, 0.001)] };
        Assert.Equal(0.1, t.RateAt(0));
        Assert.Equal(0.1, t.RateAt(9));
        Assert.Equal(0.01, t.RateAt(10));
        Assert.Equal(0.01, t.RateAt(19));
        Assert.Equal(0.001, t.RateAt(20));
        Assert.Equal(0.001, t.RateAt(1_000_000));
    }

    [Fact]
    public void LoadNamesMissingFileAndParsesExistingOne()
    {
        string dir = Path.Combine(Path.GetTempPath(), "selfplaybn-options-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "run.json");
            Assert.Throws<FileNotFoundException>(() => RunOptions.Load(path));
            File.WriteAllText(path, """{ "game": "tictactoe", "trainer": { "batchSize": 1 } }""");
            var e = Assert.Throws<InvalidDataException>(() => RunOptions.Load(path));
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, """{ "game": "tictactoe" }""");
            Assert.Equal("tictactoe", RunOptions.Load(path).Game);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
