using System.Globalization;
using System.Text;
using SelfPlayBN.Games;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Engine;

/// <summary>Settings of <see cref="GtpEngine"/>. Immutable.</summary>
public sealed record GtpEngineOptions
{
    /// <summary>Board side at start and after <c>clear_board</c> until <c>boardsize</c> changes it. Default 19.</summary>
    public int BoardSize { get; init; } = 19;

    /// <summary>Komi at start (until <c>komi</c> changes it). Default 7.5.</summary>
    public double Komi { get; init; } = 7.5;

    /// <summary>Simulations per <c>genmove</c> (the time budget may stop the search earlier). Default 400.</summary>
    public int Visits { get; init; } = 400;

    /// <summary>Resign when the best move's winrate is below this (after at least <see cref="ResignMinVisits"/> visits); <c>null</c> never resigns. Default 0.1.</summary>
    public double? ResignWinrate { get; init; } = 0.1;

    /// <summary>Visits a search must have made before it may resign. Default 64. With fewer <see cref="Visits"/> per move (or a time budget that stops the search sooner) the engine never resigns: a handful of playouts is no evidence that a game is lost.</summary>
    public int ResignMinVisits { get; init; } = 64;

    /// <summary>Simulations after which <c>lz-analyze</c> stops searching (it keeps waiting for the next command); bounds memory. Default 50,000.</summary>
    public int AnalysisVisits { get; init; } = 50_000;

    /// <summary>The analysis interval when <c>lz-analyze</c> names none, in centiseconds. Default 100 (one second).</summary>
    public int DefaultAnalysisInterval { get; init; } = 100;

    /// <summary>Seconds subtracted from every time budget (see <see cref="GtpTimeControl"/>). Default 0.2.</summary>
    public double LagSeconds { get; init; } = 0.2;

    /// <summary>The observation layout of the games the engine creates (what its network reads). Default <see cref="GoInputs.Basic"/>.</summary>
    public GoInputs Inputs { get; init; } = GoInputs.Basic;

    /// <summary>Board sizes the player can play (a network is made for one size); <c>null</c> accepts 5..19.</summary>
    public IReadOnlySet<int>? Sizes { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!Accepts(BoardSize)) throw new ArgumentException($"board size {BoardSize} is not supported", nameof(BoardSize));
        if (!double.IsFinite(Komi)) throw new ArgumentException($"komi must be finite (got {Komi})", nameof(Komi));
        if (Visits < 1) throw new ArgumentException($"visits must be at least 1 (got {Visits})", nameof(Visits));
        if (ResignWinrate is double r && !(r >= 0 && r < 1)) throw new ArgumentException($"resign winrate must be in [0, 1) (got {r})", nameof(ResignWinrate));
        if (AnalysisVisits < 1) throw new ArgumentException($"analysis visits must be at least 1 (got {AnalysisVisits})", nameof(AnalysisVisits));
        if (DefaultAnalysisInterval < 0) throw new ArgumentException($"the analysis interval must be non-negative (got {DefaultAnalysisInterval})", nameof(DefaultAnalysisInterval));
        if (!double.IsFinite(LagSeconds) || LagSeconds < 0) throw new ArgumentException($"lag must be a non-negative number of seconds (got {LagSeconds})", nameof(LagSeconds));
    }

    /// <summary>Whether <paramref name="size"/> can be played.</summary>
    public bool Accepts(int size) => size >= GoGame.MinSize && size <= GoGame.MaxSize && (Sizes is null || Sizes.Contains(size));
}

/// <summary>What the engine answers to one command.</summary>
public abstract record GtpOutcome;

/// <summary>An ordinary response: success (<c>=</c>) with text, or failure (<c>?</c>) with a message.</summary>
/// <param name="Success">Whether the command succeeded.</param>
/// <param name="Text">The response text or error message (may span lines).</param>
/// <param name="Quit">Whether the server stops after sending it (<c>quit</c>).</param>
public sealed record GtpReply(bool Success, string Text, bool Quit = false) : GtpOutcome;

/// <summary>
/// A streamed success (Leela Zero's analysis commands): the server sends <c>=[id]</c> on a line of its own,
/// runs <paramref name="Body"/>, which writes whole lines through its first argument, and ends the response
/// with an empty line. With <paramref name="UntilNextCommand"/> the body runs in the background and is
/// cancelled (its token) as soon as the next input line arrives; otherwise it runs to its end first.
/// </summary>
/// <param name="Body">Writes the lines of the response; must return soon after its token is cancelled.</param>
/// <param name="UntilNextCommand">Whether the body runs until the next input line.</param>
public sealed record GtpStream(Action<Action<string>, CancellationToken> Body, bool UntilNextCommand) : GtpOutcome;

