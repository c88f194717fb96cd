namespace SelfPlayBN.Search.Tests;

public sealed class OptionsTests
{
    public static TheoryData<string, Func<MctsOptions>> BadOptions => new()
    {
        { nameof(MctsOptions.Simulations), () => new MctsOptions { Simulations = 0 } },
        { nameof(MctsOptions.CPuct), () => new MctsOptions { CPuct = -0.1 } },
        { nameof(MctsOptions.CPuct), () => new MctsOptions { CPuct = double.NaN } },
        { nameof(MctsOptions.CPuctBase), () => new MctsOptions { CPuctBase = 0 } },
        { nameof(MctsOptions.FpuMode), () => new MctsOptions { FpuMode = (FpuMode)7 } },
        { nameof(MctsOptions.FpuValue), () => new MctsOptions { FpuValue = -1.5 } },
        { nameof(MctsOptions.FpuValue), () => new MctsOptions { FpuValue = 3 } },
        { nameof(MctsOptions.DirichletAlpha), () => new MctsOptions { DirichletAlpha = 0 } },
        { nameof(MctsOptions.DirichletEpsilon), () => new MctsOptions { DirichletEpsilon = 1.5 } },
        { nameof(MctsOptions.Temperature), () => new MctsOptions { Temperature = -1 } },
        { nameof(MctsOptions.TemperatureMoves), () => new MctsOptions { TemperatureMoves = -1 } },
        { nameof(MctsOptions.FinalTemperature), () => new MctsOptions { FinalTemperature = double.PositiveInfinity } },
        { nameof(MctsOptions.VirtualLoss), () => new MctsOptions { VirtualLoss = 2 } },
        { nameof(MctsOptions.LeavesPerBatch), () => new MctsOptions { LeavesPerBatch = 0 } },
        { nameof(MctsOptions.Simulations), () => new MctsOptions() with { Simulations = -5 } },
    };

    [Theory, MemberData(nameof(BadOptions))]
    public void A_bad_option_throws_naming_it(string option, Func<MctsOptions> make)
    {
        var e = Assert.ThrowsAny<ArgumentException>(make);
        Assert.Equal(option, e.ParamName);
        Assert.Contains(option, e.Message);
    }

    [Theory]
    [InlineData(FpuMode.Absolute, 1.5)]
    [InlineData(FpuMode.Reduction, -0.5)]
    public void Fpu_value_out_of_range_for_its_mode_is_refused_by_the_search(FpuMode mode, double value)
    {
        var options = new MctsOptions { FpuMode = mode, FpuValue = value };
        var e = Assert.Throws<ArgumentException>(() => new Mcts(UniformOracle.Instance, options));
        Assert.Equal(nameof(MctsOptions.FpuValue), e.ParamName);
    }

    [Fact]
    public void Defaults_are_valid_and_round_trip_through_json()
    {
        var options = new MctsOptions { Simulations = 64, LeavesPerBatch = 8, FpuMode = FpuMode.Absolute, FpuValue = -1, Seed = 3 };
        options.Validate();
        new MctsOptions().Validate();
        string json = System.Text.Json.JsonSerializer.Serialize(options);
        Assert.Equal(options, System.Text.Json.JsonSerializer.Deserialize<MctsOptions>(json));
        var bad = json.Replace("\"Simulations\":64", "\"Simulations\":0");
        Assert.ThrowsAny<ArgumentException>(() => System.Text.Json.JsonSerializer.Deserialize<MctsOptions>(bad));
    }

    [Fact]
    public void The_evaluation_preset_has_no_root_noise_and_samples_only_the_opening()
    {
        var e = MctsOptions.Evaluation(200, 3);
        Assert.Equal(200, e.Simulations);
        Assert.False(e.RootNoise);
        Assert.Equal(3, e.TemperatureMoves);
        Assert.True(e.ReuseTree);
        Assert.Equal(2, MctsOptions.Evaluation(50).TemperatureMoves);
        Assert.Equal(0, MctsOptions.Evaluation(50, sampledMoves: 0).TemperatureMoves);
        Assert.Equal(nameof(MctsOptions.Simulations), Assert.ThrowsAny<ArgumentException>(() => MctsOptions.Evaluation(0)).ParamName);
        Assert.Equal(nameof(MctsOptions.TemperatureMoves), Assert.ThrowsAny<ArgumentException>(() => MctsOptions.Evaluation(10, -1)).ParamName);
    }
}
