using SelfPlayBN.Games.Go;
using SelfPlayBN.Networks;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// Our engine in matches against the real opponents a user has, through the <c>match</c> command: GNU Go on 9×9 and
/// Leela Zero on 19×19 (Debian's packages, installed by scripts/test.sh). Every game ends with a result our rules
/// give, every move of its SGF replays legally.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class GoMatchTests(TorchFixture torchFixture) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "selfplaybn-gomatch-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string Ours(string arguments) => $"\"{ProcessRunner.Dotnet}\" \"{TrainCommandTests.Exe}\" gtp {arguments}";

    /// <summary>Runs the match and checks the printed games against their SGF files; returns the output.</summary>
    private string Match(string ours, string opponent, int size, params string[] more)
    {
        string sgf = Path.Combine(_dir, "sgf");
        var (code, output, error) = CliTests.Run(["match", "--black", ours, "--white", opponent, "--games", "2", "--size", size.ToString(),
            "--sgf-dir", sgf, .. more]);
        Assert.True(code == 0, error + output);
        var games = output.Split('\n').Where(l => l.StartsWith("game ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, games.Count);
        foreach (var line in games)
        {
            Assert.DoesNotContain("+F", line); // no forfeit: both engines played legal moves to the end
            string path = line[(line.LastIndexOf(", ", StringComparison.Ordinal) + 2)..];
            var record = Sgf.ReadFile(path);
            Assert.Equal(size, record.Size);
            Assert.Matches(@"^[BW]\+(R|\d+(\.\d)?)$|^0$", record.Result);
            var end = record.FinalState(new GoGame(size, record.Komi)); // throws on an illegal move
            Assert.True(end.MoveNumber > 10, $"{path}: only {end.MoveNumber} moves");
        }
        Assert.Contains("| Games | A wins |", output);
        return output;
    }

    [Fact]
    public void Our_engine_plays_a_short_9x9_match_against_GNU_Go()
    {
        Match(Ours("--oracle rollout --size 9 --visits 48 --seed 1"), "/usr/games/gnugo --mode gtp --level 0 --chinese-rules --capture-all-dead", 9);
    }

    [Fact]
    public void Our_engine_plays_Leela_Zero_on_the_same_network_with_a_move_limit()
    {
        Assert.NotNull(torchFixture.Info);
        Directory.CreateDirectory(_dir);
        string weights = Path.Combine(_dir, "tiny.txt");
        random.manual_seed(8);
        using (var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(1, 8)))
        {
            net.eval();
            LeelaZeroWeights.Write(net, weights);
        }
        // A 60-move limit keeps the games short; the match scores the position it stops at by area.
        string output = Match(Ours($"--weights {weights} --visits 16 --resign 0 --seed 1"),
            $"/usr/games/leelaz --gtp --cpu-only --noponder -t 1 -v 16 -r 0 -w {weights}", 19, "--max-moves", "60");
        Assert.Contains("Leela Zero", output);
    }
}
