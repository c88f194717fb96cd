using System.Text;

namespace SelfPlayBN.Games.Go;

/// <summary>One SGF property as read: its identifier, its values (escapes resolved, soft line breaks removed,
/// line breaks normalised to <c>\n</c>) and where it starts in the text (1-based line and column).</summary>
internal sealed record SgfProperty(string Ident, IReadOnlyList<string> Values, int Line, int Column);

/// <summary>One SGF node: its properties in file order and where its <c>;</c> is.</summary>
internal sealed record SgfNode(IReadOnlyList<SgfProperty> Properties, int Line, int Column);

/// <summary>
/// The lexical layer of SGF FF[4]: <c>Collection = GameTree+</c>, <c>GameTree = "(" Sequence GameTree* ")"</c>,
/// <c>Sequence = Node+</c>, <c>Node = ";" Property*</c>, <c>Property = PropIdent PropValue+</c>,
/// <c>PropValue = "[" text "]"</c>; white space between tokens is ignored. Every variation is checked for
/// syntax, but only the main line of each game tree (the first variation at every branch) is returned.
/// </summary>
/// <remarks>
/// Inside a value, <c>\</c> escapes the next character; a <c>\</c> before a line break removes the break (a
/// soft line break). Line breaks (<c>\r\n</c>, <c>\n\r</c>, <c>\r</c>, <c>\n</c>) become <c>\n</c>.
/// Lower-case letters in a property identifier are dropped, as FF[4] asks of readers of FF[3] files
/// (<c>AddBlack</c> reads as <c>AB</c>).
/// </remarks>
internal sealed class SgfParser
{
    private readonly string _text;
    private int _pos, _line = 1, _column = 1;

    private SgfParser(string text) => _text = text;

    /// <summary>The main line of every game tree in <paramref name="text"/>; throws <see cref="SgfException"/> naming the line and column of a syntax error.</summary>
    public static List<List<SgfNode>> ParseCollection(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new SgfParser(text);
        var games = new List<List<SgfNode>>();
        p.SkipWhiteSpace();
        if (p._pos < text.Length && text[p._pos] == '\uFEFF') { p.Advance(); p.SkipWhiteSpace(); }
        while (p._pos < text.Length)
        {
            if (text[p._pos] != '(')
                throw p.Error(games.Count == 0 ? $"expected '(' to start a game tree, found {Describe(text[p._pos])}" : $"expected '(' or the end of the text after a game tree, found {Describe(text[p._pos])}");
            var mainLine = new List<SgfNode>();
            p.GameTree(mainLine);
            games.Add(mainLine);
            p.SkipWhiteSpace();
        }
        if (games.Count == 0) throw new SgfException("no game tree in the text (an SGF collection starts with '(')", p._line, p._column);
        return games;
    }

    /// <summary>Parses "(" Sequence GameTree* ")"; appends the main line's nodes to <paramref name="mainLine"/> when it is not null.</summary>
    private void GameTree(List<SgfNode>? mainLine)
    {
        // Iterative over depth for the main line, so deep files (long games written as nested trees) do not overflow the stack.
        var open = new Stack<(int Line, int Column)>();
        var onMainLine = new Stack<bool>();
        open.Push((_line, _column));
        onMainLine.Push(mainLine is not null);
        Advance(); // '('
        SkipWhiteSpace();
        if (Peek() != ';') throw Error($"expected ';' to start the first node of a game tree, found {DescribeHere()}");
        bool childSeen = false;
        while (true)
        {
            SkipWhiteSpace();
            char c = Peek();
            if (c == ';')
            {
                if (childSeen) throw Error("a node (';') after a variation: nodes must come before the variations of a game tree");
                var node = Node();
                if (onMainLine.Peek()) mainLine!.Add(node);
            }
            else if (c == '(')
            {
                // A variation: only the first one at a branch continues the main line.
                bool main = onMainLine.Peek() && !childSeen;
                childSeen = true;
                open.Push((_line, _column));
                onMainLine.Push(main);
                Advance();
                SkipWhiteSpace();
                if (Peek() != ';') throw Error($"expected ';' to start the first node of a variation, found {DescribeHere()}");
                childSeen = false;
            }
            else if (c == ')')
            {
                Advance();
                open.Pop();
                onMainLine.Pop();
                if (open.Count == 0) return;
                childSeen = true;
            }
            else if (c == '\0' && _pos >= _text.Length)
            {
                var (line, column) = open.Peek();
                throw new SgfException($"the text ends inside the game tree opened at line {line}, column {column} (missing ')')", _line, _column);
            }
            else
            {
                throw Error($"expected ';', '(' or ')', found {DescribeHere()}");
            }
        }
    }

    private SgfNode Node()
    {
        int line = _line, column = _column;
        Advance(); // ';'
        var props = new List<SgfProperty>();
        while (true)
        {
            SkipWhiteSpace();
            char c = Peek();
            if (!char.IsAsciiLetter(c)) break;
            int pl = _line, pc = _column;
            var ident = new StringBuilder();
            while (char.IsAsciiLetter(Peek()))
            {
                if (char.IsAsciiLetterUpper(Peek())) ident.Append(Peek());
                Advance();
            }
            if (ident.Length == 0) throw new SgfException("a property identifier without upper-case letters", pl, pc);
            SkipWhiteSpace();
            if (Peek() != '[') throw Error($"expected '[' after the property identifier {ident}, found {DescribeHere()}");
            var values = new List<string>();
            while (Peek() == '[')
            {
                values.Add(Value());
                SkipWhiteSpace();
            }
            string id = ident.ToString();
            if (props.Any(p => p.Ident == id)) throw new SgfException($"property {id} appears twice in one node", pl, pc);
            props.Add(new SgfProperty(id, values, pl, pc));
        }
        return new SgfNode(props, line, column);
    }

    private string Value()
    {
        int line = _line, column = _column;
        Advance(); // '['
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw new SgfException("the text ends inside a property value (missing ']')", line, column);
            char c = _text[_pos];
            if (c == ']') { Advance(); return sb.ToString(); }
            if (c == '\\')
            {
                Advance();
                if (_pos >= _text.Length) throw new SgfException("the text ends inside a property value (missing ']')", line, column);
                if (IsLineBreakStart(_text[_pos])) { SkipLineBreak(); continue; } // soft line break
                sb.Append(_text[_pos]);
                Advance();
                continue;
            }
            if (IsLineBreakStart(c)) { SkipLineBreak(); sb.Append('\n'); continue; }
            sb.Append(c);
            Advance();
        }
    }

    private static bool IsLineBreakStart(char c) => c is '\r' or '\n';

    /// <summary>Skips one line break: <c>\r\n</c>, <c>\n\r</c>, <c>\r</c> or <c>\n</c>.</summary>
    private void SkipLineBreak()
    {
        char first = _text[_pos];
        _pos++;
        if (_pos < _text.Length && IsLineBreakStart(_text[_pos]) && _text[_pos] != first) _pos++;
        _line++;
        _column = 1;
    }

    private void SkipWhiteSpace()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (IsLineBreakStart(c)) SkipLineBreak();
            else if (char.IsWhiteSpace(c)) Advance();
            else break;
        }
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void Advance()
    {
        _pos++;
        _column++;
    }

    private SgfException Error(string message) => new(message, _line, _column);

    private string DescribeHere() => _pos >= _text.Length ? "the end of the text" : Describe(_text[_pos]);

    private static string Describe(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
