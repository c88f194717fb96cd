namespace SelfPlayBN.Training.Tests;

public sealed class DurableFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriteReplacesTheFileAndLeavesNoTemporary()
    {
        string path = Path.Combine(_dir.Path, "state.json");
        DurableFile.WriteAllText(path, "first");
        DurableFile.WriteAllText(path, "second");
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(["state.json"], _dir.FileNames());
    }

    [Fact]
    public void AFailedWriteKeepsTheOldFileAndRemovesItsTemporary()
    {
        string path = Path.Combine(_dir.Path, "checkpoint.bin");
        DurableFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<IOException>(() => DurableFile.Write(path, s =>
        {
            s.Write([9, 9]);
            throw new IOException("disk full");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["checkpoint.bin"], _dir.FileNames());
    }

    [Fact]
    public void CleanRemovesOnlyTemporaryFiles()
    {
        File.WriteAllText(Path.Combine(_dir.Path, ".a.msgpack.tmp"), "x");
        File.WriteAllText(Path.Combine(_dir.Path, ".b.tmp"), "x");
        File.WriteAllText(Path.Combine(_dir.Path, "segment-00000000.msgpack"), "x");
        File.WriteAllText(Path.Combine(_dir.Path, "notes.tmp"), "x");
        Assert.Equal(2, DurableFile.CleanTemporaryFiles(_dir.Path));
        Assert.Equal(["notes.tmp", "segment-00000000.msgpack"], _dir.FileNames());
        Assert.Equal(0, DurableFile.CleanTemporaryFiles(Path.Combine(_dir.Path, "missing")));
    }
}
