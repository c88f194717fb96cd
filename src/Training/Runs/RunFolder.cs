namespace SelfPlayBN.Training;

/// <summary>The layout of a run folder: what a training run writes and what the commands that read a run
/// (<c>evaluate</c>, <c>export-lz</c>, <c>report</c>, <c>analyze</c>) find there.</summary>
/// <param name="Root">The run folder.</param>
public sealed record RunFolder(string Root)
{
    /// <summary>The copy of the run's options.</summary>
    public string Config => Path.Combine(Root, "config.json");

    /// <summary>Published model checkpoints (<see cref="ModelStore"/>).</summary>
    public string Models => Path.Combine(Root, "models");

    /// <summary>The trainer's checkpoint (<see cref="TrainerCheckpoint"/>: weights with EMA statistics, optimiser state).</summary>
    public string Trainer => Path.Combine(Root, "trainer");

    /// <summary>Replay segments.</summary>
    public string Replay => Path.Combine(Root, "replay");

    /// <summary>Log files.</summary>
    public string Logs => Path.Combine(Root, "logs");

    /// <summary>One JSON line per publication and per evaluation.</summary>
    public string Metrics => Path.Combine(Root, "metrics.jsonl");

    /// <summary>Each generation's weights with the trainer's EMA statistics, when <c>bn.keepEmaSnapshots</c> is on
    /// (<c>model-NNNNNN.bin</c>, as the published models are named).</summary>
    public string EmaSnapshots => Path.Combine(Root, "ema-snapshots");

    /// <summary>The same metrics as TensorBoard event files.</summary>
    public string TensorBoard => Path.Combine(Root, "tensorboard");

    /// <summary>The store of the run's published models.</summary>
    public ModelStore ModelStore => new(Models);

    /// <summary>Creates the folder's layout, removes the temporary files a killed process left, and writes the copy of
    /// <paramref name="options"/> (<see cref="Config"/>).</summary>
    public void Prepare(RunOptions options)
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Trainer);
        DurableFile.CleanTemporaryFiles(Root);
        DurableFile.CleanTemporaryFiles(Trainer);
        DurableFile.WriteAllText(Config, options.ToJson());
    }
}
