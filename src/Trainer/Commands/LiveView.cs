using System.Globalization;
using SelfPlayBN.Actors;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// The live console view of <c>train</c> on a terminal: one table refreshed twice a second with the generation and
/// a progress bar towards the next one, self-play throughput, the inference batch, the last losses and learning
/// rate, BN staleness (EMA against precise statistics), the last evaluation, and the latest events. When standard
/// output is not a terminal, <c>train</c> prints the events as lines instead.
/// </summary>
internal sealed class LiveView(string title)
{
    private const int EventLines = 8;
    private readonly object _gate = new();
    private readonly Queue<string> _events = new();
    private RunStatus? _status;

    /// <summary>Receives the run's state.</summary>
    public void OnStatus(RunStatus status)
    {
        lock (_gate) _status = status;
    }

    /// <summary>Receives an event line.</summary>
    public void OnEvent(string line)
    {
        lock (_gate)
        {
            _events.Enqueue(line);
            while (_events.Count > EventLines) _events.Dequeue();
        }
    }

    /// <summary>Shows the view until <paramref name="work"/> completes, then leaves its last state on screen.</summary>
    public async Task<T> ShowUntil<T>(Task<T> work)
    {
        await AnsiConsole.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            while (!work.IsCompleted)
            {
                ctx.UpdateTarget(Render());
                await Task.WhenAny(work, Task.Delay(500)).ConfigureAwait(false); // screen refresh, not synchronisation
            }
            ctx.UpdateTarget(Render());
        }).ConfigureAwait(false);
        return await work.ConfigureAwait(false);
    }

    private IRenderable Render()
    {
        RunStatus? s;
        string[] events;
        lock (_gate) { s = _status; events = _events.ToArray(); }
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title)).HideHeaders().AddColumn("what").AddColumn("value");
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        if (s is null)
        {
            Row(table, "status", "starting…");
        }
        else
        {
            Row(table, "generation", $"{s.Generation}   next {Bar(s.NextGeneration)} {(s.NextGeneration >= 1 ? "training" : "self-play")}");
            Row(table, "self-play", $"{s.Games:N0} games, {s.Positions:N0} positions   {F(s.GamesPerSecond, "0.0")} games/s, {F(s.PositionsPerSecond, "0")} positions/s");
            Row(table, "inference", $"average batch {F(s.AverageBatch, "0.0")}   replay window {s.BufferPositions:N0} positions");
            Row(table, "loss", s.Losses is { } l
                ? $"policy {F(l.Policy, "0.000")}  value {F(l.Value, "0.000")}  L2 {F(l.L2, "0.0000")}   lr {F(l.LearningRate, "0.#####")}   steps {l.Steps:N0}"
                : "–");
            Row(table, "BN staleness", s.Staleness is { } st
                ? $"mean gap {F(st.MeanGap, "0.000")} σ, log-var gap {F(st.LogVarianceGap, "0.000")}   loss with EMA {F(st.LossWithEma, "0.000")} vs precise {F(st.LossWithPrecise, "0.000")}"
                : "–");
            Row(table, "evaluation", s.LastEvaluation ?? "–");
            Row(table, "elapsed", $@"{s.Elapsed:hh\:mm\:ss}");
        }
        foreach (var e in events) table.AddRow(new Markup("[grey]event[/]"), new Text(e));
        return table;
    }

    private static void Row(Table table, string what, string value) => table.AddRow(new Text(what), new Text(value));

    private static string Bar(double fraction)
    {
        const int width = 24;
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "] " + ((int)(fraction * 100)).ToString(CultureInfo.InvariantCulture) + "%";
    }
}
