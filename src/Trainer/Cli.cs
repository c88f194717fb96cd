using System.CommandLine;
using SelfPlayBN.Trainer.Commands;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer;

/// <summary>
/// Builds the command line: one subcommand per file in <c>Commands/</c>. <c>train</c> is the default
/// subcommand, so running the program with no subcommand (or with only options) trains.
/// Parse errors print one line to standard error and exit with code 2.
/// </summary>
internal static class Cli
{
    /// <summary>Exit code for bad arguments or bad input.</summary>
    public const int UsageError = 2;

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("SelfPlayBN: AlphaZero-style self-play training that gets BatchNorm right.");
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(DemoCommand.Create(output));
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(InfoCommand.Create(output));
        root.Subcommands.Add(SolveCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));
        root.Subcommands.Add(StudyCommand.Create(output));
        root.Subcommands.Add(ExportLzCommand.Create(output));
        root.Subcommands.Add(MatchCommand.Create(output));
        root.Subcommands.Add(GtpCommand.Create(Console.In, output, error));
        root.Subcommands.Add(AnalyzeCommand.Create(() => Console.In, output, error));
        root.Subcommands.Add(NodeCommand.Create(output));
        TorchCli.AddTo(root);
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output, error);
        args = WithDefaultCommand(root, args);
        // Ctrl+C or SIGTERM cancels the command's token; the command then stops cleanly (a cluster node leaves the cluster
        // and hands its singletons over, training writes its checkpoint). System.CommandLine's default grace of 2 s
        // cut that short (exit code 143); a minute bounds a stop that hangs.
        var config = new InvocationConfiguration
        {
            Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromMinutes(1),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message).Distinct())} (see --help)");
            return UsageError;
        }
        try
        {
            return parsed.Invoke(config);
        }
        catch (UserInputException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
    }

    /// <summary>Inserts <c>train</c> when the first argument is not a subcommand or a root-level option.</summary>
    internal static string[] WithDefaultCommand(RootCommand root, string[] args)
    {
        if (args.Length > 0)
        {
            string first = args[0];
            if (root.Subcommands.Any(c => c.Name == first)) return args;
            if (first is "-h" or "--help" or "-?" or "--version") return args;
            if (!first.StartsWith('-')) return args; // an unknown word: let the parser name it
        }
        return ["train", .. args];
    }
}
