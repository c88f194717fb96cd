using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SelfPlayBN.BatchNorm;
using SelfPlayBN.Networks;
using SelfPlayBN.Training.Studies;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>The supervised lab's settings (the command's options).</summary>
/// <param name="Train">Training positions.</param>
/// <param name="Validation">Validation positions (the ones after the training positions in the data file).</param>
/// <param name="Steps">SGD steps per run.</param>
/// <param name="Batch">The SGD batch (one forward).</param>
/// <param name="LearningRate">SGD learning rate (divided by 10 for the last quarter).</param>
/// <param name="Blocks">Residual blocks.</param>
/// <param name="Filters">Filters per convolution.</param>
/// <param name="Nbs">Normalization batch sizes of the NBS curve (Ghost BN's group size; each divides <paramref name="Batch"/>).</param>
/// <param name="SmallNbs">The normalization batch at which BatchNorm's alternatives are compared.</param>
/// <param name="Seeds">Seeds 1..Seeds of every run.</param>
/// <param name="PreciseSamples">Training positions of each Precise BN estimate.</param>
/// <param name="Parts">Which parts run: nbs, ema, alternatives, samples.</param>
internal sealed record LabSettings(int Train, int Validation, int Steps, int Batch, double LearningRate, int Blocks, int Filters,
    IReadOnlyList<int> Nbs, int SmallNbs, int Seeds, int PreciseSamples, IReadOnlyList<string> Parts)
{
    /// <summary>The parts, in the order they run.</summary>
    public static readonly string[] AllParts = ["nbs", "ema", "alternatives", "samples"];

    /// <summary>EMA decays (λ) of the false-overfitting part.</summary>
    public static readonly double[] Decays = [0.9, 0.99, 0.999];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Train < Batch) throw new ArgumentException($"--train must be at least one batch ({Batch}), got {Train}");
        if (Validation < 1) throw new ArgumentException($"--validation must be at least 1, got {Validation}");
        if (Steps < 1) throw new ArgumentException($"--steps must be at least 1, got {Steps}");
        if (Batch < 4) throw new ArgumentException($"--batch must be at least 4, got {Batch}");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr must be positive, got {LearningRate}");
        if (Blocks < 0 || Filters < 8 || Filters % 8 != 0)
            throw new ArgumentException($"--blocks must be at least 0 and --filters a positive multiple of 8 (Group Normalization's 8 groups), got {Blocks} and {Filters}");
        foreach (int n in Nbs.Append(SmallNbs))
            if (n < 2 || Batch % n != 0) throw new ArgumentException($"a normalization batch must be at least 2 and divide --batch {Batch}, got {n}");
        if (Seeds < 1) throw new ArgumentException($"--seeds must be at least 1, got {Seeds}");
        if (PreciseSamples < Batch) throw new ArgumentException($"--precise-samples must be at least one batch ({Batch}), got {PreciseSamples}");
        foreach (string p in Parts)
            if (!AllParts.Contains(p)) throw new ArgumentException($"unknown part '{p}' (known: {string.Join(", ", AllParts)})");
    }

    /// <summary>The normalization batch the Precise BN samples curve trains and estimates with.</summary>
    public int SamplesNbs => Math.Min(32, Batch);
}

/// <summary>One training run of the plan.</summary>
/// <param name="Part">The part it belongs to.</param>
/// <param name="Name">What it varies (unique within the part).</param>
/// <param name="Seed">Its seed.</param>
/// <param name="Nbs">Its normalization batch (null for normalizations that do not depend on the batch).</param>
/// <param name="Options">The run.</param>
internal sealed record LabCase(string Part, string Name, int Seed, int? Nbs, LabRunOptions Options)
{
    /// <summary>Identifies the run in the results file.</summary>
    public string Key => $"{Part}/{Name}/{Seed}";
}

/// <summary>One evaluation, as stored.</summary>
internal sealed record LabPointRecord(long Step, double TrainLoss, double EmaError, double EmaLoss, double PreciseError, double PreciseLoss,
    double? MeanGap, double? LogVarianceGap);

/// <summary>One Precise BN estimate, as stored.</summary>
internal sealed record LabSamplesRecord(int Samples, int Repeat, double MeanGap, double LogVarianceGap, double Error, double Loss);

/// <summary>One finished run: a line of <c>results.jsonl</c>.</summary>
internal sealed record LabRecord(string Part, string Name, int Seed, int? Nbs, string Normalization, double? Decay, int Steps, int Batch,
    double LearningRate, int Train, int Validation, double Seconds, IReadOnlyList<LabPointRecord> Points, IReadOnlyList<LabSamplesRecord>? Samples)
{
    /// <summary>Identifies the run (see <see cref="LabCase.Key"/>).</summary>
    [JsonIgnore] public string Key => $"{Part}/{Name}/{Seed}";

    /// <summary>The evaluation after the last step.</summary>
    [JsonIgnore] public LabPointRecord Final => Points[^1];
}

