namespace SelfPlayBN.Games.Go;

/// <summary>
/// A malformed SGF text or a record that cannot be replayed. <see cref="Line"/> and <see cref="Column"/>
/// (1-based) say where in the text the problem is, or are 0 when it is not tied to a place in the text
/// (an illegal move found while replaying names the move number and vertex instead).
/// </summary>
public sealed class SgfException : FormatException
{
    /// <summary>A problem at a place in the text; the message gets <c>line L, column C: </c> in front.</summary>
    public SgfException(string problem, int line, int column)
        : base(line > 0 ? $"line {line}, column {column}: {problem}" : problem)
    {
        Problem = problem;
        Line = line;
        Column = column;
    }

    /// <summary>A problem not tied to a place in the text.</summary>
    public SgfException(string problem) : this(problem, 0, 0) { }

    /// <summary>The problem without its place.</summary>
    public string Problem { get; }
    /// <summary>1-based line of the problem, 0 when none.</summary>
    public int Line { get; }
    /// <summary>1-based column (in characters) of the problem, 0 when none.</summary>
    public int Column { get; }
}
