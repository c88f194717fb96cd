using System.Globalization;
using System.IO.Compression;
using System.Text;
using SelfPlayBN.BatchNorm;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Networks;

/// <summary>
/// Leela Zero's text weight format (version 1) for a <see cref="ResidualNetwork"/> of Leela Zero's architecture:
/// 19×19, 18 input planes, a policy head of 2 filters with a 722→362 linear layer, a value head of 1 filter with
/// 361→256→1 linear layers (<see cref="ShapeFor"/>).
/// </summary>
/// <remarks>
/// <para>The file is one line holding the version, then one line of space-separated floats per tensor: the input
/// convolution's weights, conv bias, BN means and BN variances; the same four for each residual block's two
/// convolutions; the policy head's 1×1 convolution (four lines) and linear layer (weights, biases); the value
/// head's 1×1 convolution (four lines) and two linear layers. Weights are stored (out, in, h, w) and (out, in),
/// as TorchSharp stores them. The number of filters is the length of the first bias line, the number of blocks
/// follows from the number of lines.</para>
/// <para>Leela Zero's BatchNorm has no γ and β and ε = 1e-5: it computes (z − (mean − bias)) / sqrt(var + ε), the
/// conv "bias" being β·sqrt(var + ε). Export folds a layer's γ, β and ε into that form exactly:
/// w' = γ·w, mean' = γ·mean, var' = var + ε − 1e-5, bias = β·sqrt(var' + 1e-5), which computes
/// γ·(z − mean)/sqrt(var + ε) + β. Import sets γ = 1 and β = bias / sqrt(var + 1e-5), choosing among the floats
/// next to that quotient one that exports back to the very same bias. Leela Zero → ours → Leela Zero therefore
/// reproduces weights, means, variances and linear layers bit for bit, and each conv bias bit for bit or, where
/// no float β maps back to it (possible when sqrt(var + ε) &lt; 1: consecutive βs then step by more than one ulp
/// of the bias), one ulp away. Both directions compute the same function up to float rounding. Floats are
/// written in the shortest form that reads back to the same float.</para>
/// </remarks>
public static class LeelaZeroWeights
{
    /// <summary>The format version this class reads and writes (value head output from the side to move).</summary>
    public const int FormatVersion = 1;

    /// <summary>Leela Zero's BatchNorm ε.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>Board side of Leela Zero's networks.</summary>
    public const int BoardSize = 19;

    /// <summary>Input planes of Leela Zero's networks.</summary>
    public const int InputPlanes = 18;

    /// <summary>Policy outputs: 361 points (index y·19 + x, A1 = 0) and pass (361).</summary>
    public const int Actions = BoardSize * BoardSize + 1;

    /// <summary>The network shape of a Leela Zero network with <paramref name="blocks"/> residual blocks of <paramref name="filters"/> channels.</summary>
    public static ResidualNetworkShape ShapeFor(int blocks, int filters) =>
        new(InputPlanes, BoardSize, BoardSize, Actions, blocks, filters, PolicyFilters: 2, ValueFilters: 1, ValueHidden: 256);

