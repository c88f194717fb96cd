using System.Text.RegularExpressions;
using SelfPlayBN.Games;
using SelfPlayBN.Trainer.Commands;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>The <c>demo</c> command's game: what it prints is a legal game with the result it states.</summary>
public sealed partial class DemoCommandTests
{
    [GeneratedRegex(@"^move (\d+): ([XO]) plays (\S+)", RegexOptions.Multiline)]
    private static partial Regex MoveLine();

    [Theory]
    [InlineData("tictactoe", 1)]
    [InlineData("tictactoe", 2)]
    [InlineData("connect4", 1)]
    public void The_printed_game_replays_legally_to_the_printed_result(string gameName, int seed)
    {
        var (code, output, error) = CliTests.Run("demo", "--game", gameName, "--simulations", "200", "--seed", seed.ToString());
        Assert.True(code == 0, error);
        var game = DemoCommand.Games.Single(g => g.Name == gameName);
        IGameState state = game.NewInitialState();
        int expectedMove = 1;
        foreach (Match m in MoveLine().Matches(output))
        {
            Assert.Equal(expectedMove++, int.Parse(m.Groups[1].Value));
            Assert.Equal(state.CurrentPlayer == 0 ? "X" : "O", m.Groups[2].Value);
            Assert.True(game.TryParseAction(m.Groups[3].Value, out int action), $"'{m.Groups[3].Value}' is not an action");
            Assert.True(state.IsLegal(action), $"move {m.Groups[1].Value} ({m.Groups[3].Value}) is illegal");
            state = state.Apply(action);
        }
        Assert.True(state.IsTerminal, "the printed game does not reach the end");
        string result = output.Split('\n').Single(l => l.StartsWith("result: ", StringComparison.Ordinal));
        string expected = state.Returns(0) > 0 ? "result: X" : state.Returns(0) < 0 ? "result: O" : "result: draw";
        Assert.StartsWith(expected, result);
        Assert.Contains($"after {state.MoveNumber} moves", result);
    }

    [Theory]
    [InlineData("--game", "chess")]
    [InlineData("--simulations", "0")]
    public void Bad_settings_are_named(string option, string value)
    {
        var (code, _, error) = CliTests.Run("demo", option, value);
        Assert.Equal(Cli.UsageError, code);
        Assert.Contains(value, error);
    }
}
