using System.CommandLine;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>Placeholder until the Connect Four solver lands (being written now).</summary>
internal static class SolveCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cmd = new Command("solve", "Solve game positions read from standard input.");
        cmd.SetAction(_ => { error.WriteLine("solve: not yet available"); return 1; });
        return cmd;
    }
}
