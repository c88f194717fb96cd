using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed class GtpEngineTimeTests
{
    private static readonly TimeSpan Lag = TimeSpan.FromSeconds(0.5);

    [Fact]
    public void Without_settings_or_with_byo_yomi_time_but_no_stones_there_is_no_limit()
    {
        var clock = new GtpTimeControl { Lag = Lag };
        Assert.Null(clock.Budget(0, 81));
        clock.Set(0, 5, 0);
        Assert.False(clock.IsLimited);
        Assert.Null(clock.Budget(1, 81));
    }

    [Fact]
    public void Main_time_is_spread_over_half_the_empty_points_but_at_least_twenty_moves()
    {
        var clock = new GtpTimeControl { Lag = Lag };
        clock.Set(600, 30, 5);
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 600 / (361 / 2.0)) - Lag, clock.Budget(0, 361));
        clock.SetLeft(0, 100, 0);
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 100 / 20) - Lag, clock.Budget(0, 10));
    }

    [Fact]
    public void In_byo_yomi_the_period_is_shared_by_the_stones_left_in_it()
    {
        var clock = new GtpTimeControl { Lag = Lag };
        clock.Set(0, 60, 10);
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 60 / 10) - Lag, clock.Budget(1, 81)); // before time_left: a fresh period
        clock.SetLeft(1, 12, 3);
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 12 / 3) - Lag, clock.Budget(1, 81));
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 60 / 10) - Lag, clock.Budget(0, 81)); // the other colour keeps its own clock
    }

    [Fact]
    public void The_budget_never_falls_below_the_minimum()
    {
        var clock = new GtpTimeControl { Lag = Lag };
        clock.Set(10, 0, 0);
        clock.SetLeft(0, 0.1, 0);
        Assert.Equal(GtpTimeControl.MinimumBudget, clock.Budget(0, 81));
    }

    [Fact]
    public void Bad_values_are_rejected()
    {
        var clock = new GtpTimeControl();
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Set(-1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Set(double.NaN, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.SetLeft(2, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.SetLeft(0, 1, -1));
    }

    [Fact]
    public void Time_commands_set_the_engine_clock()
    {
        using var s = new GtpSession(Engines.Uniform());
        Assert.Equal("=1 ", s.Send("1 time_settings 300 30 5"));
        Assert.Equal("=2 ", s.Send("2 time_left white 25 4"));
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 25 / 4), s.Engine.Time.Budget(1, 81));
        Assert.Equal(TimeSpan.FromSeconds(0.9 * 300 / 40.5), s.Engine.Time.Budget(0, 81));
    }
}
