using System.CommandLine;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>Placeholder until the TorchSharp bootstrap lands.</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var cmd = new Command("info", "Print the TorchSharp backend, libtorch version, device and threads.");
        cmd.SetAction(_ => { output.WriteLine("info: not yet available"); return 0; });
        return cmd;
    }
}
