namespace SelfPlayBN.Go.Engine;

/// <summary>
/// The GTP command loop: reads lines from a <see cref="TextReader"/>, answers each non-empty, non-comment line
/// with exactly one response on a <see cref="TextWriter"/> (flushed after each), and returns after <c>quit</c>
/// or at the end of the input. Usable in-process (tests) as well as over standard input and output.
/// </summary>
/// <remarks>
/// <para>Streamed responses (<see cref="GtpStream"/>): the server writes <c>=[id]</c> on its own line, then the
/// lines the body writes, then an empty line. A body that runs until the next command (<c>lz-analyze</c>) runs
/// on a background task while the server waits for input; when a line (any line, even an empty one) or the
/// end of input arrives, the server cancels the body, waits for it, ends the response and only then handles
/// that line, so responses never interleave.</para>
/// <para>Nothing the controller sends stops the loop except <c>quit</c> and the end of input: malformed lines get
/// a <c>?</c> response and an unexpected exception in a command becomes <c>? internal error: …</c>.</para>
/// </remarks>
public sealed class GtpServer
{
    private readonly GtpEngine _engine;
    private readonly TextWriter? _log;

    /// <summary>A server for <paramref name="engine"/>; <paramref name="log"/> (e.g. standard error) receives one line per internal error, or nothing when <c>null</c>.</summary>
    public GtpServer(GtpEngine engine, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _log = log;
    }

    /// <summary>Number of responses written so far.</summary>
    public int Responses { get; private set; }

    /// <summary>Serves commands from <paramref name="input"/> until <c>quit</c> or the end of input.</summary>
    public void Run(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        string? pending = null;
        bool havePending = false;
        while (true)
        {
            string? line = havePending ? pending : GtpProtocol.ReadLine(input);
            havePending = false;
            if (line is null) return;
            string? cleaned = GtpProtocol.Clean(line);
            if (cleaned is null) continue;
            var request = GtpProtocol.Parse(cleaned);
            GtpOutcome outcome;
            try { outcome = _engine.Execute(request); }
            catch (Exception e)
            {
                _log?.WriteLine($"gtp: {request.Name} failed: {e}");
                outcome = new GtpReply(false, $"internal error: {e.GetType().Name}: {e.Message}");
            }
            switch (outcome)
            {
                case GtpReply reply:
                    output.Write(reply.Success ? GtpProtocol.Success(request.Id, reply.Text) : GtpProtocol.Failure(request.Id, reply.Text));
                    output.Flush();
                    Responses++;
                    if (reply.Quit) return;
                    break;
                case GtpStream stream:
                    output.Write(GtpProtocol.StreamStart(request.Id));
                    output.Flush();
                    if (stream.UntilNextCommand)
                    {
                        // the line that stopped the body is handled next (null, the end of input, then ends the loop)
                        (pending, havePending) = (RunUntilInput(stream, input, output), true);
                    }
                    else RunBody(stream, output, CancellationToken.None);
                    output.Write('\n');
                    output.Flush();
                    Responses++;
                    break;
            }
        }
    }

    /// <summary>Runs the body in the background until the next input line arrives; returns that line (null at the end of input).</summary>
    private string? RunUntilInput(GtpStream stream, TextReader input, TextWriter output)
    {
        using var cancel = new CancellationTokenSource();
        var body = Task.Run(() => RunBody(stream, output, cancel.Token));
        string? next;
        try { next = GtpProtocol.ReadLine(input); }
        finally
        {
            cancel.Cancel();
            body.Wait();
        }
        return next;
    }

    private void RunBody(GtpStream stream, TextWriter output, CancellationToken cancel)
    {
        try
        {
            stream.Body(text =>
            {
                if (text.Length == 0) return; // an empty line would end the response
                output.Write(text.Replace('\n', ' ') + "\n");
                output.Flush();
            }, cancel);
        }
        catch (Exception e)
        {
            _log?.WriteLine($"gtp: streamed command failed: {e}");
        }
    }
}
