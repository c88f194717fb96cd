using SelfPlayBN.Games.Go;
using SelfPlayBN.Networks;
using SelfPlayBN.Training;
using static TorchSharp.torch;

namespace SelfPlayBN.Trainer.Tests;

/// <summary><c>gtp</c> as a controller runs it: the real executable, GTP on standard input and output, logs on standard error.</summary>
[Collection(TorchCollection.Name)]
public sealed class GtpCommandTests
{
    private static ProcessRunner.Result Gtp(string input, params string[] args)
    {
        string exe = Path.Combine(RepoPaths.Root, "src", "Trainer", "bin", RepoPaths.Configuration, "net10.0", "selfplaybn.dll");
        Assert.True(File.Exists(exe), $"{exe} is not built");
        return ProcessRunner.Run(ProcessRunner.Dotnet, [exe, "gtp", .. args], input, TimeSpan.FromMinutes(2));
    }

    /// <summary>The responses on standard output, each without its closing empty line.</summary>
    private static string[] Responses(string output)
    {
        Assert.EndsWith("\n\n", output);
        return output[..^2].Split("\n\n");
    }

    [Fact]
    public void Plays_over_standard_input_and_output_without_a_network()
    {
        var r = Gtp("1 name\n2 boardsize 9\n3 play b E5\n4 genmove w\n# comment\n5 final_score\n6 frobnicate\n7 quit\n8 name\n",
                    "--oracle", "uniform", "--visits", "8", "--seed", "1", "--threads", "2");
        Assert.Equal(0, r.ExitCode);
        var responses = Responses(r.Output);
        Assert.Equal(7, responses.Length); // nothing after quit
        Assert.Equal("=1 SelfPlayBN", responses[0]);
        Assert.Equal("=2 ", responses[1]);
        Assert.Equal("=3 ", responses[2]);
        Assert.StartsWith("=4 ", responses[3]);
        Assert.True(new GoGame(9).TryParseAction(responses[3][3..], out int move) && move != 40, responses[3]);
        Assert.Matches(@"^=5 (B|W)\+\d+(\.5)?$", responses[4]);
        Assert.Equal("?6 unknown command", responses[5]);
        Assert.Equal("=7 ", responses[6]);
        Assert.Contains("gtp: ", r.Error);
        Assert.Contains("uniform oracle", r.Error);
        Assert.Contains("2 search thread(s)", r.Error);
        Assert.Contains("gtp: W ", r.Error); // the search's log line for genmove w
    }

