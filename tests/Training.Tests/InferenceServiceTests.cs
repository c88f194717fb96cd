namespace SelfPlayBN.Training.Tests;

/// <summary>
/// The inference service on its own, with a stand-in model that answers each row from its observation: rows reach
/// their writers whatever the concurrency, batches respect their limit and are never split, overlapping batches form,
/// models switch between batches and are disposed once idle, failures and stops answer every writer.
/// </summary>
public sealed class InferenceServiceTests
{
    private const int Observation = 6, Actions = 4;

    private static InferenceService Service(IBatchModel model, int maxBatch, int runners = 1, int buffers = 3, TimeSpan maxWait = default) =>
        new(Observation, Actions, 1, Enumerable.Repeat(model, runners).ToArray(), new InferenceServiceOptions(maxBatch, runners, buffers, maxWait));

    /// <summary>Reserves <paramref name="rows"/> rows (waiting for a buffer if need be), fills them from <paramref name="seed"/> and commits.</summary>
    private static (InferenceTicket Ticket, float[] Observations) Submit(InferenceService service, int rows, int seed, ManualResetEventSlim wake)
    {
        InferenceTicket ticket = default;
        Await.Until(() => service.TryReserve(rows, wake, out ticket), wake, "a free buffer");
        var rng = new Random(seed);
        var observations = new float[rows * Observation];
        for (int i = 0; i < observations.Length; i++) observations[i] = rng.Next(3);
        observations.CopyTo(ticket.Observations);
        service.Commit(ticket);
        return (ticket, observations);
    }