    /// <summary>
    /// What the file at <paramref name="path"/> holds, from its first bytes (after gzip decompression where it is
    /// gzip-compressed, as Leela Zero's published networks are): a quick check to pick a loader and to word an
    /// error, not a validation.
    /// </summary>
    public static LeelaZeroFileProbe Probe(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (new FileInfo(path).Length == 0) return new LeelaZeroFileProbe(LeelaZeroFileKind.Empty, false, null, "");
        bool compressed = false;
        var head = new byte[256];
        int n = 0;
        try
        {
            using var stream = OpenText(path, out compressed);
            for (int read; n < head.Length && (read = stream.Read(head, n, head.Length - n)) > 0;) n += read;
        }
        catch (InvalidDataException)
        {
            return new LeelaZeroFileProbe(LeelaZeroFileKind.Binary, compressed, null, "");
        }
        if (n == 0) return new LeelaZeroFileProbe(LeelaZeroFileKind.Empty, compressed, null, "");
        var bytes = head.AsSpan(0, n);
        if (bytes.IndexOf((byte)0) >= 0 || bytes.ToArray().Count(b => b < 9 || (b > 13 && b < 32) || b > 126) > n / 10)
            return new LeelaZeroFileProbe(LeelaZeroFileKind.Binary, compressed, null, "");
        var text = Encoding.ASCII.GetString(bytes);
        int newline = text.IndexOf('\n');
        string first = (newline < 0 ? text : text[..newline]).Trim();
        if (newline < 0 && n == head.Length) first = Shorten(first);
        if (int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            return new LeelaZeroFileProbe(LeelaZeroFileKind.Versioned, compressed, version, first);
        return new LeelaZeroFileProbe(LeelaZeroFileKind.OtherText, compressed, null, Shorten(first));
    }

    /// <summary>Opens the file for reading, decompressing it when it starts with gzip's magic bytes (Leela Zero reads both).</summary>
    public static Stream OpenText(string path) => OpenText(path, out _);

    private static Stream OpenText(string path, out bool compressed)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = File.OpenRead(path);
        compressed = stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
        stream.Position = 0;
        return compressed ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    /// <summary>Reads a Leela Zero weights file into a new network (eval mode, on the CPU).</summary>
    /// <param name="path">The file, plain text or gzip-compressed.</param>
    /// <param name="batchNorm">Options for the network's BatchNorm layers (ε is forced to 1e-5).</param>
    /// <exception cref="LeelaZeroWeightsException">The file is not valid version-1 Leela Zero weights; the message names the line and the problem.</exception>
    public static ResidualNetwork Read(string path, BatchNormOptions? batchNorm = null) =>
        VersionOneOnly(Read(path, out int version, batchNorm), version, Path.GetFileName(path));

    /// <summary>
    /// Reads a Leela Zero weights file of format version 1 or 2 (<paramref name="formatVersion"/>): the same
    /// layout, but a version-2 network (ELF OpenGo's) gives the value for Black instead of for the side to move,
    /// and its user must turn that round for White (Leela Zero does; see <c>PlayerZeroValueOracle</c> of the Go engine).
    /// </summary>
    /// <exception cref="LeelaZeroWeightsException">The file is not valid Leela Zero weights (the message names the line and the problem), or is not gzip data though it starts like it.</exception>
    public static ResidualNetwork Read(string path, out int formatVersion, BatchNormOptions? batchNorm = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string source = Path.GetFileName(path);
        try
        {
            using var reader = new StreamReader(OpenText(path), Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
            return Read(reader, source, out formatVersion, batchNorm);
        }
        catch (InvalidDataException e)
        {
            throw new LeelaZeroWeightsException(source, 1, $"the gzip data is damaged ({e.Message})");
        }
    }

    /// <summary>The network of a version-1 file; a version-2 network is disposed and refused, since its value is Black's.</summary>
    private static ResidualNetwork VersionOneOnly(ResidualNetwork net, int version, string source)
    {
        if (version == FormatVersion) return net;
        net.Dispose();
        throw new LeelaZeroWeightsException(source, 1,
            "format version 2 (ELF OpenGo's value head, from Black's point of view) is read only where the value is turned round for White (the gtp command does); this reader takes version 1");
    }

    /// <summary>Reads version-1 Leela Zero weights from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="LeelaZeroWeightsException">The text is not valid version-1 Leela Zero weights.</exception>
    public static ResidualNetwork Read(TextReader reader, string source, BatchNormOptions? batchNorm = null) =>
        VersionOneOnly(Read(reader, source, out int version, batchNorm), version, source);

    /// <summary>Reads Leela Zero weights of format version 1 or 2 (<paramref name="formatVersion"/>; see <see cref="Read(string, out int, BatchNormOptions?)"/>) from <paramref name="reader"/>.</summary>
    /// <exception cref="LeelaZeroWeightsException">The text is not valid Leela Zero weights.</exception>
    public static ResidualNetwork Read(TextReader reader, string source, out int formatVersion, BatchNormOptions? batchNorm = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? versionLine = reader.ReadLine();
        if (versionLine is null) throw new LeelaZeroWeightsException(source, 1, "the file is empty");
        versionLine = versionLine.Trim();
        formatVersion = versionLine switch { "1" => 1, "2" => 2, _ => 0 };
        if (formatVersion == 0)
            throw new LeelaZeroWeightsException(source, 1, int.TryParse(versionLine, NumberStyles.None, CultureInfo.InvariantCulture, out int other)
                ? $"format version {other} is not Leela Zero's (1, or 2 for ELF OpenGo's networks)"
                : $"expected the format version (1 or 2) on the first line, found '{Shorten(versionLine)}': this is not a Leela Zero text weights file");

        var lines = new List<float[]>();
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 && reader.Peek() < 0) break; // a final empty line
            lines.Add(ParseFloats(line, source, lineNumber));
        }
        int tail = 4 + 14; // input convolution + heads
        if (lines.Count < tail || (lines.Count - tail) % 8 != 0)
            throw new LeelaZeroWeightsException(source, lineNumber,
                $"{lines.Count} lines of weights after the version; a network of B residual blocks has 18 + 8·B");
        int blocks = (lines.Count - tail) / 8;
        int filters = lines[1].Length;
        if (filters == 0) throw new LeelaZeroWeightsException(source, 3, "the input convolution's bias line is empty");

        var shape = ShapeFor(blocks, filters);
        var options = (batchNorm ?? new BatchNormOptions()) with { Epsilon = Epsilon, Affine = true };
        var net = new ResidualNetwork(shape, options);
        var parameters = StateDict(net);
        int index = 0;
        float[] Next(string what, long expected)
        {
            var values = lines[index++];
            if (values.Length != expected)
                throw new LeelaZeroWeightsException(source, index + 1, $"{what}: expected {expected} numbers for {blocks} blocks of {filters} filters, found {values.Length}");
            return values;
        }
        void ConvBn(string conv, string bn, long inChannels, long outChannels, int kernel)
        {
            var w = Next($"{conv} weights", outChannels * inChannels * kernel * kernel);
            var bias = Next($"{conv} bias", outChannels);
            var mean = Next($"{bn} means", outChannels);
            var variance = Next($"{bn} variances", outChannels);
            var beta = new float[outChannels];
            for (int c = 0; c < outChannels; c++)
            {
                if (!(variance[c] + Epsilon > 0) || !float.IsFinite(variance[c]))
                    throw new LeelaZeroWeightsException(source, index + 1, $"{bn} variance {c} is {variance[c]}: variances must be finite and greater than −ε");
                beta[c] = BetaFor(bias[c], Scale(variance[c]));
            }
            Set(parameters, $"{conv}.weight", w);
            Set(parameters, $"{bn}.weight", Enumerable.Repeat(1f, (int)outChannels).ToArray());
            Set(parameters, $"{bn}.bias", beta);
            Set(parameters, $"{bn}.running_mean", mean);
            Set(parameters, $"{bn}.running_var", variance);
        }
        void LinearLayer(string name, long outputs, long inputs)
        {
            Set(parameters, $"{name}.weight", Next($"{name} weights", outputs * inputs));
            Set(parameters, $"{name}.bias", Next($"{name} bias", outputs));
        }

        ConvBn("input_conv", "input_bn", InputPlanes, filters, 3);
        for (int b = 0; b < blocks; b++)
        {
            ConvBn($"tower.{b}.conv1", $"tower.{b}.bn1", filters, filters, 3);
            ConvBn($"tower.{b}.conv2", $"tower.{b}.bn2", filters, filters, 3);
        }
        ConvBn("policy_conv", "policy_bn", filters, 2, 1);
        LinearLayer("policy_fc", Actions, 2 * BoardSize * BoardSize);
        ConvBn("value_conv", "value_bn", filters, 1, 1);
        LinearLayer("value_fc1", 256, BoardSize * BoardSize);
        LinearLayer("value_fc2", 1, 256);
        net.eval();
        return net;
    }

