using System.Globalization;
using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Match;

/// <summary>
/// Plays a match between two GTP engines (<see cref="MatchOptions"/>): engine A is Black in even-numbered
/// games, engine B in odd ones. Every game starts its own two engine processes and sends each
/// <c>boardsize</c>, <c>clear_board</c> and <c>komi</c> (and <c>fixed_handicap</c> in a handicap match, whose
/// stones must be the standard ones); then the side to move gets <c>genmove</c> and its opponent the move with
/// <c>play</c>.
/// </summary>
/// <remarks>
/// The referee is this project's rules engine (<see cref="GoState"/>: Tromp-Taylor, positional superko, no
/// suicide). A game ends on a resignation, on two passes in a row or at the move limit; the last two are
/// scored by the Tromp-Taylor area score of the final position (after two passes each engine's
/// <c>final_score</c> answer is recorded beside it, for information). A move that is not a vertex, not on the board or illegal loses the
/// game for the player who made it; an engine that exits, answers garbage, takes longer than the move
/// timeout or refuses its opponent's legal move loses too (SGF result <c>+F</c>, the reason in the game's
/// comment). Games run <see cref="MatchOptions.Parallel"/> at a time; the progress callback sees each game
/// as it finishes, one at a time. With an SPRT, no new game starts once it has decided; games already
/// running are finished and counted.
/// </remarks>
public sealed class MatchRunner
{
    private readonly MatchOptions _options;
    private readonly GoGame _game;
    private readonly IReadOnlyList<int> _handicap;

    /// <summary>Creates a runner; throws <see cref="ArgumentException"/> for invalid options.</summary>
    public MatchRunner(MatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _game = new GoGame(options.Size, options.Komi);
        _handicap = options.Handicap == 0 ? [] : GoHandicap.FixedActions(_game, options.Handicap)!;
        Start = options.Handicap == 0 ? _game.NewGame() : GoHandicap.Start(_game, _handicap);
    }

    /// <summary>The options in effect.</summary>
    public MatchOptions Options => _options;

    /// <summary>The position every game starts from: the empty board, or Black's handicap stones with White to move.</summary>
    public GoState Start { get; }

    /// <summary>
    /// Starts each engine once, asks its <c>name</c> and <c>version</c> and checks that it takes the board
    /// size; returns the two names (<c>name version</c>). Throws <see cref="GtpEngineException"/> naming the
    /// engine that cannot start or answer.
    /// </summary>
    public async Task<(string EngineA, string EngineB)> CheckEnginesAsync(CancellationToken cancellationToken = default)
    {
        var a = CheckEngineAsync(_options.EngineA, "A", cancellationToken);
        var b = CheckEngineAsync(_options.EngineB, "B", cancellationToken);
        try
        {
            await Task.WhenAll(a, b).ConfigureAwait(false); // both checks end (and their processes are gone) before this returns or throws
        }
        catch (GtpEngineException)
        {
            // Rethrown below, engine A's problem first.
        }
        return (await a.ConfigureAwait(false), await b.ConfigureAwait(false));
    }