    /// <summary>Waits for the ticket's answers and checks them against the model's function of each row.</summary>
    private static void AssertAnswered(InferenceService service, InferenceTicket ticket, float[] observations, ManualResetEventSlim wake, long? version = null)
    {
        Await.Until(() => ticket.IsAnswered, wake, "the answers");
        Assert.Null(ticket.Failure);
        if (version is long v) Assert.Equal(v, ticket.Version);
        var priors = new float[Actions];
        for (int i = 0; i < ticket.Rows; i++)
        {
            ObservationModel.Answer(observations.AsSpan(i * Observation, Observation), priors, out float value);
            Assert.Equal(priors, ticket.Priors.Slice(i * Actions, Actions).ToArray());
            Assert.Equal(value, ticket.Values[i]);
        }
        service.Release(ticket);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 6)]
    public void Every_writer_gets_the_answers_of_its_own_rows_from_many_threads(int runners, int buffers)
    {
        var model = new ObservationModel(Actions);
        const int threads = 6, rounds = 40, maxBatch = 8;
        long rows = 0;
        using (var service = Service(model, maxBatch, runners, buffers))
        {
            var errors = new List<Exception>();
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                try
                {
                    var wake = new ManualResetEventSlim();
                    var rng = new Random(t);
                    for (int r = 0; r < rounds; r++)
                    {
                        int n = 1 + rng.Next(maxBatch);
                        Interlocked.Add(ref rows, n);
                        var (ticket, observations) = Submit(service, n, 1000 * t + r, wake);
                        Assert.Equal(n, ticket.Rows);
                        AssertAnswered(service, ticket, observations, wake, version: 1);
                    }
                }
                catch (Exception e) { lock (errors) errors.Add(e); }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            Assert.Empty(errors);
            var stats = service.Statistics;
            Assert.Equal(rows, stats.Positions);
            Assert.Equal(threads * rounds, stats.Requests);
            Assert.Equal(model.Batches, stats.Batches);
        }
        Assert.All(model.BatchSizes, b => Assert.InRange(b, 1, maxBatch));
        Assert.True(model.Disposed, "the service disposes its model when it stops");
    }

    [Fact]
    public void A_contribution_larger_than_the_batch_limit_is_refused_with_the_option_named()
    {
        using var service = Service(new ObservationModel(Actions), maxBatch: 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => service.TryReserve(5, new ManualResetEventSlim(), out _));
        Assert.Contains("inference.maxBatch", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => service.TryReserve(0, new ManualResetEventSlim(), out _));
    }

    [Fact]
    public void While_a_batch_runs_the_next_contributions_fill_the_next_batch_and_never_split()
    {
        // The first batch is held inside the model: the writer that committed it found the runner idle, so it ran alone.
        using var release = new ManualResetEventSlim();
        var model = new ObservationModel(Actions) { HoldFirstBatchUntil = release };
        using var service = Service(model, maxBatch: 8, buffers: 4);
        var wake = new ManualResetEventSlim();
        var first = Submit(service, 3, 1, wake);
        Assert.True(model.Entered.Wait(TimeSpan.FromSeconds(60)), "the first batch never ran");
        var second = Submit(service, 3, 2, wake);
        var third = Submit(service, 3, 3, wake);  // joins the second's batch, which waits for the runner
        var fourth = Submit(service, 5, 4, wake); // 6 + 5 > 8: not split, it starts the batch after
        release.Set();
        foreach (var (ticket, observations) in new[] { first, second, third, fourth }) AssertAnswered(service, ticket, observations, wake);
        Assert.Equal([3, 6, 5], model.BatchSizes);
    }

    [Fact]
    public void With_a_wait_a_free_runner_lets_the_batch_fill_first()
    {
        var model = new ObservationModel(Actions);
        using var service = Service(model, maxBatch: 6, maxWait: TimeSpan.FromMinutes(10));
        var wake = new ManualResetEventSlim();
        var a = Submit(service, 2, 1, wake);
        var b = Submit(service, 4, 2, wake); // fills the batch: it runs now, not in ten minutes
        AssertAnswered(service, a.Ticket, a.Observations, wake);
        AssertAnswered(service, b.Ticket, b.Observations, wake);
        Assert.Equal([6], model.BatchSizes);
    }

    [Fact]
    public void When_every_buffer_is_busy_a_reservation_is_refused_and_the_writer_woken_when_one_frees()
    {
        using var release = new ManualResetEventSlim();
        var model = new ObservationModel(Actions) { HoldFirstBatchUntil = release };
        using var service = Service(model, maxBatch: 2, buffers: 2);
        var wake = new ManualResetEventSlim();
        var held = Submit(service, 2, 1, wake);      // buffer 1: running (held)
        Assert.True(model.Entered.Wait(TimeSpan.FromSeconds(60)));
        var queued = Submit(service, 2, 2, wake);    // buffer 2: full, waiting for the runner
        var refused = new ManualResetEventSlim();
        Assert.False(service.TryReserve(1, refused, out _));
        Assert.False(refused.IsSet);
        release.Set();
        AssertAnswered(service, held.Ticket, held.Observations, wake); // releasing buffer 1 wakes the refused writer
        Assert.True(refused.Wait(TimeSpan.FromSeconds(60)), "the refused writer was not woken when a buffer freed");
        AssertAnswered(service, queued.Ticket, queued.Observations, wake);
        var later = Submit(service, 1, 3, wake);
        AssertAnswered(service, later.Ticket, later.Observations, wake);
    }

    [Fact]
    public void A_new_model_serves_from_the_next_batch_and_the_old_one_is_disposed_once_idle()
    {
        using var release = new ManualResetEventSlim();
        var v1 = new ObservationModel(Actions) { HoldFirstBatchUntil = release };
        var v2 = new ObservationModel(Actions);
        using var service = Service(v1, maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var running = Submit(service, 2, 1, wake);
        Assert.True(v1.Entered.Wait(TimeSpan.FromSeconds(60)));
        service.Serve(7, [v2]);
        Assert.Equal(7, service.Version);
        Assert.False(v1.Disposed, "the old model is disposed while a runner uses it");
        var next = Submit(service, 2, 2, wake);
        release.Set();
        AssertAnswered(service, running.Ticket, running.Observations, wake, version: 1);
        AssertAnswered(service, next.Ticket, next.Observations, wake, version: 7);
        Assert.True(v1.Disposed);
        Assert.Equal(1, v2.Batches);
        Assert.Throws<ArgumentException>(() => service.Serve(8, []));
    }

    [Fact]
    public void A_failing_batch_reports_its_failure_to_its_writers_and_the_next_batch_is_served()
    {
        var model = new ObservationModel(Actions) { FailBatch = 0 };
        using var service = Service(model, maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var failed = Submit(service, 2, 1, wake);
        Await.Until(() => failed.Ticket.IsAnswered, wake, "the failure");
        Assert.IsType<FakeFailure>(failed.Ticket.Failure);
        service.Release(failed.Ticket);
        var next = Submit(service, 2, 2, wake);
        AssertAnswered(service, next.Ticket, next.Observations, wake);
    }

    [Fact]
    public void A_batch_with_a_NaN_answer_is_run_again_and_its_writers_get_finite_answers()
    {
        var model = new ObservationModel(Actions) { NaNRuns = InferenceService.NonFiniteReruns };
        using var service = Service(model, maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var sub = Submit(service, 3, 1, wake);
        AssertAnswered(service, sub.Ticket, sub.Observations, wake);
        Assert.Equal(InferenceService.NonFiniteReruns + 1, model.Batches);
        Assert.Equal(InferenceService.NonFiniteReruns, service.NonFiniteBatches);
    }

    [Fact]
    public void A_batch_whose_answers_stay_non_finite_fails_with_an_error_naming_the_cause()
    {
        var model = new ObservationModel(Actions) { NaNRuns = InferenceService.NonFiniteReruns + 1 };
        using var service = Service(model, maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var failed = Submit(service, 2, 1, wake);
        Await.Until(() => failed.Ticket.IsAnswered, wake, "the failure");
        var e = Assert.IsType<InvalidOperationException>(failed.Ticket.Failure);
        Assert.Contains("not finite", e.Message);
        Assert.Contains("ONEDNN_MAX_CPU_ISA", e.Message);
        service.Release(failed.Ticket);
        var next = Submit(service, 2, 2, wake); // the model answers finitely again: the service goes on
        AssertAnswered(service, next.Ticket, next.Observations, wake);
    }

    [Fact]
    public void Stopping_answers_batches_that_never_ran_with_a_failure_and_refuses_new_work()
    {
        using var release = new ManualResetEventSlim();
        var model = new ObservationModel(Actions) { HoldFirstBatchUntil = release };
        var service = Service(model, maxBatch: 2, buffers: 3);
        var wake = new ManualResetEventSlim();
        var running = Submit(service, 2, 1, wake);
        Assert.True(model.Entered.Wait(TimeSpan.FromSeconds(60)));
        var waiting = Submit(service, 2, 2, wake);
        var stopper = new Thread(service.Dispose);
        stopper.Start();
        release.Set();
        stopper.Join();
        Assert.True(running.Ticket.IsAnswered);
        Assert.Null(running.Ticket.Failure); // it was running: it finished
        Assert.True(waiting.Ticket.IsAnswered);
        Assert.IsType<ObjectDisposedException>(waiting.Ticket.Failure);
        Assert.Throws<ObjectDisposedException>(() => service.TryReserve(1, wake, out _));
        Assert.True(model.Disposed);
    }

    [Fact]
    public void A_pause_holds_batches_until_it_ends()
    {
        var model = new ObservationModel(Actions);
        using var service = Service(model, maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var before = Submit(service, 2, 1, wake);
        AssertAnswered(service, before.Ticket, before.Observations, wake);
        var pause = service.Pause();
        var held = Submit(service, 2, 2, wake);
        var alsoHeld = Submit(service, 2, 3, wake);
        Assert.False(held.Ticket.IsAnswered || alsoHeld.Ticket.IsAnswered);
        Assert.Equal(1, model.Batches); // deterministic: no runner may take a batch while paused
        pause.Dispose();
        pause.Dispose(); // a second end of the same pause changes nothing
        AssertAnswered(service, held.Ticket, held.Observations, wake);
        AssertAnswered(service, alsoHeld.Ticket, alsoHeld.Observations, wake);
        Assert.Equal([2, 2, 2], model.BatchSizes); // the held batch had closed at its commit (the runner was idle): not merged
    }

    [Fact]
    public void A_released_ticket_cannot_be_used_again()
    {
        using var service = Service(new ObservationModel(Actions), maxBatch: 4);
        var wake = new ManualResetEventSlim();
        var (ticket, observations) = Submit(service, 1, 1, wake);
        AssertAnswered(service, ticket, observations, wake);
        Assert.Throws<InvalidOperationException>(() => service.Release(ticket));
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_with_their_name()
    {
        Assert.Contains("Buffers", Assert.Throws<ArgumentException>(() => new InferenceServiceOptions(8, Runners: 2, Buffers: 2).Validate()).Message);
        Assert.Contains("MaxBatch", Assert.Throws<ArgumentException>(() => new InferenceServiceOptions(0).Validate()).Message);
        var e = Assert.Throws<ArgumentException>(() => new InferenceService(Observation, Actions, 0, [new ObservationModel(Actions)],
            new InferenceServiceOptions(8, Runners: 2, Buffers: 3)));
        Assert.Contains("one model replica per runner", e.Message);
    }
}
