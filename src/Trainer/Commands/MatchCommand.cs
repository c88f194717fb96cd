using System.CommandLine;
using System.Globalization;
using SelfPlayBN.Go.Match;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>match --black CMD --white CMD</c>: plays Go games between two GTP engines given by their command lines
/// (<see cref="MatchRunner"/>: colours alternate, the <c>--black</c> engine, "engine A", has Black in the odd
/// games 1, 3, 5, …; games are refereed and scored by this project's Tromp-Taylor rules), prints one line per
/// finished game and a Markdown summary with engine A's win rate (95% Wilson interval) and Elo difference.
/// </summary>
/// <remarks>
/// Bad arguments and an engine that cannot start or does not answer <c>name</c> give one <c>error:</c> line
/// and exit code 2; an engine that fails during a game loses that game and the match goes on.
/// </remarks>
internal static class MatchCommand
{
    public static Command Create(TextWriter output)
    {
        var black = new Option<string>("--black") { Description = "Command line of engine A, Black in the first game (quotes as in a shell), e.g. \"/usr/games/gnugo --mode gtp --level 1 --chinese-rules --capture-all-dead\".", Required = true };
        var white = new Option<string>("--white") { Description = "Command line of engine B, White in the first game.", Required = true };
        var games = new Option<int>("--games") { Description = "Number of games; colours alternate.", DefaultValueFactory = _ => 2 };
        var size = new Option<int>("--size") { Description = "Board size, 5 to 19.", DefaultValueFactory = _ => 9 };
        var komi = new Option<double>("--komi") { Description = "Komi.", DefaultValueFactory = _ => 7.5 };
        var handicap = new Option<int>("--handicap") { Description = "Handicap stones for Black in every game (0, or 2..9 on odd boards from 9x9, 2..4 on 7x7 and even boards), on GTP's fixed points; White moves first. Usually with --komi 0.5.", DefaultValueFactory = _ => 0 };
        var sgfDir = new Option<string?>("--sgf-dir") { Description = "Folder for one SGF file per game (game-0001.sgf, …), created if missing." };
        var maxMoves = new Option<int?>("--max-moves") { Description = "Moves after which a game is stopped and scored as it stands (default 3·size²)." };
        var parallel = new Option<int>("--parallel") { Description = "Games played at the same time (each with its own two engine processes).", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds an engine may take for one move (or any command) before it loses the game.", DefaultValueFactory = _ => 60 };
        var sprt = new Option<string?>("--sprt") { Description = "Stop early by a sequential probability ratio test of engine A's Elo advantage: 'elo0,elo1' (e.g. 0,50)." };
        var alpha = new Option<double>("--sprt-alpha") { Description = "SPRT: probability of accepting elo1 when elo0 holds.", DefaultValueFactory = _ => 0.05 };
        var beta = new Option<double>("--sprt-beta") { Description = "SPRT: probability of accepting elo0 when elo1 holds.", DefaultValueFactory = _ => 0.05 };
        var cmd = new Command("match",
            "Play Go games between two GTP engines, colours alternating, refereed and scored by Tromp-Taylor rules; " +
            "prints each game and a Markdown summary: engine A's (--black's) wins, win rate with a 95% Wilson interval and Elo difference with its interval.");
        foreach (var o in new Option[] { black, white, games, size, komi, handicap, sgfDir, maxMoves, parallel, timeout, sprt, alpha, beta }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            double seconds = parse.GetValue(timeout);
            if (!(seconds > 0) || double.IsInfinity(seconds)) throw new UserInputException($"--timeout must be a positive number of seconds, got {seconds}");
            var options = new MatchOptions
            {
                EngineA = parse.GetValue(black) ?? "",
                EngineB = parse.GetValue(white) ?? "",
                Games = parse.GetValue(games),
                Size = parse.GetValue(size),
                Komi = parse.GetValue(komi),
                Handicap = parse.GetValue(handicap),
                SgfDirectory = parse.GetValue(sgfDir),
                MaxMoves = parse.GetValue(maxMoves),
                Parallel = parse.GetValue(parallel),
                MoveTimeout = TimeSpan.FromSeconds(seconds),
                Sprt = parse.GetValue(sprt) is { } text ? ParseSprt(text, parse.GetValue(alpha), parse.GetValue(beta)) : null,
            };
            MatchRunner runner;
            try
            {
                runner = new MatchRunner(options);
            }
            catch (ArgumentException e)
            {
                throw new UserInputException(e.Message);
            }
            return Run(runner, output);
        });
        return cmd;
    }

    /// <summary>Parses <c>elo0,elo1</c>; throws <see cref="UserInputException"/> for anything else.</summary>
    internal static Sprt ParseSprt(string text, double alpha, double beta)
    {
        var parts = text.Split(',');
        if (parts.Length != 2
            || !double.TryParse(parts[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double elo0)
            || !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double elo1))
            throw new UserInputException($"--sprt must be 'elo0,elo1' (two numbers, e.g. 0,50), got '{text}'");
        var sprt = new Sprt(elo0, elo1, alpha, beta);
        try
        {
            sprt.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UserInputException(e.Message);
        }
        return sprt;
    }

