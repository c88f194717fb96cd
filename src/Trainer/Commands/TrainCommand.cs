using System.CommandLine;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>Placeholder until search lands (being written now).</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var cmd = new Command("train", "Train (the default command).");
        cmd.SetAction(_ => { output.WriteLine("train: not yet available"); return 0; });
        return cmd;
    }
}