/// <summary>
/// The supervised BatchNorm lab's plan (which runs each part makes) and its results file: <c>results.jsonl</c>, one line per
/// finished run, appended and flushed as each run ends, so that a rerun skips what is done.
/// </summary>
internal static class LabStudy
{
    /// <summary>Name of the results file in the output folder.</summary>
    public const string ResultsFile = "results.jsonl";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Every run of the chosen parts, seeds innermost, in the order they run.</summary>
    public static IReadOnlyList<LabCase> Plan(LabSettings s)
    {
        var shape = new ResidualNetworkShape(2, 6, 7, 7, s.Blocks, s.Filters, ValueHidden: 64);
        var cases = new List<LabCase>();
        LabRunOptions Base(int seed, int every) => new()
        {
            Shape = shape, BatchSize = s.Batch, Steps = s.Steps, LearningRate = s.LearningRate, Seed = seed,
            EvaluateEvery = Math.Max(1, s.Steps / every), PreciseSamples = s.PreciseSamples,
        };
        void Add(string part, string name, int? nbs, Func<LabRunOptions, LabRunOptions> setup, int every = 10)
        {
            for (int seed = 1; seed <= s.Seeds; seed++) cases.Add(new LabCase(part, name, seed, nbs, setup(Base(seed, every))));
        }
        foreach (string part in LabSettings.AllParts.Where(s.Parts.Contains))
            switch (part)
            {
                case "nbs":
                    foreach (int nbs in s.Nbs)
                        Add(part, $"batchnorm nbs {nbs}", nbs, o => o with { BatchNorm = Ghost(nbs, s.Batch) });
                    break;
                case "ema":
                    foreach (double decay in LabSettings.Decays)
                        Add(part, F($"batchnorm decay {decay}"), s.Batch, o => o with { BatchNorm = new BatchNormOptions { Decay = decay } }, every: 20);
                    break;
                case "alternatives":
                    int small = s.SmallNbs;
                    Add(part, $"batchnorm nbs {small}", small, o => o with { BatchNorm = Ghost(small, s.Batch) });
                    // Batch Renorm: plain BN for the first sixth of the steps, then rmax 1→3 and dmax 0→5 over the next third.
                    Add(part, $"batch renorm nbs {small}", small, o => o with
                    {
                        BatchNorm = Ghost(small, s.Batch) with
                        {
                            Normalization = Normalization.Renorm,
                            Renorm = new RenormSchedule(3, 5, s.Steps / 6, s.Steps / 3),
                        },
                    });
                    Add(part, "group norm", null, o => o with { Layer = NormalizationLayer.Group });
                    Add(part, "layer norm", null, o => o with { Layer = NormalizationLayer.Layer });
                    Add(part, "no normalization", null, o => o with { Layer = NormalizationLayer.None });
                    break;
                case "samples":
                    int nbsSamples = s.SamplesNbs;
                    cases.Add(new LabCase(part, $"precise samples nbs {nbsSamples}", 1, nbsSamples, Base(1, 10) with { BatchNorm = Ghost(nbsSamples, s.Batch) }));
                    break;
            }
        return cases;
    }

    /// <summary>The Precise BN sample counts of the samples curve: the normalization batch doubled while within the training set.</summary>
    public static IReadOnlyList<int> SampleCounts(LabSettings s)
    {
        var counts = new List<int>();
        for (long k = s.SamplesNbs; k <= s.Train; k *= 2) counts.Add((int)k);
        return counts;
    }

    /// <summary>Ghost BN with groups of <paramref name="nbs"/>; the whole batch (BatchNorm's fast path) when it equals it.</summary>
    private static BatchNormOptions Ghost(int nbs, int batch) =>
        nbs == batch ? new BatchNormOptions() : new BatchNormOptions { BatchStatistics = BatchStatistics.Ghost, GhostBatchSize = nbs };

    /// <summary>The stored form of a finished run.</summary>
    public static LabRecord Record(LabCase c, LabSettings s, LabRunResult result, IReadOnlyList<SamplesPoint>? samples = null) => new(
        c.Part, c.Name, c.Seed, c.Nbs, NormalizationName(c.Options), HasBatchNorm(c.Options) ? c.Options.BatchNorm.Decay : null,
        c.Options.Steps, c.Options.BatchSize, c.Options.LearningRate, s.Train, s.Validation, Math.Round(result.Seconds, 2),
        [.. result.Points.Select(p => new LabPointRecord(p.Step, p.TrainLoss, p.Ema.Error, p.Ema.Loss, p.Precise.Error, p.Precise.Loss, p.MeanGap, p.LogVarianceGap))],
        samples?.Select(p => new LabSamplesRecord(p.Samples, p.Repeat, p.MeanGap, p.LogVarianceGap, p.Score.Error, p.Score.Loss)).ToList());

    /// <summary>Whether the run's network has BatchNorm layers.</summary>
    public static bool HasBatchNorm(LabRunOptions o) => o.Layer is NormalizationLayer.Library or NormalizationLayer.TorchSharp;

    private static string NormalizationName(LabRunOptions o) => o.Layer switch
    {
        NormalizationLayer.Group => "group",
        NormalizationLayer.Layer => "layer",
        NormalizationLayer.None => "none",
        _ => o.BatchNorm.Normalization == Normalization.Renorm ? "renorm" : "batch",
    };

    /// <summary>Reads the results file (a last line cut off by a crash is ignored; any other bad line is an error naming it).</summary>
    public static List<LabRecord> Read(string file)
    {
        var records = new List<LabRecord>();
        if (!File.Exists(file)) return records;
        string text = File.ReadAllText(file);
        bool cutOff = text.Length > 0 && text[^1] != '\n';
        var lines = text.Split('\n'); // ends with an empty element when the last line is complete
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<LabRecord>(lines[i], Json) ?? throw new JsonException("null"));
                if (records[^1].Points is null || records[^1].Points.Count == 0) throw new JsonException("a run without evaluations");
            }
            catch (JsonException e)
            {
                if (cutOff && i == lines.Length - 1) break;
                throw new FormatException($"{file}: line {i + 1} is not a lab result ({e.Message})", e);
            }
        }
        return records;
    }

    /// <summary>Appends one finished run as one line and flushes it to disk.</summary>
    public static void Append(string file, LabRecord record) => JsonLines.Append(file, record, Json);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
