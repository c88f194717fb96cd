using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using SelfPlayBN.Games;
using SelfPlayBN.Go.Engine;
using SelfPlayBN.Search;

namespace SelfPlayBN.Go.Tests;

/// <summary>Input lines for a server, handed over one at a time: reading blocks until a line is sent or the channel is closed.</summary>
internal sealed class BlockingLineReader : TextReader
{
    private readonly BlockingCollection<string?> _lines = new();
    private string _current = "";
    private int _next;
    private bool _ended;

    public void Send(string line) => _lines.Add(line);

    public void End() => _lines.Add(null);

    public override string? ReadLine() => _lines.Take();

    /// <summary>One character at a time (what the server's <see cref="GtpProtocol.ReadLine"/> uses): each line sent ends with a line feed.</summary>
    public override int Read()
    {
        if (_next == _current.Length)
        {
            if (_ended) return -1;
            var line = _lines.Take();
            if (line is null) { _ended = true; return -1; }
            (_current, _next) = (line + "\n", 0);
        }
        return _current[_next++];
    }
}

/// <summary>What a server writes, split into lines that a test takes one at a time (with a generous timeout, so a hang fails instead of blocking).</summary>
internal sealed class LineCollector : TextWriter
{
    private readonly BlockingCollection<string> _lines = new();
    private readonly StringBuilder _partial = new();

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_partial)
        {
            if (value == '\n')
            {
                _lines.Add(_partial.ToString());
                _partial.Clear();
            }
            else _partial.Append(value);
        }
    }

    public string ReadLine() =>
        _lines.TryTake(out var line, Timeout) ? line : throw new TimeoutException("the server wrote no line within the timeout");
}

/// <summary>An engine served on a background task, talked to line by line like a GTP controller would.</summary>
internal sealed class GtpSession : IDisposable
{
    public readonly BlockingLineReader Input = new();
    public readonly LineCollector Output = new();
    public readonly GtpEngine Engine;
    public readonly GtpServer Server;
    private readonly Task _serving;

    public GtpSession(GtpEngine engine)
    {
        Engine = engine;
        Server = new GtpServer(engine);
        _serving = Task.Run(() => Server.Run(Input, Output));
    }

    /// <summary>Sends one command and returns its whole response (lines joined with '\n', without the final empty line).</summary>
    public string Send(string command)
    {
        Input.Send(command);
        return ReadResponse();
    }

    public string ReadResponse()
    {
        var lines = new List<string>();
        while (true)
        {
            string line = Output.ReadLine();
            if (line.Length == 0) return string.Join('\n', lines);
            lines.Add(line);
        }
    }

    public bool Finished(TimeSpan timeout) => _serving.Wait(timeout);

    public void Dispose()
    {
        Input.End();
        _serving.Wait(LineCollector.Timeout);
    }
}

/// <summary>Puts all the prior on passing (value 0): a search over it prefers to pass.</summary>
internal sealed class PassLovingOracle : IOracle
{
    public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
    {
        for (int i = 0; i < states.Length; i++)
        {
            int n = states[i].Game.NumActions;
            var row = priors.Slice(i * n, n);
            row.Clear();
            row[n - 1] = 1f;
            values[i] = 0f;
        }
    }
}

internal static class Engines
{
    public static GtpEngine Uniform(int size = 9, int visits = 16, double komi = 7.5, int threads = 1, IOracle? oracle = null) =>
        new(new GoSearchPlayer(_ => oracle ?? UniformOracle.Instance, new GoSearchOptions { Threads = threads, Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = size, Komi = komi, Visits = visits, ResignWinrate = null, LagSeconds = 0 });
}

/// <summary>A GTP controller's side of a process: one command, one response.</summary>
internal sealed class GtpProcess : IDisposable
{
    private readonly Process _process;

    public GtpProcess(string file, params string[] arguments) : this(null, file, arguments) { }

    /// <summary>Starts the engine; <paramref name="standardError"/> receives each line it writes to standard error
    /// (on a reader thread), or the lines are dropped.</summary>
    public GtpProcess(Action<string>? standardError, string file, params string[] arguments)
    {
        _process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"cannot start {file}");
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) standardError?.Invoke(e.Data); };
        _process.BeginErrorReadLine();
    }

    public string Send(string command)
    {
        Write(command);
        var lines = new List<string>();
        while (true)
        {
            string line = ReadLine();
            if (line.Length == 0) return string.Join('\n', lines);
            lines.Add(line);
        }
    }

    public void Write(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    public string ReadLine()
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(LineCollector.Timeout)) throw new TimeoutException("the engine wrote no line within the timeout");
        return read.Result ?? throw new EndOfStreamException("the engine closed its output");
    }

    public void Dispose()
    {
        try { Send("quit"); _process.WaitForExit(10_000); }
        catch (Exception e) when (e is IOException or TimeoutException or EndOfStreamException or InvalidOperationException) { }
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}

