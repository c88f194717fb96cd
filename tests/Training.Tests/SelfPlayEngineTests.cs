using System.Collections.Concurrent;
using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

/// <summary>
/// The self-play engine (many games per worker thread, leaves batched through the inference service) against the
/// sequential player: the same games with the same seeds; legal, complete records with any number of workers, groups and
/// leaves per game; model versions per game; credits; failures.
/// </summary>
public sealed class SelfPlayEngineTests
{
    private static MctsOptions Search(int simulations = 30, int leaves = 1) =>
        new() { Simulations = simulations, TemperatureMoves = 3, DirichletAlpha = 1.0, LeavesPerBatch = leaves };

    /// <summary>Collects finished games and failures, and signals each one.</summary>
    private sealed class Collector
    {
        public readonly ConcurrentQueue<GameRecord> Games = new();
        public readonly ConcurrentQueue<Exception> Failures = new();
        public readonly ManualResetEventSlim Changed = new();

        public void Finished(GameRecord g)
        {
            Games.Enqueue(g);
            Changed.Set();
        }

        public void Failed(Exception e)
        {
            Failures.Enqueue(e);
            Changed.Set();
        }

        public void WaitForGames(int count) =>
            Await.Until(() => Games.Count >= count || !Failures.IsEmpty, Changed, $"{count} finished games");
    }

    private static InferenceService Service(IGame game, IBatchModel model, int maxBatch, long version = 1) =>
        new(game.ObservationShape.Size, game.NumActions, version, [model], new InferenceServiceOptions(maxBatch));

    private static void AssertReplays(IGame game, GameRecord record)
    {
        record.Validate(game.NumActions, game.NumPlayers);
        var state = game.NewInitialState();
        for (int i = 0; i < record.Length; i++)
        {
            Assert.False(state.IsTerminal);
            Assert.True(state.IsLegal(record.Actions[i]), $"move {i} is illegal");
            Assert.Equal(1.0, record.Policies[i].Sum(p => (double)p), 5);
            Assert.True(record.Policies[i][record.Actions[i]] > 0, $"move {i} was never visited");
            state = state.Apply(record.Actions[i]);
        }
        Assert.True(state.IsTerminal);
        Assert.Equal(Enumerable.Range(0, game.NumPlayers).Select(state.Returns), record.Returns);
    }

    [Theory]
    [InlineData(1, 1, 6, false, false)]
    [InlineData(1, 2, 6, false, false)]
    [InlineData(2, 2, 8, false, false)]
    [InlineData(3, 1, 7, false, false)]
    [InlineData(1, 2, 6, true, false)]
    [InlineData(2, 1, 8, false, true)]
    public void Each_game_is_the_game_the_sequential_player_plays_with_its_seed(int workers, int groups, int games, bool capped, bool opened)
    {
        var game = TestGames.TicTacToe;
        var search = Search();
        var cap = capped ? new PlayoutCap(0.5, 3) : null;
        var opening = opened ? new RandomOpening(0.75, 4) : null;
        var options = new SelfPlayEngineOptions(games, workers, groups, search, Seed: 5) { Cap = cap, Opening = opening };
        var collector = new Collector();
        using (var service = Service(game, new ObservationModel(game.NumActions), maxBatch: 16))
        using (var engine = new SelfPlayEngine(game, service, options, credits: games, collector.Finished, collector.Failed))
        {
            engine.Start();
            collector.WaitForGames(games);
        }
        Assert.Empty(collector.Failures);
        Assert.Equal(games, collector.Games.Count);

        // Game k of slot s of worker w was played with GameSeed(5, w, s, k); slots are numbered per worker. Which slot
        // took which credit depends on timing when there are several workers, so every engine game must be one of the
        // sequential player's games for some (w, s, k), each at most once.
        var expected = new Dictionary<string, int>();
        static string Key(GameRecord r) => string.Join(",", r.Actions) + "|" + string.Join(";", r.Policies.Select(p => string.Join(",", p))) +
                                           "|" + string.Join(",", r.FullSearch ?? []) + "|" + string.Join(",", r.RootValues!);
        for (int w = 0; w < workers; w++)
        {
            int mine = games / workers + (w < games % workers ? 1 : 0);
            for (int slot = 0; slot < mine; slot++)
            for (int k = 0; k < games; k++)
            {
                var record = SelfPlayer.Play(game, new ObservationOracle(), search with { Seed = SelfPlayEngine.GameSeed(5, w, slot, k) }, version: 1, cap: cap,
                    opening: opening);
                expected[Key(record)] = expected.GetValueOrDefault(Key(record)) + 1;
            }
        }
        foreach (var record in collector.Games)
        {
            string key = Key(record);
            Assert.True(expected.GetValueOrDefault(key) > 0, $"game {string.Join(",", record.Actions)} is no seed's sequential game");
            expected[key]--;
        }
        Assert.All(collector.Games, r => { Assert.Equal(1, r.FirstModelVersion); Assert.Equal(1, r.ModelVersion); });
        if (capped || opened) Assert.Contains(collector.Games, r => r.FullSearch!.Contains(false) && r.FullSearch.Contains(true));
        else Assert.All(collector.Games, r => Assert.Null(r.FullSearch));
    }

