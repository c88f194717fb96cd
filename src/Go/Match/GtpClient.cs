using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SelfPlayBN.Go.Match;

/// <summary>An engine's answer to one GTP command: success (<c>=</c>) or failure (<c>?</c>) and the text after the id, lines joined with <c>\n</c>.</summary>
/// <param name="Success">True for <c>=</c>, false for <c>?</c>.</param>
/// <param name="Text">The answer without the status character, id and the one space after them; empty for a bare <c>=</c>.</param>
public sealed record GtpResponse(bool Success, string Text);

/// <summary>
/// A GTP engine that cannot be used: it did not start, it exited, it answered something that is not GTP,
/// it did not answer in time, or it refused a command the caller needed (see <see cref="GtpClient.CommandAsync"/>).
/// The message names the engine and the command.
/// </summary>
public sealed class GtpEngineException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A GTP engine in a child process, driven over its standard input and output (GTP version 2).
/// </summary>
/// <remarks>
/// Each command is sent as <c>id command</c> with a fresh numeric id; the answer is read up to its
/// terminating empty line and its id must match (an engine that does not echo ids is accepted). Standard
/// error is read continuously (so the engine never blocks on it) and its last lines go into error
/// messages. After any failure of the engine (<see cref="GtpEngineException"/>) the client is broken: the
/// process is killed and every later command fails at once. Commands are serialised: one at a time, safe to
/// call from several threads. Disposing sends <c>quit</c> (when the engine still works), waits briefly and
/// then kills the process tree.
/// </remarks>
public sealed class GtpClient : IAsyncDisposable
{
    private const int StderrLinesKept = 20;
    private static readonly TimeSpan QuitWait = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<string> _stderr = new();
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId = 1;
    private string? _broken;
    private bool _disposed;

    private GtpClient(Process process, string commandLine, string label)
    {
        _process = process;
        CommandLine = commandLine;
        Label = label;
    }

    /// <summary>The command line the engine was started with.</summary>
    public string CommandLine { get; }

    /// <summary>How messages name the engine: the label given to <see cref="Start"/>, or the program's file name.</summary>
    public string Label { get; }

    /// <summary>The time one command may take when the caller gives none (default 60 s).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether the engine failed (died, timed out, answered garbage); a broken client sends nothing more.</summary>
    public bool IsBroken => _broken is not null;

    /// <summary>The last lines the engine wrote to standard error (at most 20), oldest first.</summary>
    public IReadOnlyList<string> StderrTail
    {
        get { lock (_stderr) return _stderr.ToArray(); }
    }

