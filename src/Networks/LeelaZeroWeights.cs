using System.Globalization;
using System.Text;
using SelfPlayBN.BatchNorm;
using TorchSharp;
using static TorchSharp.torch;
using LibraryBatchNorm = SelfPlayBN.BatchNorm.BatchNorm;

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
    /// Whether the file at <paramref name="path"/> looks like Leela Zero text weights (its first line is a
    /// version number and the second a line of floats); a quick check to pick a loader, not a validation.
    /// </summary>
    public static bool LooksLikeLeelaZero(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        var buffer = new byte[64];
        int n = stream.Read(buffer, 0, buffer.Length);
        var head = Encoding.ASCII.GetString(buffer, 0, n);
        int newline = head.IndexOf('\n');
        if (newline < 0) return false;
        var first = head[..newline].Trim();
        if (first is not ("1" or "2")) return false;
        var rest = head[(newline + 1)..].TrimStart();
        return rest.Length > 0 && (char.IsDigit(rest[0]) || rest[0] is '-' or '+' or '.');
    }

    /// <summary>Reads a Leela Zero weights file into a new network (eval mode, on the CPU).</summary>
    /// <param name="path">The file (plain text; gzip-compressed files must be unpacked first).</param>
    /// <param name="batchNorm">Options for the network's BatchNorm layers (ε is forced to 1e-5).</param>
    /// <exception cref="LeelaZeroWeightsException">The file is not valid version-1 Leela Zero weights; the message names the line and the problem.</exception>
    public static ResidualNetwork Read(string path, BatchNormOptions? batchNorm = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        return Read(reader, Path.GetFileName(path), batchNorm);
    }

    /// <summary>Reads Leela Zero weights from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="LeelaZeroWeightsException">The text is not valid version-1 Leela Zero weights.</exception>
    public static ResidualNetwork Read(TextReader reader, string source, BatchNormOptions? batchNorm = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? versionLine = reader.ReadLine();
        if (versionLine is null) throw new LeelaZeroWeightsException(source, 1, "the file is empty");
        versionLine = versionLine.Trim();
        if (versionLine == "2")
            throw new LeelaZeroWeightsException(source, 1, "version 2 (ELF OpenGo-style value head, from Black's point of view) is not supported; convert it to version 1");
        if (versionLine != "1")
            throw new LeelaZeroWeightsException(source, 1, $"expected the format version '1' on the first line, found '{Shorten(versionLine)}' (is this a Leela Zero text weights file? gzip files must be unpacked)");

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
            if (modules.TryGetValue(bn, out var m) && m is LibraryBatchNorm { IsFused: true })
                throw new ArgumentException($"{bn} is fused into {conv}; export the unfused network", nameof(network));
            double eps = modules.TryGetValue(bn, out var module) && module is LibraryBatchNorm library ? library.Options.Epsilon : network.BatchNormOptions.Epsilon;
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
