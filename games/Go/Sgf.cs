using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace SelfPlayBN.Games.Go;

/// <summary>
/// Reads and writes Go game records in SGF FF[4] (<see href="https://www.red-bean.com/sgf/"/>).
/// </summary>
/// <remarks>
/// Reading keeps the main line of every game tree (first variation at each branch) and understands
/// <c>GM FF CA AP SZ KM HA RU PB PW RE DT C AB AW AE PL B W</c>; other root properties are kept in
/// <see cref="SgfRecord.ExtraProperties"/>, other properties of later nodes are ignored. Points are two
/// letters, column then row from the top-left corner (<c>a</c>..<c>z</c>, then <c>A</c>..<c>Z</c>; the
/// letter <c>i</c> is used, unlike GTP); <c>B[]</c> is a pass, and so is <c>B[tt]</c> on boards up to
/// 19×19 (older files). Setup (<c>AB AW AE PL</c>) is read from the nodes before the first move; setup after
/// a move is an error. Setup point lists may be compressed (<c>AB[aa:cc]</c>).
/// Writing produces <c>(;GM[1]FF[4]CA[UTF-8]…;B[..];W[..]…)</c> with passes as <c>B[]</c>, escaping
/// <c>]</c> and <c>\</c>, a node per line every ten moves.
/// Texts are strings; <see cref="ReadFile"/> decodes UTF-8, falling back to Latin-1, and <see cref="WriteFile"/>
/// writes UTF-8, which the writer declares in <c>CA</c>.
/// </remarks>
public static class Sgf
{
    private static readonly HashSet<string> Interpreted =
        ["GM", "FF", "CA", "AP", "SZ", "KM", "HA", "RU", "PB", "PW", "RE", "DT", "C", "AB", "AW", "AE", "PL", "B", "W"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HashSet<string> SetupIdents = ["AB", "AW", "AE", "PL"];

    /// <summary>The first game of an SGF collection; throws <see cref="SgfException"/> (with line and column) for malformed text or a non-Go game.</summary>
    public static SgfRecord Parse(string text) => ParseCollection(text)[0];

    /// <summary>Every game of an SGF collection, in order; throws <see cref="SgfException"/> for malformed text or a non-Go game.</summary>
    public static IReadOnlyList<SgfRecord> ParseCollection(string text) =>
        SgfParser.ParseCollection(text).Select(ToRecord).ToList();

    /// <summary>
    /// Reads the first game of the SGF file at <paramref name="path"/>: UTF-8 (a byte-order mark allowed), or,
    /// when the bytes are not valid UTF-8, ISO-8859-1 (Latin-1, the SGF default charset, common in older
    /// files). A syntax error's message names the file too.
    /// </summary>
    public static SgfRecord ReadFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
            if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }
        try
        {
            return Parse(text);
        }
        catch (SgfException e)
        {
            throw new SgfException($"{path}: {e.Problem}", e.Line, e.Column);
        }
    }

    /// <summary>The record as SGF FF[4] text (see the class remarks), ending with a line break.</summary>
    public static string Write(SgfRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Size < 1 || record.Size > SgfRecord.MaxSgfSize)
            throw new ArgumentException($"board size {record.Size} cannot be written in SGF (1..{SgfRecord.MaxSgfSize})", nameof(record));
        var sb = new StringBuilder();
        sb.Append("(;GM[1]FF[4]CA[UTF-8]");
        if (record.Application is { } ap) Property(sb, "AP", ap);
        sb.Append("SZ[").Append(record.Size.ToString(CultureInfo.InvariantCulture)).Append(']');
        sb.Append("KM[").Append(record.Komi.ToString("R", CultureInfo.InvariantCulture)).Append(']');
        if (record.Handicap != 0) sb.Append("HA[").Append(record.Handicap.ToString(CultureInfo.InvariantCulture)).Append(']');
        if (record.Rules is { } ru) Property(sb, "RU", ru);
        if (record.BlackName is { } pb) Property(sb, "PB", pb);
        if (record.WhiteName is { } pw) Property(sb, "PW", pw);
        if (record.Date is { } dt) Property(sb, "DT", dt);
        if (record.Result is { } re) Property(sb, "RE", re);
        foreach (var extra in record.ExtraProperties)
        {
            if (extra.Ident.Length == 0 || !extra.Ident.All(char.IsAsciiLetterUpper) || Interpreted.Contains(extra.Ident))
                throw new ArgumentException($"extra property '{extra.Ident}' must be upper-case letters and not one the record interprets", nameof(record));
            if (extra.Values.IsDefaultOrEmpty) throw new ArgumentException($"extra property {extra.Ident} has no value", nameof(record));
            sb.Append(extra.Ident);
            foreach (var v in extra.Values) sb.Append('[').Append(Escape(v)).Append(']');
        }
        if (record.Comment is { } c) Property(sb, "C", c);
        PointList(sb, record, "AB", record.AddBlack);
        PointList(sb, record, "AW", record.AddWhite);
        PointList(sb, record, "AE", record.AddEmpty);
        if (record.PlayerToMove is { } pl) sb.Append("PL[").Append(pl == SgfColour.Black ? 'B' : 'W').Append(']');
        sb.Append('\n');
        for (int i = 0; i < record.Moves.Length; i++)
        {
            var m = record.Moves[i];
            if ((uint)m.Action > (uint)record.PassAction)
                throw new ArgumentException($"move {i + 1}: point {m.Action} is not on the {record.Size}×{record.Size} board", nameof(record));
            sb.Append(';').Append(m.Colour == SgfColour.Black ? 'B' : 'W').Append('[');
            if (m.Action != record.PassAction) sb.Append(SgfRecord.PointText(record.Size, m.Action));
            sb.Append(']');
            if (m.Comment is { } mc) Property(sb, "C", mc);
            if (i % 10 == 9 || m.Comment is not null) sb.Append('\n');
        }
        sb.Append(")\n");
        return sb.ToString();
    }

    /// <summary>
    /// Writes the record to <paramref name="path"/> as UTF-8 without a byte-order mark, atomically: the text
    /// goes to a temporary file in the same folder, which then replaces <paramref name="path"/>, so a reader
    /// never sees half a file.
    /// </summary>
    public static void WriteFile(string path, SgfRecord record)
    {
        string text = Write(record);
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Escapes a property value: <c>\</c> and <c>]</c> get a <c>\</c> in front.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\").Replace("]", "\\]");
    }

    private static void Property(StringBuilder sb, string ident, string value) =>
        sb.Append(ident).Append('[').Append(Escape(value)).Append(']');

    private static void PointList(StringBuilder sb, SgfRecord record, string ident, ImmutableArray<int> points)
    {
        if (points.IsDefaultOrEmpty) return;
        sb.Append(ident);
        foreach (int p in points)
        {
            if ((uint)p >= (uint)record.PassAction)
                throw new ArgumentException($"{ident}: point {p} is not on the {record.Size}×{record.Size} board", nameof(record));
            sb.Append('[').Append(SgfRecord.PointText(record.Size, p)).Append(']');
        }
    }

    private static int LetterIndex(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= 'A' and <= 'Z' => c - 'A' + 26,
        _ => -1,
    };

    private static SgfRecord ToRecord(List<SgfNode> nodes)
    {
        var root = nodes[0];
        string? Get(string ident) => root.Properties.FirstOrDefault(p => p.Ident == ident)?.Values[0];
        SgfProperty? Prop(string ident) => root.Properties.FirstOrDefault(p => p.Ident == ident);

        if (Prop("GM") is { } gm && gm.Values[0].Trim() != "1")
            throw new SgfException($"GM[{gm.Values[0]}] is not Go (GM[1])", gm.Line, gm.Column);
        int size = 19;
        if (Prop("SZ") is { } sz)
        {
            string v = sz.Values[0].Trim();
            if (v.Contains(':')) throw new SgfException($"SZ[{v}]: rectangular boards are not supported", sz.Line, sz.Column);
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > SgfRecord.MaxSgfSize)
                throw new SgfException($"SZ[{v}] is not a board size (1..{SgfRecord.MaxSgfSize})", sz.Line, sz.Column);
        }
        double komi = 0;
        if (Prop("KM") is { } km)
        {
            string v = km.Values[0].Trim();
            if (v.Length > 0 && (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out komi) || !double.IsFinite(komi)))
                throw new SgfException($"KM[{v}] is not a number", km.Line, km.Column);
        }
        int handicap = 0;
        if (Prop("HA") is { } ha)
        {
            string v = ha.Values[0].Trim();
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out handicap))
                throw new SgfException($"HA[{v}] is not a number of stones", ha.Line, ha.Column);
        }

        var black = new List<int>();
        var white = new List<int>();
        var empty = new List<int>();
        SgfColour? toPlay = null;
        var moves = ImmutableArray.CreateBuilder<SgfMove>();
        for (int n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            var b = node.Properties.FirstOrDefault(p => p.Ident == "B");
            var w = node.Properties.FirstOrDefault(p => p.Ident == "W");
            if (b is not null && w is not null) throw new SgfException("a node with both B and W moves", w.Line, w.Column);
            foreach (var prop in node.Properties.Where(p => SetupIdents.Contains(p.Ident)))
            {
                if (moves.Count > 0 || b is not null || w is not null)
                    throw new SgfException($"setup property {prop.Ident} after the game has started (setup within the game is not supported)", prop.Line, prop.Column);
                if (prop.Ident == "PL") { toPlay = ParseColour(prop); continue; }
                foreach (int p in ParsePointList(prop, size))
                {
                    bool wasStone = black.Remove(p) | white.Remove(p);
                    empty.Remove(p);
                    switch (prop.Ident)
                    {
                        case "AB": black.Add(p); break;
                        case "AW": white.Add(p); break;
                        default: if (!wasStone) empty.Add(p); break; // AE of a stone set up earlier only removes it
                    }
                }
            }
            var move = b ?? w;
            if (move is null) continue;
            if (move.Values.Count != 1) throw new SgfException($"{move.Ident} has {move.Values.Count} values, a move has one", move.Line, move.Column);
            int action = ParseMove(move, size);
            string? comment = node.Properties.FirstOrDefault(p => p.Ident == "C")?.Values[0];
            moves.Add(new SgfMove(move.Ident == "B" ? SgfColour.Black : SgfColour.White, action, comment));
        }

        var extras = root.Properties
            .Where(p => !Interpreted.Contains(p.Ident))
            .Select(p => new SgfExtraProperty(p.Ident, [.. p.Values]))
            .ToImmutableArray();
        return new SgfRecord
        {
            Size = size,
            Komi = komi,
            Handicap = handicap,
            Rules = SimpleText(Get("RU")),
            BlackName = SimpleText(Get("PB")),
            WhiteName = SimpleText(Get("PW")),
            Result = SimpleText(Get("RE")),
            Date = SimpleText(Get("DT")),
            Application = SimpleText(Get("AP")),
            Comment = root.Properties.Any(p => p.Ident is "B" or "W") ? null : Get("C"),
            AddBlack = [.. black],
            AddWhite = [.. white],
            AddEmpty = [.. empty],
            PlayerToMove = toPlay,
            Moves = moves.ToImmutable(),
            ExtraProperties = extras,
        };
    }

    /// <summary>SGF SimpleText: line breaks become spaces.</summary>
    private static string? SimpleText(string? v) => v?.Replace('\n', ' ');

    private static SgfColour ParseColour(SgfProperty prop) => prop.Values[0].Trim() switch
    {
        "B" or "b" => SgfColour.Black,
        "W" or "w" => SgfColour.White,
        var v => throw new SgfException($"{prop.Ident}[{v}] is not a colour (B or W)", prop.Line, prop.Column),
    };

    private static int ParseMove(SgfProperty prop, int size)
    {
        string v = prop.Values[0].Trim();
        if (v.Length == 0 || (v == "tt" && size <= 19)) return size * size;
        return ParsePoint(prop, v, size);
    }

    private static int ParsePoint(SgfProperty prop, string v, int size)
    {
        if (v.Length != 2) throw new SgfException($"{prop.Ident}[{v}] is not a point (two letters)", prop.Line, prop.Column);
        int x = LetterIndex(v[0]), row = LetterIndex(v[1]);
        if (x < 0 || row < 0 || x >= size || row >= size)
            throw new SgfException($"{prop.Ident}[{v}] is not a point on the {size}×{size} board", prop.Line, prop.Column);
        return (size - 1 - row) * size + x;
    }

    private static IEnumerable<int> ParsePointList(SgfProperty prop, int size)
    {
        foreach (string raw in prop.Values)
        {
            string v = raw.Trim();
            int colon = v.IndexOf(':');
            if (colon < 0)
            {
                yield return ParsePoint(prop, v, size);
                continue;
            }
            int a = ParsePoint(prop, v[..colon], size), b = ParsePoint(prop, v[(colon + 1)..], size);
            int x0 = Math.Min(a % size, b % size), x1 = Math.Max(a % size, b % size);
            int y0 = Math.Min(a / size, b / size), y1 = Math.Max(a / size, b / size);
            for (int y = y1; y >= y0; y--)
                for (int x = x0; x <= x1; x++)
                    yield return y * size + x;
        }
    }
}