    [Fact]
    public void Many_games_per_worker_with_several_leaves_each_play_complete_legal_games_in_large_batches()
    {
        var game = TestGames.ConnectFour;
        var model = new ObservationModel(game.NumActions);
        var options = new SelfPlayEngineOptions(Games: 24, Workers: 2, GroupsPerWorker: 3, Search(simulations: 24, leaves: 4), Seed: 9);
        var collector = new Collector();
        using (var service = Service(game, model, maxBatch: 64))
        using (var engine = new SelfPlayEngine(game, service, options, credits: 40, collector.Finished, collector.Failed))
        {
            engine.Start();
            collector.WaitForGames(40);
            Assert.Equal(40, engine.Games);
            Assert.Equal(collector.Games.Sum(g => g.Length), engine.Positions);
            Assert.True(engine.Moves >= engine.Positions);
        }
        Assert.Empty(collector.Failures);
        Assert.Equal(40, collector.Games.Count); // never more than the credits
        foreach (var record in collector.Games) AssertReplays(game, record);
        Assert.All(model.BatchSizes, b => Assert.InRange(b, 1, 64));
        Assert.True(model.BatchSizes.Max() > 4, $"batches never held more than one game's leaves: largest {model.BatchSizes.Max()}");
    }

    [Fact]
    public void Games_in_progress_at_a_publication_are_finished_by_the_new_model_and_say_so()
    {
        var game = TestGames.TicTacToe;
        var options = new SelfPlayEngineOptions(Games: 8, Workers: 1, GroupsPerWorker: 2, Search(), Seed: 3);
        var collector = new Collector();
        using (var service = Service(game, new ObservationModel(game.NumActions), maxBatch: 8, version: 3))
        using (var engine = new SelfPlayEngine(game, service, options, credits: 1_000, collector.Finished, collector.Failed))
        {
            engine.Start();
            collector.WaitForGames(10);
            service.Serve(4, [new ObservationModel(game.NumActions)]);
            int atSwitch = collector.Games.Count;
            collector.WaitForGames(atSwitch + 30);
        }
        Assert.Empty(collector.Failures);
        var records = collector.Games.ToArray();
        Assert.All(records, r => Assert.True(r.FirstModelVersion <= r.ModelVersion));
        Assert.All(records, r => Assert.InRange(r.FirstModelVersion, 3, 4));
        Assert.Contains(records, r => r.FirstModelVersion == 3 && r.ModelVersion == 4); // in progress at the switch
        Assert.Contains(records, r => r.FirstModelVersion == 4);
    }

    [Fact]
    public void Games_start_only_with_credits_and_resume_when_credits_come_back()
    {
        var game = TestGames.TicTacToe;
        var options = new SelfPlayEngineOptions(Games: 8, Workers: 2, GroupsPerWorker: 2, Search(simulations: 10), Seed: 1);
        var collector = new Collector();
        using (var service = Service(game, new ObservationModel(game.NumActions), maxBatch: 8))
        using (var engine = new SelfPlayEngine(game, service, options, credits: 5, collector.Finished, collector.Failed))
        {
            engine.Start();
            collector.WaitForGames(5);
            Assert.Equal(0, engine.Credits);
            engine.AddCredits(3);
            collector.WaitForGames(8);
        }
        Assert.Empty(collector.Failures);
        Assert.Equal(8, collector.Games.Count); // 5 + 3 credits, however long the workers ran
    }

    [Fact]
    public void A_failing_model_is_reported_once_per_worker_with_its_cause()
    {
        var game = TestGames.TicTacToe;
        var options = new SelfPlayEngineOptions(Games: 4, Workers: 1, GroupsPerWorker: 2, Search(), Seed: 1);
        var collector = new Collector();
        using (var service = Service(game, new ObservationModel(game.NumActions) { FailBatch = 3 }, maxBatch: 8))
        using (var engine = new SelfPlayEngine(game, service, options, credits: 100, collector.Finished, collector.Failed))
        {
            engine.Start();
            Await.Until(() => !collector.Failures.IsEmpty, collector.Changed, "the failure");
        }
        var failure = Assert.Single(collector.Failures);
        Assert.Contains("inference failed", failure.Message);
        Assert.IsType<FakeFailure>(failure.InnerException);
    }

    [Fact]
    public void Settings_that_cannot_fit_the_batch_limit_are_refused_with_the_options_named()
    {
        var game = TestGames.TicTacToe;
        using var service = Service(game, new UniformBatchModel(), maxBatch: 8);
        var e = Assert.Throws<ArgumentException>(() => new SelfPlayEngine(game, service,
            new SelfPlayEngineOptions(Games: 40, Workers: 2, GroupsPerWorker: 2, Search(), 1), 1, _ => { }, _ => { }));
        Assert.Contains("inference.maxBatch", e.Message); // 10 games a group > 8
        e = Assert.Throws<ArgumentException>(() => new SelfPlayEngine(game, service,
            new SelfPlayEngineOptions(Games: 3, Workers: 2, GroupsPerWorker: 2, Search(), 1), 1, _ => { }, _ => { }));
        Assert.Contains("at least 4 games", e.Message);
        using var other = new InferenceService(5, 9, 0, [new UniformBatchModel()], new InferenceServiceOptions(8));
        Assert.Throws<ArgumentException>(() => new SelfPlayEngine(game, other,
            new SelfPlayEngineOptions(Games: 4, Workers: 1, GroupsPerWorker: 2, Search(), 1), 1, _ => { }, _ => { }));
    }
}
