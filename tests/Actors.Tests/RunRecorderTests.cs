using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The run's recorder writes each event as a typed metrics line that the readers get back, and gives the
/// progress line.</summary>
public sealed class RunRecorderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-recorder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void EachEventIsOneTypedLineAndAProgressLine()
    {
        var folder = new RunFolder(_dir);
        Directory.CreateDirectory(_dir);
        var recorder = new RunRecorder(folder, _ => { });
        var now = DateTime.UtcNow;
        Assert.Null(recorder.Published(new VersionPublished(new PublishedModelInfo(0, "initial", "ab", now, null, null), 0), null, null, null, TimeSpan.FromSeconds(1)));
        var losses = new LossSummary(1.25, 0.5, 0.01, 0.05, 200);
        var staleness = new StalenessSummary(0.04, 0.02, "tower.0.bn1", 1.8, 1.75, 0.3, 5120);
        string? line = recorder.Published(new VersionPublished(new PublishedModelInfo(1, "precise", "cd", now, losses, staleness), 12.5, "local"),
            null, new BufferStatus(9_000, 300, 310), null, TimeSpan.FromSeconds(90));
        Assert.NotNull(line);
        Assert.StartsWith("generation 1: loss policy 1.250 value 0.500, BN staleness 0.040 σ", line);
        string summary = recorder.Evaluated(new EvaluationFinished(1, "model-0", 7, 1, 2, 120.4, 1, 1, 120.4));
        Assert.Equal("model 1 vs model-0: +7 =1 -2 (Elo +120), rating 120", summary);
        Assert.Contains("62.0%", recorder.Measured(new AccuracyMeasured(1, "network", 310, 500)).Replace(" %", "%"));
        Assert.EndsWith("promoted", recorder.Gated(new GatingDecided(1, 0, 0.75, 0.55, true)));

        var (lines, skipped) = MetricsLog.Parse(File.ReadAllText(folder.Metrics));
        Assert.False(skipped);
        Assert.Equal(["publication", "publication", "evaluation", "accuracy", "gating"], lines.Select(l => l.Kind));
        var publication = Assert.IsType<PublicationMetrics>(lines[1]);
        Assert.Equal((1L, 1.25, 0.04, "local", 9_000L, 310L, 90.0),
            (publication.Generation, publication.PolicyLoss!.Value, publication.StalenessMeanGap!.Value, publication.PreciseBnNode, publication.BufferPositions!.Value,
             publication.GamesAccepted!.Value, publication.ElapsedSeconds!.Value));
        Assert.Equal(120.4, Assert.IsType<EvaluationMetrics>(lines[2]).Rating);
        Assert.Equal(310, Assert.IsType<AccuracyMetrics>(lines[3]).Correct);
        Assert.True(Assert.IsType<GatingMetrics>(lines[4]).Promoted);
        Assert.True(Directory.Exists(folder.TensorBoard), "no TensorBoard events were written");
    }
}
