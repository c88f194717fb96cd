using SelfPlayBN.Games;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Games.Go;
using SelfPlayBN.Games.TicTacToe;
using SelfPlayBN.Search;
using SelfPlayBN.Trainer.Commands;

namespace SelfPlayBN.Trainer.Tests;

public sealed class PositionTextTests
{
    [Fact]
    public void Each_game_reads_its_own_notation()
    {
        var c4 = PositionText.Parse(ConnectFourGame.Instance, "4453");
        Assert.Equal(ConnectFourState.FromMoves("4453").ToString(), c4.ToString());
        var ttt = PositionText.Parse(TicTacToeGame.Instance, "b2a1 c3");
        Assert.Equal(3, ttt.MoveNumber);
        var go = new GoGame(9);
        var s = (GoState)PositionText.Parse(go, " D4 E5 pass ");
        Assert.Equal(3, s.MoveNumber);
        Assert.Equal(1, s.CurrentPlayer); // White to move after three moves
        Assert.Equal(0, PositionText.Parse(go, "").MoveNumber);
    }

    [Fact]
    public void A_go_position_can_be_an_sgf_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"analyze-{Guid.NewGuid():N}.sgf");
        try
        {
            var go = new GoGame(9);
            File.WriteAllText(path, "(;GM[1]FF[4]SZ[9]KM[7.5];B[ee];W[cc];B[gg])");
            var s = (GoState)PositionText.Parse(go, path);
            Assert.Equal(GoState.Black, s.At(4, 4));
            Assert.Equal(GoState.White, s.At(2, 6));
            Assert.Equal(1, s.CurrentPlayer);
            Assert.Contains("does not exist", Assert.Throws<FormatException>(() => PositionText.Parse(go, path + ".missing.sgf")).Message);
            File.WriteAllText(path, "(;GM[1]FF[4]SZ[13];B[ee])");
            Assert.Contains("13×13", Assert.Throws<FormatException>(() => PositionText.Parse(go, path)).Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("48", "connect4")]
    [InlineData("a1 a1", "tictactoe")]
    [InlineData("a1b", "tictactoe")]
    [InlineData("Z9", "go9")]
    public void Bad_lines_throw_format_errors_naming_the_problem(string line, string game)
    {
        IGame g = game switch { "connect4" => ConnectFourGame.Instance, "tictactoe" => TicTacToeGame.Instance, _ => new GoGame(9) };
        var e = Assert.ThrowsAny<FormatException>(() => PositionText.Parse(g, line));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Search_answers_give_visit_shares_and_the_most_visited_move()
    {
        var input = new StringReader("b2\n\n");
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, AnalyzeCommand.Run(TicTacToeGame.Instance, new RolloutOracle(3), 200, json: false, input, output, error));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var words = lines[0].Split(' ');
        Assert.Equal("b2", words[0]);
        Assert.Equal("move", words[1]);
        var shares = words.SkipWhile(w => w != "policy").Skip(1).Select(w => w.Split(':')).ToList();
        Assert.Equal(8, shares.Count);
        Assert.Equal(words[2], shares[0][0]); // the move is the first (largest) share
        Assert.Equal(1.0, shares.Sum(p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)), 2);
        Assert.Contains(shares[0][0], new[] { "a1", "a3", "c1", "c3" }); // against b2 only a corner holds the draw
        Assert.Equal("", error.ToString());
    }
}
