namespace SelfPlayBN.Training;

/// <summary>
/// The trainer's checkpoint (<c>trainer/trainer.ckpt</c>, written atomically): the generations trained, the network's
/// weights with its EMA statistics, and the optimiser's state. A resumed run continues from it; the published models
/// (<see cref="ModelStore"/>) are a separate record.
/// </summary>
/// <param name="Generation">Generations trained.</param>
/// <param name="Weights">The network's state dict (TorchSharp's format), EMA statistics included.</param>
/// <param name="Optimizer">The optimiser's state as <see cref="Learner.SaveOptimizer"/> writes it.</param>
public sealed record TrainerCheckpoint(long Generation, byte[] Weights, byte[] Optimizer)
{
    /// <summary>The file name inside the trainer's folder.</summary>
    public const string FileName = "trainer.ckpt";

    /// <summary>The format tag at the start of the file.</summary>
    public const string Format = "selfplaybn-trainer/1";

    /// <summary>Writes the checkpoint into <paramref name="directory"/>, atomically.</summary>
    public void Save(string directory) =>
        DurableFile.Write(Path.Combine(directory, FileName), s =>
        {
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write(Format);
            w.Write(Generation);
            w.Write(Weights.Length); w.Write(Weights);
            w.Write(Optimizer.Length); w.Write(Optimizer);
        });

    /// <summary>The checkpoint in <paramref name="directory"/>, or <c>null</c> when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not a trainer checkpoint, or is truncated.</exception>
    public static TrainerCheckpoint? Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadString() != Format) throw new InvalidDataException($"{path} is not a trainer checkpoint (format {Format})");
            long generation = r.ReadInt64();
            var weights = ReadBlock(r, path);
            var optimizer = ReadBlock(r, path);
            return new TrainerCheckpoint(generation, weights, optimizer);
        }
        catch (EndOfStreamException e) { throw new InvalidDataException($"{path} is truncated", e); }
    }

    private static byte[] ReadBlock(BinaryReader r, string path)
    {
        int length = r.ReadInt32();
        if (length < 0) throw new InvalidDataException($"{path} is corrupt (a block of {length} bytes)");
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new InvalidDataException($"{path} is truncated");
        return bytes;
    }
}