    private static int Run(MatchRunner runner, TextWriter output)
    {
        var o = runner.Options;
        EngineMatchResult match;
        try
        {
            match = runner.RunAsync((g, s) =>
            {
                string sgf = g.SgfPath is null ? "" : $", {g.SgfPath}";
                string detail = g.Detail is null || g.End is GameEnd.MoveLimit ? "" : $" ({g.Detail})";
                output.WriteLine($"game {g.Index + 1}/{o.Games}: Black {(g.EngineAIsBlack ? "A" : "B")}, White {(g.EngineAIsBlack ? "B" : "A")}: " +
                                 $"{g.Result} by {EndText(g.End)} after {g.Moves} moves{detail}; A {s.Wins}-{s.Losses}-{s.Draws}{sgf}");
                output.Flush();
            }).GetAwaiter().GetResult();
        }
        catch (GtpEngineException e)
        {
            throw new UserInputException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && o.SgfDirectory is not null)
        {
            throw new UserInputException($"cannot write SGF files to {o.SgfDirectory}: {e.Message}");
        }
        output.WriteLine();
        output.Write(Summary(match, o));
        return 0;
    }

    /// <summary>The Markdown summary of a match.</summary>
    internal static string Summary(EngineMatchResult match, MatchOptions o)
    {
        var s = match.Statistics;
        var w = new StringWriter { NewLine = "\n" };
        w.WriteLine($"### Match: {o.Size}×{o.Size}, komi {Num(o.Komi, "0.###")}{(o.Handicap > 0 ? $", handicap {o.Handicap}" : "")}, {s.Games} of {o.Games} games");
        w.WriteLine();
        w.WriteLine("| Engine | Name | Command line |");
        w.WriteLine("|---|---|---|");
        w.WriteLine($"| A | {Cell(match.EngineAName)} | `{Cell(o.EngineA)}` |");
        w.WriteLine($"| B | {Cell(match.EngineBName)} | `{Cell(o.EngineB)}` |");
        w.WriteLine();
        w.WriteLine("| Games | A wins | A losses | Draws | A score (95% Wilson) | Elo A − B (95%) | Black wins |");
        w.WriteLine("|---|---|---|---|---|---|---|");
        string score = "–", elo = "–";
        if (s.Games > 0)
        {
            var (lo, hi) = s.ScoreInterval;
            score = $"{Num(s.Score, "0.000")} ({Num(lo, "0.000")}–{Num(hi, "0.000")})";
            var (elo0, elo1) = s.EloInterval;
            elo = $"{FormatElo(s.Elo)} ({FormatElo(elo0)} to {FormatElo(elo1)})";
        }
        int blackWins = match.Games.Count(g => g.Winner == Games.Go.SgfColour.Black);
        w.WriteLine($"| {s.Games} | {s.Wins} | {s.Losses} | {s.Draws} | {score} | {elo} | {blackWins} |");
        if (o.Sprt is { } sprt && match.Sprt is { } decision)
        {
            w.WriteLine();
            string verdict = decision switch
            {
                SprtDecision.AcceptH1 => $"H1 accepted (Elo = {Num(sprt.Elo1, "0.#")})",
                SprtDecision.AcceptH0 => $"H0 accepted (Elo = {Num(sprt.Elo0, "0.#")})",
                _ => "no decision yet",
            };
            w.WriteLine($"SPRT elo0 {Num(sprt.Elo0, "0.#")}, elo1 {Num(sprt.Elo1, "0.#")}, α {Num(sprt.Alpha, "0.###")}, β {Num(sprt.Beta, "0.###")}: " +
                        $"LLR {Num(sprt.LogLikelihoodRatio(s), "0.00")} in [{Num(sprt.LowerBound, "0.00")}, {Num(sprt.UpperBound, "0.00")}]: {verdict}.");
        }
        var ends = match.Games.GroupBy(g => g.End).OrderBy(g => g.Key).Select(g => $"{EndText(g.Key)} {g.Count()}");
        w.WriteLine();
        w.WriteLine($"Ends: {string.Join(", ", ends)}.");
        return w.ToString();
    }

    private static string EndText(GameEnd end) => end switch
    {
        GameEnd.TwoPasses => "two passes",
        GameEnd.MoveLimit => "move limit",
        GameEnd.Resignation => "resignation",
        GameEnd.IllegalMove => "illegal move",
        _ => "engine failure",
    };

    /// <summary>An Elo difference in whole points with its sign (<c>+12</c>, <c>-7</c>), <c>0</c> for anything that rounds to zero (even −0.0, which an even score gives), <c>±∞</c> at the ends.</summary>
    internal static string FormatElo(double elo)
    {
        if (double.IsPositiveInfinity(elo)) return "+∞";
        if (double.IsNegativeInfinity(elo)) return "-∞";
        double whole = Math.Round(elo);
        return whole > 0 ? "+" + Num(whole, "0") : whole < 0 ? Num(whole, "0") : "0";
    }

    private static string Num(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("`", "'");
}
