using SelfPlayBN.Actors;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

public sealed class RunProgressTests
{
    private static readonly DateTime Start = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);

    private static SelfPlayStats Stats(long games, long positions, GameTally? tally = null) =>
        new(games, positions, 0, new InferenceStatistics(10, 80, 80, TimeSpan.FromSeconds(1)), tally ?? GameTally.Empty);

    private static PublishedModelInfo Info(long version, string statistics, StalenessSummary? staleness) =>
        new(version, statistics, "sha", Start, new LossSummary(1.5, 0.5, 0.1, 0.05, 100 * version), staleness);

    [Fact]
    public void Rates_are_over_the_last_ten_seconds_and_the_next_generation_counts_games_since_the_publication()
    {
        var progress = new RunProgress(gamesPerGeneration: 100, Start);
        Assert.Null(progress.Status(Start));
        progress.SelfPlayReported(Stats(0, 0), Start);
        progress.SelfPlayReported(Stats(20, 400), Start.AddSeconds(5));
        progress.BufferReported(new BufferStatus(400, 20, 20));
        progress.Published(Info(1, "precise", null));
        progress.SelfPlayReported(Stats(60, 1200), Start.AddSeconds(15));
        var status = progress.Status(Start.AddSeconds(15));
        Assert.NotNull(status);
        // The report at 0 s left the window: the rates are from 5 s to 15 s.
        Assert.Equal(4.0, status.GamesPerSecond, 9);
        Assert.Equal(80.0, status.PositionsPerSecond, 9);
        Assert.Equal(0.4, status.NextGeneration, 9); // 40 games since generation 1 was published at 20
        Assert.Equal(1, status.Generation);
        Assert.Equal(400, status.BufferPositions);
        Assert.Equal(TimeSpan.FromSeconds(15), status.Elapsed);
        Assert.Equal(8.0, status.AverageBatch, 9);
    }

    [Fact]
    public void A_self_play_line_is_due_first_and_then_every_fifty_games()
    {
        var progress = new RunProgress(100, Start);
        long[] games = [3, 10, 49, 50, 51, 99, 100, 180];
        var due = games.Select(g => progress.SelfPlayReported(Stats(g, g * 20), Start.AddSeconds(g))).ToArray();
        Assert.Equal([true, false, false, true, false, false, true, true], due);
        Assert.StartsWith("self-play: 180 games, 3600 positions (1.0 games/s, 20 positions/s)", progress.SelfPlayLine(Start.AddSeconds(180)));
    }

    [Fact]
    public void A_publication_returns_the_games_since_the_last_one_and_keeps_staleness_only_with_BatchNorm()
    {
        var progress = new RunProgress(100, Start);
        Assert.Null(progress.Published(Info(0, "initial", null)));
        progress.SelfPlayReported(Stats(10, 200, new GameTally(10, 200, 4, 1, 0, 0)), Start.AddSeconds(1));
        var staleness = new StalenessSummary(0.3, 0.1, "bn1", 1.2, 1.1, 0.5, 512);
        Assert.Equal(new GameTally(10, 200, 4, 1, 0, 0), progress.Published(Info(1, "precise", staleness)));
        progress.SelfPlayReported(Stats(15, 300, new GameTally(15, 300, 5, 1, 0, 0)), Start.AddSeconds(2));
        Assert.Equal(new GameTally(5, 100, 1, 0, 0, 0), progress.Published(Info(2, "precise", null)));
        Assert.Equal(staleness, progress.Status(Start.AddSeconds(2))!.Staleness); // kept from the last measurement

        var plain = new RunProgress(100, Start);
        plain.SelfPlayReported(Stats(10, 200), Start.AddSeconds(1));
        plain.Published(Info(1, "none", staleness));
        Assert.Null(plain.Status(Start.AddSeconds(1))!.Staleness);
    }
}