    /// <summary>Writes <paramref name="network"/> as a Leela Zero weights file, atomically (a temporary file renamed into place).</summary>
    /// <exception cref="ArgumentException">The network's shape is not Leela Zero's, or it is fused.</exception>
    public static void Write(ResidualNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                Write(network, writer);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="network"/> in Leela Zero's text format (see the class remarks for the folding of γ, β and ε).</summary>
    /// <exception cref="ArgumentException">The network's shape is not Leela Zero's, or it is fused.</exception>
    public static void Write(ResidualNetwork network, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(writer);
        var shape = network.Shape;
        var expected = ShapeFor(shape.Blocks, shape.Filters);
        if (shape != expected)
            throw new ArgumentException($"Leela Zero's format holds only its own architecture ({expected}); this network is {shape}", nameof(network));
        var parameters = StateDict(network);
        var modules = network.named_modules().ToDictionary(m => m.name, m => m.module);
        writer.NewLine = "\n";
        writer.WriteLine(FormatVersion.ToString(CultureInfo.InvariantCulture));

        void ConvBn(string conv, string bn)
        {
            if (parameters.ContainsKey($"{conv}.bias"))
                throw new ArgumentException($"{conv} has a bias: the network is fused; export the unfused network", nameof(network));
            if (modules.TryGetValue(bn, out var m) && m is BatchNormLayer { IsFused: true })
                throw new ArgumentException($"{bn} is fused into {conv}; export the unfused network", nameof(network));
            double eps = modules.TryGetValue(bn, out var module) && module is BatchNormLayer library ? library.Options.Epsilon : network.BatchNormOptions.Epsilon;
            var w = Get(parameters, $"{conv}.weight");
            var mean = Get(parameters, $"{bn}.running_mean");
            var variance = Get(parameters, $"{bn}.running_var");
            int channels = mean.Length;
            var gamma = parameters.ContainsKey($"{bn}.weight") ? Get(parameters, $"{bn}.weight") : Enumerable.Repeat(1f, channels).ToArray();
            var beta = parameters.ContainsKey($"{bn}.bias") ? Get(parameters, $"{bn}.bias") : new float[channels];
            int perChannel = w.Length / channels;
            var wOut = new float[w.Length];
            var bias = new float[channels];
            var meanOut = new float[channels];
            var varOut = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                double g = gamma[c];
                for (int i = 0; i < perChannel; i++) wOut[c * perChannel + i] = (float)(g * w[c * perChannel + i]);
                meanOut[c] = (float)(g * mean[c]);
                varOut[c] = (float)(variance[c] + eps - Epsilon);
                bias[c] = (float)(beta[c] * Scale(varOut[c]));
            }
            WriteLine(writer, wOut);
            WriteLine(writer, bias);
            WriteLine(writer, meanOut);
            WriteLine(writer, varOut);
        }
        void LinearLayer(string name)
        {
            WriteLine(writer, Get(parameters, $"{name}.weight"));
            WriteLine(writer, Get(parameters, $"{name}.bias"));
        }

        ConvBn("input_conv", "input_bn");
        for (int b = 0; b < shape.Blocks; b++)
        {
            ConvBn($"tower.{b}.conv1", $"tower.{b}.bn1");
            ConvBn($"tower.{b}.conv2", $"tower.{b}.bn2");
        }
        ConvBn("policy_conv", "policy_bn");
        LinearLayer("policy_fc");
        ConvBn("value_conv", "value_bn");
        LinearLayer("value_fc1");
        LinearLayer("value_fc2");
    }

