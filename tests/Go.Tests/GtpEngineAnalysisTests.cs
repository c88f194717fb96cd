using System.Globalization;
using System.Text.RegularExpressions;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Go.Engine;

namespace SelfPlayBN.Go.Tests;

public sealed partial class GtpEngineAnalysisTests
{
    // One candidate of Leela Zero's analysis line, as Lizzie and Sabaki split it.
    [GeneratedRegex(@"^info move (?<move>[A-HJ-T]\d{1,2}|pass) visits (?<visits>\d+) winrate (?<winrate>\d+) prior (?<prior>\d+) lcb (?<lcb>\d+) order (?<order>\d+) pv(?<pv>( ([A-HJ-T]\d{1,2}|pass))+)$")]
    private static partial Regex Candidate();

    private sealed record Parsed(string Move, int Visits, int Winrate, int Prior, int Lcb, int Order, string[] Pv);

    private static List<Parsed> ParseLine(string line)
    {
        Assert.StartsWith("info move ", line);
        var parts = line.Split("info ", StringSplitOptions.RemoveEmptyEntries).Select(p => "info " + p.TrimEnd()).ToList();
        return parts.Select(p =>
        {
            var m = Candidate().Match(p);
            Assert.True(m.Success, $"not in Leela Zero's format: '{p}'");
            int I(string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            return new Parsed(m.Groups["move"].Value, I("visits"), I("winrate"), I("prior"), I("lcb"), I("order"), m.Groups["pv"].Value.Trim().Split(' '));
        }).ToList();
    }

    private static void AssertConsistent(List<Parsed> moves, GoGame game, bool orderedByVisits = true)
    {
        Assert.NotEmpty(moves);
        for (int i = 0; i < moves.Count; i++)
        {
            var m = moves[i];
            Assert.Equal(i, m.Order);
            Assert.Equal(m.Move, m.Pv[0]);
            Assert.True(game.TryParseAction(m.Move, out _), m.Move);
            Assert.InRange(m.Winrate, 0, 10_000);
            Assert.InRange(m.Prior, 0, 10_000);
            Assert.InRange(m.Lcb, 0, m.Winrate);
            Assert.True(m.Visits >= 1);
            if (orderedByVisits && i > 0) Assert.True(moves[i - 1].Visits >= m.Visits, "candidates are ordered by visits");
        }
        Assert.Equal(moves.Count, moves.Select(m => m.Move).Distinct().Count());
    }

    [Fact]
    public void Lz_analyze_streams_lines_in_leela_zero_format_until_the_next_command_arrives()
    {
        var engine = new GtpEngine(new GoSearchPlayer(_ => Search.UniformOracle.Instance, new GoSearchOptions { Chunk = 4, Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 9, Visits = 16, ResignWinrate = null, AnalysisVisits = 1_000_000 });
        using var s = new GtpSession(engine);
        Assert.Equal("= ", s.Send("play b E5"));
        s.Input.Send("5 lz-analyze w 1");
        Assert.Equal("=5", s.Output.ReadLine());
        var first = ParseLine(s.Output.ReadLine());
        var second = ParseLine(s.Output.ReadLine()); // analysis goes on while no command arrives
        AssertConsistent(first, engine.Game);
        AssertConsistent(second, engine.Game);
        Assert.True(second.Sum(m => m.Visits) >= first.Sum(m => m.Visits));
        Assert.DoesNotContain(first, m => m.Move == "E5");
        s.Input.Send("6 name");
        // Lines written before the command was seen may still come; then the empty line that ends the response.
        string line;
        while ((line = s.Output.ReadLine()).Length > 0) AssertConsistent(ParseLine(line), engine.Game);
        Assert.Equal($"=6 {GoEngineInfo.Name}", s.ReadResponse());
        Assert.Equal(1, engine.Position.MoveNumber); // analysis plays nothing
        Assert.Equal("= ", s.Send("play w C3"));
    }

    [Fact]
    public void Lz_analyze_at_the_end_of_input_ends_its_response_and_the_server_stops()
    {
        var input = new StringReader("lz-analyze 0\n");
        var output = new StringWriter();
        new GtpServer(Engines.Uniform(size: 5)).Run(input, output);
        Assert.Equal("=\n\n", output.ToString());
    }

    [Fact]
    public void Lz_genmove_analyze_streams_analysis_then_plays_and_ends_with_the_move()
    {
        var engine = new GtpEngine(new GoSearchPlayer(_ => Search.UniformOracle.Instance, new GoSearchOptions { Chunk = 2, Search = new() { Seed = 1 } }),
            new GtpEngineOptions { BoardSize = 9, Visits = 64, ResignWinrate = null });
        using var s = new GtpSession(engine);
        s.Input.Send("3 lz-genmove_analyze b 1");
        var lines = s.ReadResponse().Split('\n');
        Assert.Equal("=3", lines[0]);
        Assert.StartsWith("play ", lines[^1]);
        string move = lines[^1]["play ".Length..];
        Assert.True(engine.Game.TryParseAction(move, out int action), move);
        Assert.Equal(GoState.Black, engine.Position.At(action));
        foreach (var l in lines[1..^1]) AssertConsistent(ParseLine(l), engine.Game);
        Assert.Equal("=4 2", s.Send("4 protocol_version"));
    }

    [Fact]
    public void Figures_are_truncated_to_units_of_one_ten_thousandth_as_leela_zero_prints_them()
    {
        var game = new GoGame(5);
        var root = game.NewGame();
        var pv = System.Collections.Immutable.ImmutableArray.Create(0);
        var analysis = new SearchAnalysis(root, 3, TimeSpan.Zero, [new MoveAnalysis(0, 3, 0.52349, 0.12999, 0.0, pv)], 0);
        var parsed = Assert.Single(ParseLine(LeelaZeroAnalysis.Format(analysis)));
        Assert.Equal(5234, parsed.Winrate); // rounding would give 5235
        Assert.Equal(1299, parsed.Prior);   // and 1300
    }

    private static GtpEngine RolloutEngine(int visits) =>
        new(new GoSearchPlayer(t => new Search.RolloutOracle(5 + t), new GoSearchOptions { Chunk = 8, Search = new() { Seed = 4, FpuMode = Search.FpuMode.Absolute, FpuValue = 1 } }),
            new GtpEngineOptions { BoardSize = 5, Visits = visits, ResignWinrate = null });

    /// <summary>The final analysis line and the move of <c>lz-genmove_analyze</c> with <paramref name="tags"/>.</summary>
    private static (List<Parsed> Final, string Move) GenMoveAnalyze(GtpSession s, string tags)
    {
        s.Input.Send($"lz-genmove_analyze b 0 {tags}");
        var lines = s.ReadResponse().Split('\n');
        Assert.Equal("=", lines[0]);
        Assert.StartsWith("play ", lines[^1]);
        return (ParseLine(lines[^2]), lines[^1]["play ".Length..]);
    }

    [Fact]
    public void Avoid_keeps_moves_out_of_the_search_for_that_colour_and_that_many_moves()
    {
        var engine = RolloutEngine(visits: 300);
        using var s = new GtpSession(engine);
        // Black avoids the centre 3x3 (a rectangle) and A1 at the root; White avoids B2 and D4 on its first reply.
        var (final, move) = GenMoveAnalyze(s, "avoid b B2:D4,A1 1 avoid w B2,D4 2");
        var centre = new HashSet<string> { "B2", "B3", "B4", "C2", "C3", "C4", "D2", "D3", "D4", "A1" };
        Assert.DoesNotContain(move, centre);
        Assert.True(final.Count >= 5, $"only {final.Count} moves searched");
        Assert.All(final, m => Assert.DoesNotContain(m.Move, centre));
        Assert.All(final.Where(m => m.Pv.Length > 1), m => Assert.DoesNotContain(m.Pv[1], new[] { "B2", "D4" })); // White's reply
        // Only for the plies named: Black's second move (ply 2) may use the centre again, and without tags it is searched.
        Assert.Contains(final.Where(m => m.Pv.Length > 2).Select(m => m.Pv[2]), v => centre.Contains(v));
        Assert.Equal("= ", s.Send("undo"));
        var (free, _) = GenMoveAnalyze(s, "");
        Assert.Contains(free, m => centre.Contains(m.Move));
    }

    [Fact]
    public void Allow_keeps_only_the_listed_moves_and_pass()
    {
        var engine = RolloutEngine(visits: 120);
        using var s = new GtpSession(engine);
        var (final, move) = GenMoveAnalyze(s, "allow black A1,E5 1");
        Assert.Contains(move, new[] { "A1", "E5", "pass" });
        Assert.All(final, m => Assert.Contains(m.Move, new[] { "A1", "E5", "pass" }));
        Assert.Contains(final, m => m.Move == "pass");
        // Another colour's allow leaves Black free.
        Assert.Equal("= ", s.Send("undo"));
        var (free, _) = GenMoveAnalyze(s, "allow w A1 1");
        Assert.Contains(free, m => m.Move is not ("A1" or "pass"));
    }

    [Theory]
    [InlineData("lz-analyze b avoid b D4 1 2 3", "cannot parse analyze tags: unexpected '3'")]
    [InlineData("lz-analyze avoid b D4", "cannot parse analyze tags: 'avoid' takes a colour, a comma-separated list of vertices and a number of moves")]
    [InlineData("lz-analyze avoid x D4 1", "cannot parse analyze tags: 'x' is not a colour")]
    [InlineData("lz-analyze avoid b Z9 1", "cannot parse analyze tags: 'Z9' is not a vertex of a 5x5 board")]
    [InlineData("lz-analyze avoid b A1:pass 1", "cannot parse analyze tags: 'A1:pass' is not a rectangle of two points of a 5x5 board")]
    [InlineData("lz-analyze avoid b D4 0", "cannot parse analyze tags: '0' is not a number of moves (at least 1)")]
    [InlineData("lz-analyze allow b D4 1 avoid b C3 1", "cannot parse analyze tags: 'allow' and 'avoid' of points for black cannot be combined")]
    [InlineData("lz-genmove_analyze b minmoves 3", "cannot parse analyze tags: 'minmoves' is not supported")]
    public void Malformed_tags_are_refused_with_leela_zero_s_message(string command, string expected)
    {
        using var s = new GtpSession(RolloutEngine(visits: 8));
        Assert.Equal("? " + expected, s.Send(command));
        Assert.Equal("= ", s.Send("play b C3")); // nothing was played or changed
        Assert.Equal(1, s.Engine.Position.MoveNumber);
    }

    [Fact]
    public void The_analysis_line_carries_the_search_statistics()
    {
        var game = new GoGame(5);
        var player = new GoSearchPlayer(_ => new Search.RolloutOracle(1), new GoSearchOptions { Threads = 2, Search = new() { Seed = 3 } });
        var analysis = player.Think(game.NewGame(), new SearchLimits(200, null));
        var parsed = ParseLine(LeelaZeroAnalysis.Format(analysis));
        AssertConsistent(parsed, game);
        Assert.Equal(analysis.Moves.Count, parsed.Count);
        for (int i = 0; i < parsed.Count; i++)
        {
            var m = analysis.Moves[i];
            Assert.Equal(game.ActionToString(m.Action), parsed[i].Move);
            Assert.Equal(m.Visits, parsed[i].Visits);
            // Leela Zero truncates to units of 1/10,000: the printed figure is the whole part, never rounded up.
            Assert.InRange(m.Winrate * 10_000 - parsed[i].Winrate, -1e-3, 1);
            Assert.InRange(m.Prior * 10_000 - parsed[i].Prior, -1e-3, 1);
            Assert.Equal(m.PrincipalVariation.Select(game.ActionToString), parsed[i].Pv);
        }
        Assert.Equal(analysis.Visits - 2, analysis.Moves.Sum(m => m.Visits)); // each tree's first visit expands its root
        Assert.Equal(analysis.BestAction, analysis.Moves[0].Action);
    }

    /// <summary>Leela Zero text weights (version 1) of a network with one block of 8 filters: small constant weights, unit variances.</summary>
    private static string TinyLeelaZeroWeights()
    {
        const int c = 8;
        var sb = new System.Text.StringBuilder("1\n");
        void Line(int n, string value) => sb.AppendJoin(' ', Enumerable.Repeat(value, n)).Append('\n');
        void Conv(int inputs, int k, int outputs) { Line(outputs * inputs * k * k, "0.01"); Line(outputs, "0"); Line(outputs, "0"); Line(outputs, "1"); }
        Conv(18, 3, c);
        Conv(c, 3, c);
        Conv(c, 3, c);
        Conv(c, 1, 2);
        Line(362 * 722, "0.001");
        Line(362, "0");
        Conv(c, 1, 1);
        Line(256 * 361, "0.001");
        Line(256, "0");
        Line(256, "0.01");
        Line(1, "0");
        return sb.ToString();
    }

    [Fact]
    public void The_reader_of_these_tests_reads_leela_zeros_own_lz_analyze_output()
    {
        const string LeelaZero = "/usr/games/leelaz";
        Assert.True(File.Exists(LeelaZero), $"{LeelaZero} is not installed (Debian package leela-zero; scripts/test.sh installs it)");
        string weights = Path.Combine(Path.GetTempPath(), $"selfplaybn-tiny-lz-{Environment.ProcessId}.txt");
        File.WriteAllText(weights, TinyLeelaZeroWeights());
        try
        {
            using var lz = new GtpProcess(LeelaZero, "--weights", weights, "--gtp", "--noponder", "--cpu-only", "--threads", "1", "--visits", "40");
            lz.Write("7 lz-analyze b 1");
            Assert.Equal("=7", lz.ReadLine());
            AssertConsistent(ParseLine(lz.ReadLine()), new GoGame(19), orderedByVisits: false); // Leela Zero may rank by its own bound
            lz.Write("8 name");
            string line;
            while ((line = lz.ReadLine()).Length > 0) AssertConsistent(ParseLine(line), new GoGame(19), orderedByVisits: false);
            Assert.StartsWith("=8 ", lz.ReadLine()); // then Leela Zero answers the command that stopped the analysis
            Assert.Equal("", lz.ReadLine());
        }
        finally { File.Delete(weights); }
    }
}
