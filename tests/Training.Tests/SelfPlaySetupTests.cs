namespace SelfPlayBN.Training.Tests;

/// <summary>How the self-play and inference values a config leaves null are chosen for a device, and which explicit values
/// contradict each other.</summary>
public sealed class SelfPlaySetupTests
{
    private static RunOptions With(SelfPlayOptions? selfPlay = null, InferenceOptions? inference = null) =>
        new() { SelfPlay = selfPlay ?? new SelfPlayOptions(), Inference = inference ?? new InferenceOptions() };

    [Fact]
    public void On_a_cpu_one_worker_per_eight_cores_feeds_one_fp32_runner_batches_of_half_the_games()
    {
        var two = SelfPlaySetup.Resolve(With(), cuda: false, cores: 2);
        Assert.Equal(new SelfPlaySetup(SelfPlaySetup.CpuGames, 1, 2, 1, SelfPlaySetup.CpuGames / 2, 1, 3, TimeSpan.Zero, InferencePrecision.Fp32, false), two);
        var sixteen = SelfPlaySetup.Resolve(With(), cuda: false, cores: 16);
        Assert.Equal(2, sixteen.Workers);
        Assert.Equal(SelfPlaySetup.CpuGames / 2, sixteen.MaxBatch); // both workers' groups in flight at once
    }

    [Fact]
    public void On_cuda_every_core_but_two_runs_a_worker_and_two_bf16_runners_take_batches_in_the_thousands()
    {
        var s = SelfPlaySetup.Resolve(With(), cuda: true, cores: 16);
        Assert.Equal(14, s.Workers);
        Assert.Equal(14 * SelfPlaySetup.CudaGamesPerWorker, s.Games);
        Assert.Equal(14 * SelfPlaySetup.CudaGamesPerWorker / 2, s.MaxBatch);
        Assert.Equal(2, s.Runners);
        Assert.Equal(4, s.Buffers);
        Assert.Equal(InferencePrecision.Bf16, s.Precision);
        Assert.Equal(1, SelfPlaySetup.Resolve(With(), cuda: true, cores: 2).Workers);
    }

    [Fact]
    public void Explicit_values_are_kept_and_few_games_shrink_the_automatic_workers_and_groups()
    {
        var s = SelfPlaySetup.Resolve(With(new SelfPlayOptions { ParallelGames = 3, Search = SelfPlayOptions.DefaultSearch with { LeavesPerBatch = 4 } },
            new InferenceOptions { Runners = 2, Buffers = 6, Precision = InferencePrecision.Fp16, ChannelsLast = true, MaxWaitMs = 1.5 }), cuda: true, cores: 16);
        Assert.Equal(3, s.Games);
        Assert.Equal(3, s.Workers);        // 14 would leave workers without games
        Assert.Equal(1, s.GroupsPerWorker); // one game per worker: one group
        Assert.Equal(12, s.MaxBatch);       // the 3 workers' groups of 1 game × 4 leaves, in flight at once
        Assert.Equal((2, 6, InferencePrecision.Fp16, true), (s.Runners, s.Buffers, s.Precision, s.ChannelsLast));
        Assert.Equal(TimeSpan.FromMilliseconds(1.5), s.MaxWait);
        var engine = s.Engine(new SelfPlayOptions { ParallelGames = 3, Search = SelfPlayOptions.DefaultSearch with { Simulations = 7, CPuct = 2, LeavesPerBatch = 4 } }, seed: 4);
        Assert.Equal((3, 3, 1, 4), (engine.Games, engine.Workers, engine.GroupsPerWorker, engine.Search.LeavesPerBatch));
        Assert.Equal((7, 2.0, true, true), (engine.Search.Simulations, engine.Search.CPuct, engine.Search.RootNoise, engine.Search.ReuseTree));
        engine.Validate(s.MaxBatch);
    }

    [Fact]
    public void Contradicting_values_are_refused_naming_the_keys()
    {
        var e = Assert.Throws<InvalidDataException>(() => SelfPlaySetup.Resolve(
            With(new SelfPlayOptions { ParallelGames = 64, Workers = 1, GroupsPerWorker = 2 }, new InferenceOptions { MaxBatch = 16 }), false, 2));
        Assert.Contains("inference.maxBatch", e.Message);
        Assert.Contains("32 games", e.Message);
        e = Assert.Throws<InvalidDataException>(() => SelfPlaySetup.Resolve(With(inference: new InferenceOptions { Runners = 4 , Buffers = 3 }), false, 2));
        Assert.Contains("inference.buffers", e.Message);
        e = Assert.Throws<InvalidDataException>(() => SelfPlaySetup.Resolve(With(new SelfPlayOptions { ParallelGames = 2, Workers = 3 }), false, 2));
        Assert.Contains("selfPlay.workers", e.Message);
    }

    [Fact]
    public void The_unacknowledged_bound_is_twice_the_games_and_at_least_256()
    {
        Assert.Equal(256, SelfPlaySetup.Resolve(With(new SelfPlayOptions { ParallelGames = 8 }), false, 2).MaxUnacknowledged);
        Assert.Equal(1024, SelfPlaySetup.Resolve(With(new SelfPlayOptions { ParallelGames = 512 }), false, 2).MaxUnacknowledged);
    }
}
