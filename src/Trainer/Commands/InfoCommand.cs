using SelfPlayBN.TorchRuntime;
using System.CommandLine;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary><c>info</c>: what TorchSharp backend this build uses and what it loaded.</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var cmd = new Command("info", "Print the TorchSharp backend, libtorch version, device and threads.");
        cmd.SetAction(parse =>
        {
            var info = TorchCli.Initialize(parse);
            output.WriteLine($"backend       {info.Backend}");
            output.WriteLine($"TorchSharp    {info.TorchSharpVersion}");
            output.WriteLine($"libtorch      {info.LibTorchVersion}");
            output.WriteLine($"loaded from   {info.LibTorchDirectory ?? "the NuGet backend package in the program folder"}");
            output.WriteLine($"device        {(info.CudaAvailable ? $"cuda ({info.CudaDeviceCount} device{(info.CudaDeviceCount == 1 ? "" : "s")})" : "cpu (CUDA not available)")}");
            if (info.OneDnnMaxIsa is { } isa) output.WriteLine($"oneDNN ISA    at most {isa} ({TorchBootstrap.OneDnnIsaVariable}; see TorchBootstrap for why on AMD processors with AVX-512)");
            output.WriteLine($"threads       {info.Threads} intra-op, {info.InteropThreads} inter-op, {Environment.ProcessorCount} logical processors");
            return 0;
        });
        return cmd;
    }
}