    [Fact]
    public void Without_weights_or_an_explicit_oracle_it_refuses_to_start()
    {
        foreach (var args in new[] { new[] { "gtp" }, ["gtp", "--oracle", "magic"], ["gtp", "--oracle", "uniform", "--size", "3"] })
        {
            var (code, output, error) = CliTests.Run(args);
            Assert.Equal(Cli.UsageError, code);
            Assert.Equal("", output);
            Assert.StartsWith("error: ", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
    }

    /// <summary><c>gtp --weights FILE</c> stops with exit code 2 and one error line naming <c>--weights</c> and containing <paramref name="expected"/>.</summary>
    private static void AssertWeightsRefused(string file, string expected)
    {
        var (code, output, error) = CliTests.Run("gtp", "--weights", file);
        Assert.Equal(Cli.UsageError, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --weights", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void A_bad_weights_file_gives_one_error_line_and_exit_code_2()
    {
        string dir = Directory.CreateTempSubdirectory("gtp-bad-weights-").FullName;
        try
        {
            string garbage = Path.Combine(dir, "garbage.bin"), truncated = Path.Combine(dir, "truncated.txt");
            File.WriteAllText(garbage, "not weights\n");
            File.WriteAllText(truncated, "1\n0.5 0.25\n0.125\n");
            foreach (var (file, expected) in new[] { (Path.Combine(dir, "missing.txt"), "does not exist"), (garbage, "no run config"), (truncated, "truncated.txt") })
                AssertWeightsRefused(file, expected);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Each_kind_of_file_that_is_not_leela_zero_weights_gets_its_own_error()
    {
        string dir = Directory.CreateTempSubdirectory("gtp-weights-kinds-").FullName;
        try
        {
            string Write(string name, byte[] bytes) { string path = Path.Combine(dir, name); File.WriteAllBytes(path, bytes); return path; }
            static byte[] Gzip(string text)
            {
                using var buffer = new MemoryStream();
                using (var gz = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
                    gz.Write(System.Text.Encoding.ASCII.GetBytes(text));
                return buffer.ToArray();
            }
            var binary = new byte[600];
            new Random(3).NextBytes(binary);
            var cases = new[]
            {
                (Write("empty.txt", []), "empty.txt is empty"),
                // gzip's member for no data (header, an empty deflate block, CRC 0, length 0), as `gzip < /dev/null` writes it
                (Write("empty.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]), "empty.gz (gzip-compressed) is empty"),
                (Write("v3.txt", System.Text.Encoding.ASCII.GetBytes("3\n0.5 0.25\n")), "starts with format version 3"),
                (Write("v17.gz", Gzip("17\n0.5 0.25\n")), "v17.gz (gzip-compressed) starts with format version 17"),
                (Write("noise.bin", binary), "noise.bin is binary"),
                (Write("notes.txt", System.Text.Encoding.ASCII.GetBytes("hello\nworld\n")), "first line, 'hello', is not a format version"),
            };
            foreach (var (file, expected) in cases) AssertWeightsRefused(file, expected);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Plays_with_gzipped_leela_zero_weights()
    {
        string dir = Directory.CreateTempSubdirectory("gtp-lz-gz-").FullName;
        try
        {
            string text = Path.Combine(dir, "tiny.txt"), gz = Path.Combine(dir, "tiny.txt.gz");
            using (var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(blocks: 1, filters: 8))) LeelaZeroWeights.Write(net, text);
            using (var input = File.OpenRead(text))
            using (var output = new System.IO.Compression.GZipStream(File.Create(gz), System.IO.Compression.CompressionLevel.Fastest))
                input.CopyTo(output);
            var r = Gtp("1 genmove b\n2 quit\n", "--weights", gz, "--visits", "4", "--seed", "2");
            Assert.Equal(0, r.ExitCode);
            var responses = Responses(r.Output);
            Assert.True(new GoGame(19).TryParseAction(responses[0][3..], out _), responses[0]);
            Assert.Contains("Leela Zero weights tiny.txt.gz (gzip-compressed) (1x8, format 1)", r.Error);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Plays_with_leela_zero_weights_on_19x19_only()
    {
        string dir = Directory.CreateTempSubdirectory("gtp-lz-").FullName;
        try
        {
            string path = Path.Combine(dir, "tiny.txt");
            using (var net = new ResidualNetwork(LeelaZeroWeights.ShapeFor(blocks: 1, filters: 8))) LeelaZeroWeights.Write(net, path);
            var r = Gtp("1 genmove b\n2 boardsize 9\n3 lz-genmove_analyze w 0\n4 quit\n", "--weights", path, "--visits", "4", "--seed", "2");
            Assert.Equal(0, r.ExitCode);
            var responses = Responses(r.Output);
            Assert.Equal(4, responses.Length);
            Assert.True(new GoGame(19).TryParseAction(responses[0][3..], out _), responses[0]);
            Assert.Equal("?2 unacceptable size", responses[1]);
            var analyse = responses[2].Split('\n');
            Assert.Equal("=3", analyse[0]);
            Assert.StartsWith("play ", analyse[^1]);
            Assert.Contains("Leela Zero weights tiny.txt (1x8, format 1)", r.Error);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Plays_with_a_published_model_of_a_go_run()
    {
        string dir = Directory.CreateTempSubdirectory("gtp-run-").FullName;
        try
        {
            var options = new RunOptions
            {
                Game = "go7",
                Go = new GoOptions { Komi = 6.5, Inputs = "leelaZero" },
                Network = new NetworkOptions { Blocks = 1, Filters = 8, ValueHidden = 8 },
            };
            File.WriteAllText(Path.Combine(dir, "config.json"), options.ToJson());
            Directory.CreateDirectory(Path.Combine(dir, "models"));
            string model = Path.Combine(dir, "models", "model-000001.bin");
            using (var net = Models.Create(new GoGame(7, inputs: GoInputs.LeelaZero), options.Network, 0.9, CPU)) File.WriteAllBytes(model, Models.Save(net));
            var r = Gtp("1 genmove b\n2 boardsize 9\n3 final_score\n4 quit\n", "--weights", model, "--visits", "4");
            Assert.Equal(0, r.ExitCode);
            var responses = Responses(r.Output);
            Assert.True(new GoGame(7).TryParseAction(responses[0][3..], out _), responses[0]);
            Assert.Equal("?2 unacceptable size", responses[1]);
            Assert.Matches(@"^=3 (B\+42\.5|W\+6\.5)$", responses[2]); // komi 6.5 from the run's config: one Black stone owns the board, or Black passed
            Assert.Contains("model model-000001.bin (1x8, LeelaZero inputs)", r.Error);

            var wrong = CliTests.Run("gtp", "--weights", model, "--size", "9");
            Assert.Equal(Cli.UsageError, wrong.Code);
            Assert.Contains("the network plays 7x7", wrong.Err);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
