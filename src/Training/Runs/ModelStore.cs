using System.Globalization;
using System.Text.Json;

namespace SelfPlayBN.Training;

/// <summary>What the store records about a published version (<c>models/model-NNNNNN.json</c>).</summary>
/// <param name="Version">The version (the generation that produced it; 0 is the initial model).</param>
/// <param name="Statistics"><c>initial</c>, <c>ema</c>, <c>precise</c> or <c>none</c>.</param>
/// <param name="Sha256">Hex SHA-256 of the weights file.</param>
/// <param name="PublishedUtc">When it was published.</param>
/// <param name="Losses">The trainer's losses of the generation (none for the initial model).</param>
/// <param name="Staleness">What Precise BN measured (none for the initial model).</param>
public sealed record PublishedModelInfo(long Version, string Statistics, string Sha256, DateTime PublishedUtc, LossSummary? Losses, StalenessSummary? Staleness)
{
    /// <summary>Whether the network has BatchNorm layers (<see cref="Statistics"/> is not <c>none</c>): one without has
    /// no statistics for Precise BN to measure and so no staleness.</summary>
    public bool HasBatchNorm => Statistics != "none";
}

/// <summary>
/// A run's published models on disk (<c>models/</c>): each version's weights (<c>model-NNNNNN.bin</c>) and record
/// (<c>model-NNNNNN.json</c>), the latest publication (<c>latest.json</c>) and, under gating, the best version
/// (<c>best.json</c>). Every file is written atomically, the weights before the records that name them, so a reader — or
/// a run resumed after a kill — never finds a record without its weights. Weights are checked against the recorded
/// checksum when read.
/// </summary>
/// <param name="directory">The folder (<see cref="RunFolder.Models"/>).</param>
public sealed class ModelStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>The folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>The weights file of <paramref name="version"/> in <paramref name="directory"/> (also the name of an EMA
    /// snapshot in <see cref="RunFolder.EmaSnapshots"/>).</summary>
    public static string WeightsPath(string directory, long version) =>
        Path.Combine(directory, $"model-{version.ToString("D6", CultureInfo.InvariantCulture)}.bin");

    /// <summary>The weights file of <paramref name="version"/>.</summary>
    public string WeightsPath(long version) => WeightsPath(Directory, version);

    private string InfoPath(long version) => Path.ChangeExtension(WeightsPath(version), ".json");

    private string LatestPath => Path.Combine(Directory, "latest.json");

    private string BestPath => Path.Combine(Directory, "best.json");

    /// <summary>The latest published version, or <c>null</c> when nothing is published.</summary>
    /// <exception cref="InvalidDataException"><c>latest.json</c> is not a record.</exception>
    public PublishedModelInfo? Latest() => Read(LatestPath);

    /// <summary>The best version recorded under gating, or <c>null</c> (no gating yet).</summary>
    /// <exception cref="InvalidDataException"><c>best.json</c> is not a record.</exception>
    public PublishedModelInfo? Best() => Read(BestPath);

    /// <summary>The record of <paramref name="version"/>, or <c>null</c> when it was never published.</summary>
    /// <exception cref="InvalidDataException">Its record is corrupt.</exception>
    public PublishedModelInfo? Info(long version) => Read(InfoPath(version));

    /// <summary>The weights of a published version, checked against its recorded checksum.</summary>
    /// <exception cref="InvalidDataException">The weights file is missing or does not match the checksum.</exception>
    public byte[] ReadWeights(PublishedModelInfo info)
    {
        string path = WeightsPath(info.Version);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing (model {info.Version} is recorded as published)");
        var weights = File.ReadAllBytes(path);
        if (Models.Sha256(weights) != info.Sha256) throw new InvalidDataException($"{path} does not match its recorded checksum");
        return weights;
    }

    /// <summary>Publishes <paramref name="weights"/> as <paramref name="version"/>: the weights, the version's record,
    /// then <c>latest.json</c>, each atomically. Returns the record.</summary>
    public PublishedModelInfo Publish(long version, byte[] weights, string statistics, LossSummary? losses, StalenessSummary? staleness)
    {
        var info = new PublishedModelInfo(version, statistics, Models.Sha256(weights), DateTime.UtcNow, losses, staleness);
        DurableFile.WriteAllBytes(WeightsPath(version), weights);
        string json = JsonSerializer.Serialize(info, Json);
        DurableFile.WriteAllText(InfoPath(version), json);
        DurableFile.WriteAllText(LatestPath, json);
        return info;
    }

    /// <summary>Records <paramref name="version"/> as the best version (<c>best.json</c>); returns its record.</summary>
    /// <exception cref="InvalidOperationException">The version was never published.</exception>
    public PublishedModelInfo MarkBest(long version)
    {
        string path = InfoPath(version);
        if (!File.Exists(path)) throw new InvalidOperationException($"model {version} was never published in {Directory}");
        string json = File.ReadAllText(path);
        var info = Parse(json, path);
        DurableFile.WriteAllText(BestPath, json);
        return info;
    }

    /// <summary>Removes the temporary files an interrupted publication left.</summary>
    public void CleanTemporaryFiles()
    {
        System.IO.Directory.CreateDirectory(Directory);
        DurableFile.CleanTemporaryFiles(Directory);
    }

    private static PublishedModelInfo? Read(string path) => File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;

    private static PublishedModelInfo Parse(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PublishedModelInfo>(json, Json) ?? throw new InvalidDataException($"{path}: empty record");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