    /// <summary>sqrt(var + 1e-5) in double precision, the scale Leela Zero divides by.</summary>
    private static double Scale(float variance) => Math.Sqrt(variance + Epsilon);

    /// <summary>
    /// The β for a Leela Zero conv bias: bias / scale rounded to float, or a neighbouring float when that one would
    /// not export back to exactly <paramref name="bias"/> (export computes β·scale in double and rounds to float).
    /// </summary>
    internal static float BetaFor(float bias, double scale)
    {
        float beta = (float)(bias / scale);
        if ((float)(beta * scale) == bias) return beta;
        float up = beta, down = beta;
        for (int i = 0; i < 4; i++)
        {
            up = MathF.BitIncrement(up);
            if ((float)(up * scale) == bias) return up;
            down = MathF.BitDecrement(down);
            if ((float)(down * scale) == bias) return down;
        }
        return beta; // no float maps back exactly: this one maps to a neighbour of the bias
    }

    private static Dictionary<string, Tensor> StateDict(ResidualNetwork net) =>
        net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);

    private static float[] Get(Dictionary<string, Tensor> parameters, string key)
    {
        if (!parameters.TryGetValue(key, out var t)) throw new ArgumentException($"the network has no tensor '{key}'");
        using var cpu = t.detach().to(float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }

    private static void Set(Dictionary<string, Tensor> parameters, string key, float[] values)
    {
        var target = parameters[key];
        using var _ = no_grad();
        using var source = tensor(values, target.shape, dtype: target.dtype);
        target.copy_(source);
    }

    private static void WriteLine(TextWriter writer, float[] values)
    {
        var sb = new StringBuilder(values.Length * 12);
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
        }
        writer.WriteLine(sb);
    }

    private static float[] ParseFloats(string line, string source, int lineNumber)
    {
        var values = new List<float>(Math.Max(16, line.Length / 10));
        var span = line.AsSpan();
        int i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && char.IsWhiteSpace(span[i])) i++;
            int start = i;
            while (i < span.Length && !char.IsWhiteSpace(span[i])) i++;
            if (i == start) break;
            var token = span[start..i];
            if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                throw new LeelaZeroWeightsException(source, lineNumber, $"'{Shorten(token.ToString())}' (number {values.Count + 1} of the line) is not a finite number");
            values.Add(v);
        }
        return values.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A Leela Zero weights file that cannot be read: the message names the file, the line and the problem.</summary>