    /// <summary>
    /// Checks the engines (<see cref="CheckEnginesAsync"/>), then plays the games and returns them with the
    /// statistics for engine A. <paramref name="onGameFinished"/> is called once per game as it finishes, never
    /// concurrently, with the game and the statistics so far.
    /// </summary>
    public async Task<EngineMatchResult> RunAsync(Action<GameResult, MatchStatistics>? onGameFinished = null, CancellationToken cancellationToken = default)
    {
        var (nameA, nameB) = await CheckEnginesAsync(cancellationToken).ConfigureAwait(false);
        if (_options.SgfDirectory is { } dir) Directory.CreateDirectory(dir);
        var finished = new List<GameResult>();
        var stats = new MatchStatistics(0, 0, 0);
        SprtDecision? decision = _options.Sprt is null ? null : SprtDecision.Continue;
        var gate = new object();
        int next = -1;

        async Task Worker()
        {
            while (true)
            {
                int index = Interlocked.Increment(ref next);
                if (index >= _options.Games) return;
                lock (gate) if (decision is SprtDecision.AcceptH0 or SprtDecision.AcceptH1) return;
                var result = await PlayGameAsync(index, nameA, nameB, cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    finished.Add(result);
                    stats = stats.Add(result.ResultForA);
                    if (_options.Sprt is { } sprt) decision = sprt.Decide(stats);
                    onGameFinished?.Invoke(result, stats);
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Min(_options.Parallel, _options.Games)).Select(_ => Task.Run(Worker, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return new EngineMatchResult(nameA, nameB, finished.OrderBy(g => g.Index).ToList(), stats, decision);
    }

    /// <summary>Plays game <paramref name="index"/> (engine A Black when it is even) with fresh engine processes; writes its SGF when a folder is set.</summary>
    public async Task<GameResult> PlayGameAsync(int index, string nameA, string nameB, CancellationToken cancellationToken = default)
    {
        bool aIsBlack = index % 2 == 0;
        string blackName = aIsBlack ? nameA : nameB, whiteName = aIsBlack ? nameB : nameA;
        var players = new GtpClient?[2];
        var state = Start;
        var actions = new List<int>();
        GameEnd end;
        SgfColour? winner;
        string result;
        string? detail = null, blackFinal = null, whiteFinal = null;
        try
        {
            int starting = 0;
            try
            {
                for (; starting < 2; starting++)
                {
                    bool isA = (starting == 0) == aIsBlack;
                    players[starting] = StartEngine(isA ? _options.EngineA : _options.EngineB, isA ? "A" : "B");
                    await SetUpAsync(players[starting]!, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (GtpEngineException e)
            {
                throw new PlayerFailure(starting, e.Message);
            }

            while (true)
            {
                if (state.ConsecutivePasses >= 2) { end = GameEnd.TwoPasses; break; }
                if (actions.Count >= _options.EffectiveMaxMoves) { end = GameEnd.MoveLimit; break; }
                int mover = state.CurrentPlayer;
                string colour = mover == 0 ? "black" : "white";
                string answer;
                try
                {
                    answer = (await players[mover]!.CommandAsync($"genmove {colour}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false)).Trim();
                }
                catch (GtpEngineException e)
                {
                    throw new PlayerFailure(mover, e.Message);
                }
                if (answer.Equals("resign", StringComparison.OrdinalIgnoreCase))
                {
                    return Finish(index, aIsBlack, blackName, whiteName, state, actions, (SgfColour)(1 - mover), $"{Letter(1 - mover)}+R", GameEnd.Resignation,
                        $"{ColourName(mover)} resigned", null, null);
                }
                string? illegal = null;
                if (!_game.TryParseAction(answer, out int action))
                    illegal = $"{ColourName(mover)} answered '{answer}' to genmove, which is not a move on {_options.Size}×{_options.Size}";
                else if (!state.IsLegal(action))
                    illegal = $"{ColourName(mover)} played {_game.ActionToString(action)} at move {actions.Count + 1}, illegal: " +
                              (state.At(action) != GoState.Empty ? "the point is occupied" : "suicide or a repeated position (positional superko)");
                if (illegal is not null)
                {
                    return Finish(index, aIsBlack, blackName, whiteName, state, actions, (SgfColour)(1 - mover), $"{Letter(1 - mover)}+F", GameEnd.IllegalMove,
                        illegal, null, null);
                }
                state = state.Play(action);
                actions.Add(action);
                try
                {
                    await players[1 - mover]!.CommandAsync($"play {colour} {_game.ActionToString(action)}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (GtpEngineException e)
                {
                    throw new PlayerFailure(1 - mover, e.Message);
                }
            }

            if (end == GameEnd.TwoPasses)
            {
                // Not at the move limit: on an unsettled board GNU Go's final_score takes about a second.
                blackFinal = await FinalScoreAsync(players[0]!, cancellationToken).ConfigureAwait(false);
                whiteFinal = await FinalScoreAsync(players[1]!, cancellationToken).ConfigureAwait(false);
            }
            double score = state.Score();
            winner = score > 0 ? SgfColour.Black : score < 0 ? SgfColour.White : null;
            result = ScoreText(score);
            if (end == GameEnd.MoveLimit) detail = $"stopped at the move limit of {_options.EffectiveMaxMoves} and scored as it stood";
            return Finish(index, aIsBlack, blackName, whiteName, state, actions, winner, result, end, detail, blackFinal, whiteFinal);
        }
        catch (PlayerFailure f)
        {
            int loser = f.Player;
            return Finish(index, aIsBlack, blackName, whiteName, state, actions, (SgfColour)(1 - loser), $"{Letter(1 - loser)}+F", GameEnd.EngineFailure,
                $"{ColourName(loser)}'s engine failed: {f.Message}", null, null);
        }
        finally
        {
            foreach (var p in players)
                if (p is not null) await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    private GameResult Finish(int index, bool aIsBlack, string blackName, string whiteName, GoState state, List<int> actions,
        SgfColour? winner, string result, GameEnd end, string? detail, string? blackFinal, string? whiteFinal)
    {
        double score = state.Score();
        var comment = new List<string>
        {
            $"Game {index + 1} of a match: Black is engine {(aIsBlack ? "A" : "B")} ({(aIsBlack ? _options.EngineA : _options.EngineB)}), " +
            $"White is engine {(aIsBlack ? "B" : "A")} ({(aIsBlack ? _options.EngineB : _options.EngineA)}).",
            $"Ended by {EndText(end)}; Tromp-Taylor score of the final position {ScoreText(score)}.",
        };
        if (detail is not null) comment.Add(detail + ".");
        if (blackFinal is not null || whiteFinal is not null)
            comment.Add($"final_score: Black's engine {blackFinal ?? "no answer"}, White's engine {whiteFinal ?? "no answer"}.");
        var record = SgfRecord.FromMoves(Start, actions) with
        {
            Handicap = _options.Handicap,
            BlackName = blackName,
            WhiteName = whiteName,
            Result = result,
            Rules = "Tromp-Taylor",
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Application = $"{GoEngineInfo.Name}:{GoEngineInfo.Version}",
            Comment = string.Join("\n", comment),
        };
        string? path = null;
        if (_options.SgfDirectory is { } dir)
        {
            path = Path.Combine(dir, $"game-{(index + 1).ToString("D4", CultureInfo.InvariantCulture)}.sgf");
            Sgf.WriteFile(path, record);
        }
        return new GameResult(index, blackName, whiteName, aIsBlack, winner, result, end, actions.Count, score, blackFinal, whiteFinal, detail, path, record);
    }

    private async Task<string> CheckEngineAsync(string commandLine, string letter, CancellationToken cancellationToken)
    {
        await using var engine = StartEngine(commandLine, letter);
        string name = await engine.CommandAsync("name", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        var version = await engine.SendAsync("version", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        await engine.CommandAsync($"boardsize {_options.Size}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        if (_options.Handicap != 0 && (await engine.CommandAsync("known_command fixed_handicap", _options.MoveTimeout, cancellationToken).ConfigureAwait(false)).Trim() != "true")
            throw new GtpEngineException($"engine {engine.Label} does not know fixed_handicap, which a handicap match needs");
        name = name.Trim();
        if (name.Length == 0) name = engine.Label;
        return version.Success && version.Text.Trim().Length > 0 ? $"{name} {version.Text.Trim()}" : name;
    }

    private GtpClient StartEngine(string commandLine, string letter)
    {
        string program;
        try
        {
            program = CommandLineWords.Split(commandLine) is { Count: > 0 } words ? Path.GetFileName(words[0]) : commandLine;
        }
        catch (FormatException)
        {
            program = commandLine; // GtpClient.Start reports the malformed line
        }
        return GtpClient.Start(commandLine, $"{letter}: {program}");
    }

    private async Task SetUpAsync(GtpClient engine, CancellationToken cancellationToken)
    {
        await engine.CommandAsync($"boardsize {_options.Size}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        await engine.CommandAsync("clear_board", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        await engine.CommandAsync($"komi {_options.Komi.ToString("0.###", CultureInfo.InvariantCulture)}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        if (_options.Handicap == 0) return;
        // The engine places the stones itself; they must be the referee's.
        string placed = await engine.CommandAsync($"fixed_handicap {_options.Handicap.ToString(CultureInfo.InvariantCulture)}", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
        var got = placed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(v => _game.TryParseAction(v, out int a) ? a : -1).ToHashSet();
        if (!got.SetEquals(_handicap))
            throw new GtpEngineException($"{engine.Label} placed the handicap stones '{placed.Trim()}', not the standard {string.Join(' ', _handicap.Order().Select(_game.ActionToString))}");
    }

    /// <summary>The engine's <c>final_score</c> answer, or null when it refuses, fails or is broken (it is information only).</summary>
    private async Task<string?> FinalScoreAsync(GtpClient engine, CancellationToken cancellationToken)
    {
        try
        {
            var r = await engine.SendAsync("final_score", _options.MoveTimeout, cancellationToken).ConfigureAwait(false);
            return r.Success ? r.Text.Trim() : null;
        }
        catch (GtpEngineException)
        {
            return null;
        }
    }

    private static string EndText(GameEnd end) => end switch
    {
        GameEnd.TwoPasses => "two passes",
        GameEnd.MoveLimit => "the move limit",
        GameEnd.Resignation => "resignation",
        GameEnd.IllegalMove => "an illegal move",
        _ => "an engine failure",
    };

    /// <summary>A Tromp-Taylor score as a result text: <c>B+3.5</c>, <c>W+10</c> or <c>0</c>.</summary>
    public static string ScoreText(double blackMinusWhite) =>
        blackMinusWhite == 0 ? "0" : $"{(blackMinusWhite > 0 ? "B" : "W")}+{Math.Abs(blackMinusWhite).ToString("0.###", CultureInfo.InvariantCulture)}";

    private static string Letter(int player) => player == 0 ? "B" : "W";

    private static string ColourName(int player) => player == 0 ? "Black" : "White";

    /// <summary>An engine failed during a game: the player (0 Black, 1 White) loses.</summary>
    private sealed class PlayerFailure(int player, string message) : Exception(message)
    {
        public int Player { get; } = player;
    }
}