    /// <summary>
    /// Starts the engine: <paramref name="commandLine"/> is split like a shell would (see
    /// <see cref="CommandLineWords.Split"/>), the first word is the program. Throws
    /// <see cref="GtpEngineException"/> when the line is empty or malformed or the program cannot be started.
    /// The engine is not asked anything yet; its first answer shows whether it speaks GTP.
    /// </summary>
    /// <param name="commandLine">Program and arguments, e.g. <c>/usr/games/gnugo --mode gtp --level 0</c>.</param>
    /// <param name="label">Name for messages; null for the program's file name.</param>
    public static GtpClient Start(string commandLine, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        IReadOnlyList<string> words;
        try
        {
            words = CommandLineWords.Split(commandLine);
        }
        catch (FormatException e)
        {
            throw new GtpEngineException($"cannot start engine: {e.Message}", e);
        }
        if (words.Count == 0) throw new GtpEngineException("cannot start engine: the command line is empty");
        label ??= Path.GetFileName(words[0]);
        var info = new ProcessStartInfo(words[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var w in words.Skip(1)) info.ArgumentList.Add(w);
        var process = new Process { StartInfo = info };
        var client = new GtpClient(process, commandLine, label);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) client.AddStderr(e.Data);
            else client._stderrClosed.TrySetResult();
        };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or FileNotFoundException)
        {
            process.Dispose();
            throw new GtpEngineException($"cannot start engine '{label}' ({commandLine}): {e.Message}", e);
        }
        process.StandardInput.AutoFlush = true;
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>
    /// Sends one command and reads the answer, success or failure. Throws <see cref="GtpEngineException"/>
    /// when the engine is broken, exits, answers with something that is not a GTP response or a wrong id,
    /// or does not answer within <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>).
    /// <paramref name="command"/> must be one line without control characters.
    /// </summary>
    public async Task<GtpResponse> SendAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Length == 0 || command.Any(char.IsControl))
            throw new ArgumentException("a GTP command is one non-empty line without control characters", nameof(command));
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is not null) throw new GtpEngineException($"engine '{Label}' cannot take '{command}': {_broken}");
            int id = _nextId++;
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var limit = timeout ?? DefaultTimeout;
            timer.CancelAfter(limit);
            try
            {
                await _process.StandardInput.WriteAsync($"{id.ToString(CultureInfo.InvariantCulture)} {command}\n".AsMemory(), timer.Token).ConfigureAwait(false);
                await _process.StandardInput.FlushAsync(timer.Token).ConfigureAwait(false);
                return await ReadResponseAsync(id, command, timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Break($"did not answer '{command}' within {limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
            }
            catch (OperationCanceledException)
            {
                Break($"'{command}' was cancelled before the answer");
                throw;
            }
            catch (IOException e)
            {
                throw Break($"stopped reading its input at '{command}' ({e.Message}){ExitText()}");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends a command the caller needs to succeed and returns the answer's text; an <c>?</c> answer throws
    /// <see cref="GtpEngineException"/> naming the engine, the command and the engine's message (the engine
    /// itself stays usable).
    /// </summary>
    public async Task<string> CommandAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var r = await SendAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        if (!r.Success) throw new GtpEngineException($"engine '{Label}' refused '{command}': {r.Text}");
        return r.Text;
    }

    /// <summary>Disposes: <c>quit</c> (at most 2 s) for a working engine, then kills the process tree if it has not exited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        if (_broken is null)
        {
            try
            {
                await SendAsync("quit", QuitWait).ConfigureAwait(false);
                using var wait = new CancellationTokenSource(QuitWait);
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is GtpEngineException or OperationCanceledException or InvalidOperationException)
            {
                // The process is killed below.
            }
        }
        _disposed = true;
        Kill();
        _process.Dispose();
        _gate.Dispose();
    }

    private async Task<GtpResponse> ReadResponseAsync(int id, string command, CancellationToken token)
    {
        var output = _process.StandardOutput;
        string? first;
        do
        {
            first = await ReadLineAsync(output, token).ConfigureAwait(false);
            if (first is null) throw Break($"exited while answering '{command}'{ExitText()}");
        }
        while (string.IsNullOrWhiteSpace(first)); // empty lines before an answer are allowed
        first = first.TrimEnd('\r');
        if (first[0] is not ('=' or '?'))
            throw Break($"answered '{Shorten(first)}' to '{command}', which is not a GTP response (it starts with '=' or '?')");
        bool success = first[0] == '=';
        int i = 1;
        while (i < first.Length && char.IsAsciiDigit(first[i])) i++;
        if (i > 1)
        {
            string echoed = first[1..i];
            if (echoed != id.ToString(CultureInfo.InvariantCulture))
                throw Break($"answered '{Shorten(first)}' with id {echoed} to '{command}' sent with id {id}");
        }
        if (i < first.Length && first[i] is not (' ' or '\t'))
            throw Break($"answered '{Shorten(first)}' to '{command}', which is not a GTP response (no space after the id)");
        var text = new StringBuilder(first.Length > i ? first[(i + 1)..] : "");
        while (true)
        {
            string? line = await ReadLineAsync(output, token).ConfigureAwait(false);
            if (line is null) throw Break($"exited in the middle of its answer to '{command}'{ExitText()}");
            line = line.TrimEnd('\r');
            if (line.Length == 0) break;
            text.Append('\n').Append(line);
        }
        return new GtpResponse(success, text.ToString().TrimEnd());
    }

    /// <summary>
    /// A line of the engine's output, or null at its end. The wait, not the read, is cancelled: a read of a
    /// pipe does not always stop on cancellation, and after a timeout the client is broken and reads no more.
    /// </summary>
    private static Task<string?> ReadLineAsync(StreamReader reader, CancellationToken token) =>
        reader.ReadLineAsync(CancellationToken.None).AsTask().WaitAsync(token);

    private GtpEngineException Break(string problem)
    {
        string stderr = string.Join(" | ", StderrTail.TakeLast(5));
        _broken = problem;
        Kill();
        return new GtpEngineException($"engine '{Label}' {problem}{(stderr.Length > 0 ? $"; its last standard error: {stderr}" : "")}");
    }

    private string ExitText()
    {
        try
        {
            // Only on the way to an error: waits long enough for a loaded machine (a second was too short under a parallel test run).
            if (_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _stderrClosed.Task.Wait(TimeSpan.FromSeconds(5)); // so that its last lines of standard error are in
                return $" (exit code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)})";
            }
        }
        catch (InvalidOperationException)
        {
        }
        return "";
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }

    private void AddStderr(string line)
    {
        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLinesKept) _stderr.Dequeue();
        }
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