public sealed class LeelaZeroWeightsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeelaZeroWeightsException(string source, int line, string problem)
        : base($"{source}: line {line}: {problem}")
    {
        Source = source;
        Line = line;
    }

    /// <summary>The 1-based line number.</summary>
    public int Line { get; }
}

/// <summary>What <see cref="LeelaZeroWeights.Probe"/> found at the start of a file.</summary>
public enum LeelaZeroFileKind
{
    /// <summary>Nothing at all (or an empty gzip stream).</summary>
    Empty,
    /// <summary>Text whose first line is a number: a format version (Leela Zero's are 1 and 2).</summary>
    Versioned,
    /// <summary>Text whose first line is not a number.</summary>
    OtherText,
    /// <summary>Binary data (or damaged gzip data).</summary>
    Binary,
}

/// <summary>The result of <see cref="LeelaZeroWeights.Probe"/>.</summary>
/// <param name="Kind">What the (decompressed) start of the file is.</param>
/// <param name="Compressed">Whether the file is gzip-compressed.</param>
/// <param name="FormatVersion">The number on the first line, for <see cref="LeelaZeroFileKind.Versioned"/>.</param>
/// <param name="FirstLine">The first line (shortened), for text.</param>
public sealed record LeelaZeroFileProbe(LeelaZeroFileKind Kind, bool Compressed, int? FormatVersion, string FirstLine)
{
    /// <summary>Whether the file claims to be Leela Zero weights that <see cref="LeelaZeroWeights.Read(string, out int, BatchNorm.BatchNormOptions?)"/> takes (format version 1 or 2).</summary>
    public bool IsLeelaZero => Kind == LeelaZeroFileKind.Versioned && FormatVersion is 1 or 2;
}
