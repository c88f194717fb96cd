using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Go.Match;

/// <summary>
/// What a match plays: two GTP engines given by command lines, engine A (Black in even-numbered games, counted
/// from 0) and engine B, alternating colours; the board, komi and limits.
/// </summary>
public sealed record MatchOptions
{
    /// <summary>Command line of engine A (Black in games 0, 2, 4, …).</summary>
    public required string EngineA { get; init; }
    /// <summary>Command line of engine B (Black in games 1, 3, 5, …).</summary>
    public required string EngineB { get; init; }
    /// <summary>Number of games, at least 1 (fewer are played when an SPRT stops early).</summary>
    public int Games { get; init; } = 2;
    /// <summary>Board side, <see cref="GoGame.MinSize"/>..<see cref="GoGame.MaxSize"/>.</summary>
    public int Size { get; init; } = 9;
    /// <summary>Komi given to both engines and used by the Tromp-Taylor adjudication.</summary>
    public double Komi { get; init; } = 7.5;
    /// <summary>Handicap stones for Black in every game (0: none; else 2 up to <see cref="GoHandicap.MaxFixed"/> of the
    /// size), on the fixed points of GTP v2: both engines get <c>fixed_handicap</c>, and White moves first.</summary>
    public int Handicap { get; init; }
    /// <summary>Moves (passes included) after which a game is stopped and scored; null for 3·size², the rules engine's own limit.</summary>
    public int? MaxMoves { get; init; }
    /// <summary>Games played at the same time, each with its own two engine processes; at least 1.</summary>
    public int Parallel { get; init; } = 1;
    /// <summary>The longest an engine may take to answer one command (a move included); past it, that engine loses the game.</summary>
    public TimeSpan MoveTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Folder for one SGF file per game (<c>game-NNNN.sgf</c>), created if missing; null writes none.</summary>
    public string? SgfDirectory { get; init; }
    /// <summary>A sequential test that stops the match early once decided (games already running are finished and counted); null plays every game.</summary>
    public Sprt? Sprt { get; init; }

    /// <summary>The move limit in effect.</summary>
    public int EffectiveMaxMoves => MaxMoves ?? 3 * Size * Size;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(EngineA)) throw new ArgumentException("engine A's command line is empty");
        if (string.IsNullOrWhiteSpace(EngineB)) throw new ArgumentException("engine B's command line is empty");
        if (Games < 1) throw new ArgumentException($"the number of games must be at least 1, not {Games}");
        if (Size < GoGame.MinSize || Size > GoGame.MaxSize) throw new ArgumentException($"board size must be {GoGame.MinSize}..{GoGame.MaxSize}, not {Size}");
        if (!double.IsFinite(Komi)) throw new ArgumentException($"komi must be a finite number, not {Komi}");
        if (Handicap != 0 && GoHandicap.FixedPoints(Handicap, Size) is null)
            throw new ArgumentException(GoHandicap.MaxFixed(Size) == 0
                ? $"no fixed handicap on {Size}×{Size} (the GTP layout needs 7×7 or larger)"
                : $"handicap must be 0 or 2..{GoHandicap.MaxFixed(Size)} on {Size}×{Size}, not {Handicap}");
        if (MaxMoves is { } m && (m < 1 || m > 3 * Size * Size))
            throw new ArgumentException($"the move limit must be 1..{3 * Size * Size} (3·size²) on {Size}×{Size}, not {m}");
        if (Parallel < 1) throw new ArgumentException($"parallel games must be at least 1, not {Parallel}");
        if (MoveTimeout <= TimeSpan.Zero) throw new ArgumentException($"the move timeout must be positive, not {MoveTimeout}");
        Sprt?.Validate();
    }
}

/// <summary>How a game ended.</summary>
public enum GameEnd
{
    /// <summary>Two passes in a row; scored by Tromp-Taylor.</summary>
    TwoPasses,
    /// <summary>The move limit was reached; scored by Tromp-Taylor as the board stood.</summary>
    MoveLimit,
    /// <summary>A player resigned.</summary>
    Resignation,
    /// <summary>A player played a move that is illegal under the match's rules (Tromp-Taylor, positional superko, no suicide) and lost.</summary>
    IllegalMove,
    /// <summary>A player's engine failed (exited, timed out, answered garbage or refused a legal move of its opponent) and lost.</summary>
    EngineFailure,
}

/// <summary>One finished game of a match.</summary>
/// <param name="Index">Game number from 0; engine A is Black when it is even.</param>
/// <param name="BlackName">Black engine's GTP <c>name</c> and <c>version</c> (or its label when it did not answer).</param>
/// <param name="WhiteName">White engine's name, likewise.</param>
/// <param name="EngineAIsBlack">Whether engine A had Black.</param>
/// <param name="Winner">The winner's colour, null for a draw.</param>
/// <param name="Result">SGF result text: <c>B+3.5</c>, <c>W+R</c> (resignation), <c>B+F</c> (forfeit: illegal move or engine failure), <c>0</c> (draw).</param>
/// <param name="End">How it ended.</param>
/// <param name="Moves">Legal moves played (passes included).</param>
/// <param name="TrompTaylorScore">Black's area minus White's area minus komi of the final position (by this project's rules), also for games that did not end by scoring.</param>
/// <param name="BlackFinalScore">Black engine's answer to <c>final_score</c> after two passes, null when not asked (other ends) or not answered.</param>
/// <param name="WhiteFinalScore">White engine's answer to <c>final_score</c>, likewise.</param>
/// <param name="Detail">What happened at the end in words (e.g. the illegal move and why), or null.</param>
/// <param name="SgfPath">The game's SGF file, null when none was written.</param>
/// <param name="Record">The game record as written (names, result, moves).</param>
public sealed record GameResult(
    int Index,
    string BlackName,
    string WhiteName,
    bool EngineAIsBlack,
    SgfColour? Winner,
    string Result,
    GameEnd End,
    int Moves,
    double TrompTaylorScore,
    string? BlackFinalScore,
    string? WhiteFinalScore,
    string? Detail,
    string? SgfPath,
    SgfRecord Record)
{
    /// <summary>+1 when engine A won, −1 when it lost, 0 for a draw.</summary>
    public int ResultForA => Winner is null ? 0 : (Winner == SgfColour.Black) == EngineAIsBlack ? 1 : -1;
}

/// <summary>A finished match: every game in order, the statistics for engine A, and the SPRT decision when one ran.</summary>
/// <param name="EngineAName">Engine A's GTP name and version.</param>
/// <param name="EngineBName">Engine B's GTP name and version.</param>
/// <param name="Games">The games played, by index.</param>
/// <param name="Statistics">Engine A's wins, losses and draws.</param>
/// <param name="Sprt">The SPRT decision after the last game, null when no SPRT ran.</param>
public sealed record EngineMatchResult(string EngineAName, string EngineBName, IReadOnlyList<GameResult> Games, MatchStatistics Statistics, SprtDecision? Sprt);