/// <summary>
/// A Go engine behind GTP: the game (board size, komi, the moves since the start or the loaded position, and
/// the position after each, for <c>undo</c>), a clock, and a <see cref="GoSearchPlayer"/> that chooses moves.
/// <see cref="GtpServer"/> drives it from a text stream.
/// </summary>
/// <remarks>
/// <para><b>Positions.</b> Rules are those of <see cref="GoGame"/>: Tromp-Taylor area scoring, positional
/// superko, no suicide. GTP lets a colour move out of turn (<c>play b</c> twice): as in Leela Zero, the
/// named colour simply moves, without a pass for the other (<see cref="GoState.WithPlayerToMove"/>), so a network's
/// history planes hold the positions that were on the board and nothing else; and after a game has ended (two
/// passes, or the move cap) a further move resumes it from the same stones with the named colour to move
/// (the resumed position starts a fresh superko history). <c>komi</c> in mid-game replays the moves under the
/// new komi.</para>
/// <para><b>Commands</b>: see <see cref="Commands"/>. Argument errors answer <c>? syntax error: …</c>, moves
/// the rules forbid <c>? illegal move</c>, unknown commands <c>? unknown command</c>.</para>
/// <para>Thread-safety: not thread-safe; one command at a time (a streamed body runs while the server waits
/// for input and is finished before the next command is executed).</para>
/// </remarks>
public sealed partial class GtpEngine
{
    /// <summary>The commands this engine knows, in the order <c>list_commands</c> gives them.</summary>
    public static readonly IReadOnlyList<string> Commands =
    [
        "protocol_version", "name", "version", "known_command", "list_commands", "quit",
        "boardsize", "clear_board", "komi", "play", "genmove", "undo",
        "final_score", "showboard", "time_settings", "time_left", "kgs-genmove_cleanup", "loadsgf",
        "fixed_handicap", "place_free_handicap", "set_free_handicap", "final_status_list",
        "lz-analyze", "lz-genmove_analyze",
    ];

    private readonly GoSearchPlayer _player;
    private readonly GtpEngineOptions _options;
    private readonly GtpTimeControl _time;
    private readonly string _name, _version;
    private readonly TextWriter? _log;
    private GoGame _game;
    private readonly List<(int Player, int Action)> _moves = [];
    private readonly List<GoState> _states = [];

    /// <summary>Creates an engine on an empty board of <see cref="GtpEngineOptions.BoardSize"/>.</summary>
    /// <param name="player">Chooses the moves.</param>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="name">What <c>name</c> answers (default <see cref="GoEngineInfo.Name"/>).</param>
    /// <param name="version">What <c>version</c> answers (default <see cref="GoEngineInfo.GtpVersion"/>, which Lizzie accepts; see there).</param>
    /// <param name="log">Receives one line per move search (move, visits, time, winrate, principal variation), e.g. standard error; <c>null</c> for none.</param>
    public GtpEngine(GoSearchPlayer player, GtpEngineOptions options, string? name = null, string? version = null, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(player);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _player = player;
        _options = options;
        _time = new GtpTimeControl { Lag = TimeSpan.FromSeconds(options.LagSeconds) };
        _name = name ?? GoEngineInfo.Name;
        _version = version ?? GoEngineInfo.GtpVersion;
        _log = log;
        _game = new GoGame(options.BoardSize, options.Komi, inputs: options.Inputs);
        _states.Add(_game.NewGame());
    }

    /// <summary>The current position.</summary>
    public GoState Position => _states[^1];

    /// <summary>The game (board size and komi) now in use.</summary>
    public GoGame Game => _game;

    /// <summary>The clock.</summary>
    public GtpTimeControl Time => _time;

    /// <summary>The final snapshot of the last move search (<c>genmove</c> and its variants), or <c>null</c> before the first.</summary>
    public SearchAnalysis? LastSearch { get; private set; }

    /// <summary>Moves played since the start (or the loaded position), each with the colour that played it (0 Black, 1 White).</summary>
    public IReadOnlyList<(int Player, int Action)> Moves => _moves;

