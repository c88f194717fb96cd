namespace SelfPlayBN.Training.Tests;

/// <summary>The run's metrics log: the records the run writes are the records readers get back.</summary>
public sealed class MetricsLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WrittenRecordsReadBackEqualAndInOrder()
    {
        var time = new DateTime(2026, 12, 7, 16, 0, 0, DateTimeKind.Utc);
        MetricsLine[] written =
        [
            new PublicationMetrics { Time = time, Generation = 0, Statistics = "initial", TrainSeconds = 0, ElapsedSeconds = 0.5 },
            new PublicationMetrics
            {
                Time = time, Generation = 3, Statistics = "precise", PolicyLoss = 1.5, ValueLoss = 0.25, L2 = 0.01, LearningRate = 0.02, Steps = 600,
                StalenessMeanGap = 0.04, LossWithEma = 2.0, LossWithPrecise = 1.9, Games = 700, Positions = 20_000, ElapsedSeconds = 300,
            },
            new EvaluationMetrics { Time = time, Generation = 3, Opponent = "model-2", Wins = 6, Draws = 1, Losses = 3, Score = 0.65, Elo = 107.5, Rating = 240 },
            new AccuracyMetrics { Time = time, Generation = 3, Player = "search-100", Correct = 400, Positions = 500, Accuracy = 0.8 },
            new GatingMetrics { Time = time, Generation = 3, Best = 2, Score = 0.65, Threshold = 0.55, Promoted = true },
        ];
        string path = Path.Combine(_dir.Path, "metrics.jsonl");
        foreach (var line in written) MetricsLog.Append(path, line);

        string text = File.ReadAllText(path);
        Assert.StartsWith("{\"kind\":\"publication\",\"time\":", text, StringComparison.Ordinal);
        var (read, skipped) = MetricsLog.Parse(text);
        Assert.False(skipped);
        Assert.Equal(written, read);
        var match = Assert.IsType<EvaluationMetrics>(read[2]);
        Assert.Equal(2, match.OpponentModel);
        Assert.Equal(1.76, Assert.IsType<PublicationMetrics>(read[1]).TotalLoss!.Value, 12);
    }

    [Fact]
    public void UnknownKindsAndFieldsAreSkippedAndAnUnfinishedLastLineIsLeftOut()
    {
        var (read, skipped) = MetricsLog.Parse(string.Join("\n",
            """{"kind":"somethingNew","generation":1}""",
            """{"kind":"evaluation","generation":2,"opponent":"random","wins":1,"draws":0,"losses":1,"future":[1,2]}""",
            "",
            """{"kind":"publication","gener"""));
        Assert.True(skipped);
        Assert.Equal("random", Assert.IsType<EvaluationMetrics>(Assert.Single(read)).Opponent);
    }

    [Theory]
    [InlineData("""{"generation":1}""", "no \"kind\"")]
    [InlineData("""{"kind":"evaluation","generation":1,"wins":1,"draws":0,"losses":1}""", "not a valid 'evaluation' line")]
    [InlineData("""{"kind":"publication","games":3}""", "not a valid 'publication' line")]
    [InlineData("""{"kind":"accuracy","generation":1,"player":"network","correct":"many","positions":5}""", "not a valid 'accuracy' line")]
    [InlineData("""[1, 2]""", "not a JSON object of metrics")]
    [InlineData("""{"kind":"publication",""", "not a JSON object of metrics")]
    public void ABadLineIsReportedWithItsNumber(string bad, string expected)
    {
        string good = """{"kind":"publication","generation":0}""";
        var e = Assert.Throws<MetricsFormatException>(() => MetricsLog.Parse(good + "\n" + bad + "\n" + good + "\n"));
        Assert.Equal(2, e.LineNumber);
        Assert.Contains(expected, e.Message);
    }
}
