namespace SelfPlayBN.Actors.Tests;

/// <summary>TensorBoard event files are best effort: a folder that cannot be written gives one warning, never an exception.</summary>
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"selfplaybn-tb-{Guid.NewGuid():N}");

    public TensorBoardLogTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_folder_that_cannot_be_made_warns_once_and_writes_nothing()
    {
        string blocked = Path.Combine(_dir, "tensorboard");
        File.WriteAllText(blocked, "a file where the folder should be");
        var warnings = new List<string>();
        var log = new TensorBoardLog(blocked, warnings.Add);
        log.Scalar("loss/policy", 1.5, 1);
        log.Scalar("loss/value", 0.5, 1);
        var warning = Assert.Single(warnings);
        Assert.Contains("metrics.jsonl still is", warning);
        Assert.Equal("a file where the folder should be", File.ReadAllText(blocked));
    }

    [Fact]
    public void Missing_and_non_finite_values_are_left_out()
    {
        string folder = Path.Combine(_dir, "tb");
        var warnings = new List<string>();
        var log = new TensorBoardLog(folder, warnings.Add);
        var file = Assert.Single(Directory.GetFiles(folder));
        long header = new FileInfo(file).Length; // the file-version event
        log.Scalar("a", null, 1);
        log.Scalar("b", double.NaN, 1);
        log.Scalar("c", double.PositiveInfinity, 1);
        Assert.Equal(header, new FileInfo(file).Length);
        log.Scalar("d", 2.0, 1);
        Assert.True(new FileInfo(file).Length > header);
        Assert.Empty(warnings);
    }
}