    /// <summary>Executes one parsed command. Never throws for bad input: every problem is a failure reply.</summary>
    public GtpOutcome Execute(GtpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var a = request.Arguments;
        try
        {
            return request.Name switch
            {
                "" => Fail("missing command name"),
                "protocol_version" => Ok("2"),
                "name" => Ok(_name),
                "version" => Ok(_version),
                "known_command" => a.Count == 1 ? Ok(Commands.Contains(a[0]) ? "true" : "false") : Syntax("known_command takes one command name"),
                "list_commands" => Ok(string.Join('\n', Commands)),
                "quit" => new GtpReply(true, "", Quit: true),
                "boardsize" => BoardSize(a),
                "clear_board" => ClearBoard(),
                "komi" => Komi(a),
                "play" => Play(a),
                "genmove" => GenMove(a, cleanup: false),
                "kgs-genmove_cleanup" => GenMove(a, cleanup: true),
                "undo" => Undo(),
                "final_score" => Ok(FormatScore(Position.Score())),
                "showboard" => Ok("\n" + Position.Render()),
                "time_settings" => TimeSettings(a),
                "time_left" => TimeLeft(a),
                "loadsgf" => LoadSgf(a),
                "fixed_handicap" => FixedHandicap(a),
                "place_free_handicap" => PlaceFreeHandicap(a),
                "set_free_handicap" => SetFreeHandicap(a),
                "final_status_list" => FinalStatusList(a),
                "lz-analyze" => Analyze(a),
                "lz-genmove_analyze" => GenMoveAnalyze(a),
                _ => Fail("unknown command"),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            return Fail($"internal error: {e.Message}");
        }
    }

    // ---------------------------------------------------------------- setup

    private GtpOutcome BoardSize(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !int.TryParse(a[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int size))
            return Syntax("boardsize takes one integer");
        if (!_options.Accepts(size)) return Fail("unacceptable size");
        _game = new GoGame(size, _game.Komi, inputs: _options.Inputs);
        Reset(_game.NewGame());
        return Ok("");
    }

    private GtpOutcome ClearBoard()
    {
        Reset(_game.NewGame());
        return Ok("");
    }

    private GtpOutcome Komi(IReadOnlyList<string> a)
    {
        if (a.Count != 1 || !TryParseReal(a[0], out double komi)) return Syntax("komi takes one finite number");
        if (komi == _game.Komi) return Ok("");
        var game = new GoGame(_game.Size, komi, inputs: _options.Inputs);
        var start = Rebase(_states[0], game);
        var moves = _moves.ToArray();
        _game = game;
        Reset(start);
        foreach (var (player, action) in moves) Apply(player, action);
        return Ok("");
    }

    private void Reset(GoState start)
    {
        _moves.Clear();
        _states.Clear();
        _states.Add(start);
    }

    /// <summary>The same stones, side to move and superko-free history on another game (another komi).</summary>
    private static GoState Rebase(GoState state, GoGame game) =>
        state.MoveNumber == 0 && state.StoneCount(GoState.Black) + state.StoneCount(GoState.White) == 0 && state.CurrentPlayer == 0
            ? game.NewGame()
            : GoState.FromDiagram(game, state.ToDiagram(), state.CurrentPlayer);

    // ---------------------------------------------------------------- moves

    private GtpOutcome Play(IReadOnlyList<string> a)
    {
        if (a.Count != 2) return Syntax("play takes a colour and a vertex");
        if (!TryParseColour(a[0], out int player)) return Syntax($"'{a[0]}' is not a colour");
        if (!_game.TryParseAction(a[1], out int action)) return Syntax($"'{a[1]}' is not a vertex of a {_game.Size}x{_game.Size} board");
        var before = ToMove(Position, player);
        if (!before.IsLegal(action)) return Fail("illegal move");
        Apply(player, action);
        return Ok("");
    }

    /// <summary>Plays <paramref name="action"/> for <paramref name="player"/>, which must be legal in <see cref="ToMove"/> of the current position.</summary>
    private void Apply(int player, int action)
    {
        var next = ToMove(Position, player).Play(action);
        _moves.Add((player, action));
        _states.Add(next);
    }

    /// <summary>The current position with <paramref name="player"/> to move (see the class remarks).</summary>
    private GoState ToMove(GoState state, int player) =>
        !state.IsTerminal ? state.WithPlayerToMove(player) : GoState.FromDiagram(_game, state.ToDiagram(), player);

    private GtpOutcome Undo()
    {
        if (_moves.Count == 0) return Fail("cannot undo");
        _moves.RemoveAt(_moves.Count - 1);
        _states.RemoveAt(_states.Count - 1);
        return Ok("");
    }

    private GtpOutcome GenMove(IReadOnlyList<string> a, bool cleanup)
    {
        if (a.Count != 1) return Syntax("genmove takes one colour");
        if (!TryParseColour(a[0], out int player)) return Syntax($"'{a[0]}' is not a colour");
        return Ok(Decide(player, cleanup, null, null));
    }

    /// <summary>Searches for <paramref name="player"/>, plays the move (unless resigning) and returns its vertex or <c>resign</c>.</summary>
    private string Decide(int player, bool cleanup, TimeSpan? interval, Action<SearchAnalysis>? report, AnalyzeTags? tags = null)
    {
        var root = ToMove(Position, player);
        int empty = root.GoGame.Points - root.StoneCount(GoState.Black) - root.StoneCount(GoState.White);
        var analysis = _player.Think(root, new SearchLimits(_options.Visits, _time.Budget(player, empty)), default, interval, report, tags?.Filter(root));
        LastSearch = analysis;
        int action = analysis.BestAction;
        string move;
        if (cleanup && action == _game.PassAction && CleanupMove(root, analysis) is int capture) action = capture;
        if (!cleanup && _options.ResignWinrate is double threshold && analysis.BestWinrate < threshold
            && analysis.Visits >= _options.ResignMinVisits)
            move = "resign";
        else
        {
            Apply(player, action);
            move = _game.ActionToString(action);
        }
        if (_log is not null)
        {
            string pv = analysis.Moves.Count > 0 ? string.Join(' ', analysis.Moves[0].PrincipalVariation.Select(_game.ActionToString)) : "";
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gtp: {(player == 0 ? "B" : "W")} {move}: {analysis.Visits} visits in {analysis.Elapsed.TotalSeconds:0.00} s, winrate {analysis.BestWinrate:P1}, pv {pv}"));
        }
        return move;
    }

    /// <summary>
    /// In the clean-up phase, instead of passing: a legal liberty of an opponent chain that <see cref="DeadStones"/>
    /// calls dead, the one the search visited most (ties: the chain with fewest liberties, then the lowest point);
    /// <c>null</c> when there is none, and the engine passes.
    /// </summary>
    private static int? CleanupMove(GoState root, SearchAnalysis analysis)
    {
        int opponent = root.CurrentPlayer == 0 ? GoState.White : GoState.Black;
        var visits = analysis.Moves.ToDictionary(m => m.Action, m => m.Visits);
        int? best = null;
        (int Visits, int Liberties, int Point) bestKey = default;
        foreach (var chain in DeadStones.DeadChains(root, opponent))
        {
            var liberties = DeadStones.Liberties(root, chain);
            foreach (int p in liberties)
            {
                if (!root.IsLegal(p)) continue;
                var key = (visits.GetValueOrDefault(p), liberties.Length, p);
                if (best is null || key.Item1 > bestKey.Visits || (key.Item1 == bestKey.Visits && (key.Length < bestKey.Liberties || (key.Length == bestKey.Liberties && p < bestKey.Point))))
                {
                    best = p;
                    bestKey = key;
                }
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- time

    private GtpOutcome TimeSettings(IReadOnlyList<string> a)
    {
        if (a.Count != 3 || !TryParseReal(a[0], out double main) || !TryParseReal(a[1], out double byo)
            || !int.TryParse(a[2], NumberStyles.None, CultureInfo.InvariantCulture, out int stones) || main < 0 || byo < 0)
            return Syntax("time_settings takes main time, byo-yomi time (non-negative seconds) and byo-yomi stones (a non-negative integer)");
        _time.Set(main, byo, stones);
        return Ok("");
    }

    private GtpOutcome TimeLeft(IReadOnlyList<string> a)
    {
        if (a.Count != 3 || !TryParseColour(a[0], out int player) || !TryParseReal(a[1], out double seconds)
            || !int.TryParse(a[2], NumberStyles.None, CultureInfo.InvariantCulture, out int stones) || seconds < 0)
            return Syntax("time_left takes a colour, non-negative seconds and a non-negative number of stones");
        _time.SetLeft(player, seconds, stones);
        return Ok("");
    }

    // ---------------------------------------------------------------- analysis (Leela Zero's extension)

    private GtpOutcome Analyze(IReadOnlyList<string> a)
    {
        if (!TryParseAnalyzeArguments(a, colourRequired: false, out var tags, out string? error)) return Fail(error!);
        var root = ToMove(Position, tags.Colour ?? Position.CurrentPlayer);
        int visits = _options.AnalysisVisits;
        var filter = tags.Filter(root);
        return new GtpStream((write, cancel) =>
        {
            var period = tags.Interval > 0 ? TimeSpan.FromMilliseconds(10.0 * tags.Interval) : (TimeSpan?)null;
            _player.Think(root, new SearchLimits(visits, null), cancel, period, s => write(LeelaZeroAnalysis.Format(s)), filter);
        }, UntilNextCommand: true);
    }

    private GtpOutcome GenMoveAnalyze(IReadOnlyList<string> a)
    {
        if (!TryParseAnalyzeArguments(a, colourRequired: true, out var tags, out string? error)) return Fail(error!);
        return new GtpStream((write, _) =>
        {
            var period = tags.Interval > 0 ? TimeSpan.FromMilliseconds(10.0 * tags.Interval) : (TimeSpan?)null;
            string move = Decide(tags.Colour!.Value, cleanup: false, period, s => write(LeelaZeroAnalysis.Format(s)), tags);
            // The final statistics, whatever the interval: what the move was chosen from.
            if (LastSearch is { Moves.Count: > 0 } last) write(LeelaZeroAnalysis.Format(last));
            write("play " + move);
        }, UntilNextCommand: false);
    }

    /// <summary>
    /// Leela Zero's analysis arguments: an optional colour (required for <c>lz-genmove_analyze</c>), an interval in
    /// centiseconds, given bare or after the word <c>interval</c>, and any number of <c>avoid</c> and <c>allow</c>
    /// tags (see <see cref="AnalyzeTags"/>). <c>minmoves</c> is not supported. Every failure answers
    /// <c>cannot parse analyze tags</c>, as Leela Zero does, followed by what is wrong.
    /// </summary>
    private bool TryParseAnalyzeArguments(IReadOnlyList<string> a, bool colourRequired, out AnalyzeTags tags, out string? error)
    {
        tags = new AnalyzeTags(null, _options.DefaultAnalysisInterval, []);
        error = null;
        int i = 0;
        int? colour = null;
        if (i < a.Count && TryParseColour(a[i], out int c)) { colour = c; i++; }
        else if (colourRequired) { error = "syntax error: a colour is required"; return false; }
        int interval = _options.DefaultAnalysisInterval;
        bool haveInterval = false;
        var restrictions = new List<MoveRestriction>();
        bool Bad(string why, out string? message)
        {
            message = "cannot parse analyze tags: " + why;
            return false;
        }
        while (i < a.Count)
        {
            string word = a[i];
            if (word is "avoid" or "allow")
            {
                if (i + 3 >= a.Count) return Bad($"'{word}' takes a colour, a comma-separated list of vertices and a number of moves", out error);
                if (!TryParseColour(a[i + 1], out int who)) return Bad($"'{a[i + 1]}' is not a colour", out error);
                if (!TryParseVertexList(a[i + 2], out var actions, out string? why)) return Bad(why!, out error);
                if (!int.TryParse(a[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out int until) || until < 1)
                    return Bad($"'{a[i + 3]}' is not a number of moves (at least 1)", out error);
                restrictions.Add(new MoveRestriction(who, word == "allow", actions, until));
                i += 4;
                continue;
            }
            if (word == "minmoves") return Bad("'minmoves' is not supported", out error);
            if (word == "interval" && i + 1 < a.Count) word = a[++i];
            if (haveInterval || !int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out interval))
                return Bad($"unexpected '{word}'", out error);
            haveInterval = true;
            i++;
        }
        foreach (int who in new[] { 0, 1 })
            if (restrictions.Any(r => r.Player == who && r.Allow) && restrictions.Any(r => r.Player == who && !r.Allow && r.Actions.Any(x => x != _game.PassAction)))
                return Bad($"'allow' and 'avoid' of points for {(who == 0 ? "black" : "white")} cannot be combined", out error);
        tags = new AnalyzeTags(colour, interval, restrictions);
        return true;
    }

    /// <summary>Leela Zero's vertex list: vertices (<c>pass</c> included) and rectangles <c>A1:C3</c>, separated by commas.</summary>
    private bool TryParseVertexList(string text, out HashSet<int> actions, out string? error)
    {
        actions = [];
        error = null;
        foreach (var part in text.Split(','))
        {
            int colon = part.IndexOf(':');
            if (colon < 0)
            {
                if (!_game.TryParseAction(part, out int action)) { error = $"'{part}' is not a vertex of a {_game.Size}x{_game.Size} board"; return false; }
                actions.Add(action);
                continue;
            }
            if (!_game.TryParseAction(part[..colon], out int from) || !_game.TryParseAction(part[(colon + 1)..], out int to)
                || from == _game.PassAction || to == _game.PassAction)
            {
                error = $"'{part}' is not a rectangle of two points of a {_game.Size}x{_game.Size} board";
                return false;
            }
            int size = _game.Size;
            for (int y = Math.Min(from / size, to / size); y <= Math.Max(from / size, to / size); y++)
                for (int x = Math.Min(from % size, to % size); x <= Math.Max(from % size, to % size); x++)
                    actions.Add(y * size + x);
        }
        if (actions.Count == 0) { error = "the vertex list is empty"; return false; }
        return true;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>GTP's <c>final_score</c> text for a Black-minus-White score: <c>B+3.5</c>, <c>W+10</c> or <c>0</c>.</summary>
    public static string FormatScore(double score) =>
        score > 0 ? "B+" + score.ToString("0.###", CultureInfo.InvariantCulture)
        : score < 0 ? "W+" + (-score).ToString("0.###", CultureInfo.InvariantCulture)
        : "0";

    private static bool TryParseColour(string text, out int player)
    {
        switch (text.ToLowerInvariant())
        {
            case "b" or "black": player = 0; return true;
            case "w" or "white": player = 1; return true;
            default: player = -1; return false;
        }
    }

    private static bool TryParseReal(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static GtpReply Ok(string text) => new(true, text);
    private static GtpReply Fail(string message) => new(false, message);
    private static GtpReply Syntax(string message) => new(false, "syntax error: " + message);
}

/// <summary>
/// One <c>avoid</c> or <c>allow</c> tag of Leela Zero's analysis commands: for the next <paramref name="Plies"/>
/// moves from the analysed position (plies 0 to <c>Plies − 1</c>, counting both colours), wherever
/// <paramref name="Player"/> is to move in the search, <c>avoid</c> keeps <paramref name="Actions"/> out of the
/// tree and <c>allow</c> keeps everything else out except a pass.
/// </summary>
/// <param name="Player">0 Black, 1 White.</param>
/// <param name="Allow">Whether the tag is <c>allow</c>.</param>
/// <param name="Actions">The moves listed.</param>
/// <param name="Plies">How many moves from the analysed position the tag lasts; at least 1.</param>
public sealed record MoveRestriction(int Player, bool Allow, IReadOnlySet<int> Actions, int Plies);

/// <summary>Parsed arguments of <c>lz-analyze</c> and <c>lz-genmove_analyze</c>.</summary>
/// <param name="Colour">The colour to analyse for (null: the side to move).</param>
/// <param name="Interval">Centiseconds between analysis lines (0: only the final one).</param>
/// <param name="Restrictions">The <c>avoid</c> and <c>allow</c> tags.</param>
public sealed record AnalyzeTags(int? Colour, int Interval, IReadOnlyList<MoveRestriction> Restrictions)
{
    /// <summary>The search filter of the tags for a search from <paramref name="root"/>; null when there are none.</summary>
    public Func<IGameState, int, bool>? Filter(GoState root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (Restrictions.Count == 0) return null;
        var restrictions = Restrictions;
        int rootMoveNumber = root.MoveNumber, pass = root.GoGame.PassAction;
        return (state, action) =>
        {
            int ply = state.MoveNumber - rootMoveNumber, player = state.CurrentPlayer;
            bool allowActive = false, allowed = false;
            foreach (var r in restrictions)
            {
                if (r.Player != player || ply >= r.Plies) continue;
                if (!r.Allow) { if (r.Actions.Contains(action)) return false; }
                else
                {
                    allowActive = true;
                    allowed |= r.Actions.Contains(action);
                }
            }
            return !allowActive || allowed || action == pass;
        };
    }
}