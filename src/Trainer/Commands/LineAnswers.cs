namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// The loop of the commands that answer standard input line by line (<c>solve</c>, <c>analyze</c>): each line's answer
/// goes to the output at once (flushed, so a controller can pipe one line in and read one line back); a line the answer
/// refuses with a <see cref="FormatException"/> gets <c>error: line N: …</c> on standard error and the others are still
/// answered.
/// </summary>
internal static class LineAnswers
{
    /// <summary>Answers every line of <paramref name="input"/>; returns the exit code: 1 if any line was refused, else 0.</summary>
    /// <param name="input">The lines to answer.</param>
    /// <param name="output">Receives one line per answered line.</param>
    /// <param name="error">Receives one <c>error: line N: …</c> line per refused line.</param>
    /// <param name="answer">The answer to a line; throws <see cref="FormatException"/> for a line it cannot answer.</param>
    /// <param name="problem">The text after <c>error: line N: </c> for a refused line and its exception.</param>
    public static int AnswerEach(TextReader input, TextWriter output, TextWriter error, Func<string, string> answer, Func<string, FormatException, string> problem)
    {
        bool anyInvalid = false;
        int lineNumber = 0;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            string text;
            try
            {
                text = answer(line);
            }
            catch (FormatException e)
            {
                anyInvalid = true;
                error.WriteLine($"error: line {lineNumber}: {problem(line, e)}");
                error.Flush();
                continue;
            }
            output.WriteLine(text);
            output.Flush();
        }
        return anyInvalid ? 1 : 0;
    }
}
