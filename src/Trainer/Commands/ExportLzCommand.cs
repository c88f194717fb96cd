using System.CommandLine;
using SelfPlayBN.Networks;
using SelfPlayBN.Training;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary>
/// <c>export-lz RUN_DIR --out FILE [--version N]</c>: writes a published model of a Go run in Leela Zero's text
/// weight format (version 1), for <c>leelaz -w FILE</c> and every tool that reads Leela Zero networks. The run
/// must have Leela Zero's architecture: <c>go19</c> with <c>"inputs": "leelaZero"</c> and a value head of 256
/// (<c>configs/go19.json</c>). The export folds each BatchNorm's γ, β and ε into Leela Zero's form exactly
/// (<see cref="LeelaZeroWeights"/>); the other direction needs no command: <c>gtp --weights</c> reads Leela Zero files.
/// </summary>
internal static class ExportLzCommand
{
    public static Command Create(TextWriter output)
    {
        var runDir = new Argument<DirectoryInfo>("RUN_DIR") { Description = "A Go run folder written by train (19x19, leelaZero inputs)." };
        var outFile = new Option<FileInfo>("--out") { Description = "The Leela Zero weights file to write (replaced atomically).", Required = true };
        var version = new Option<long?>("--version") { Description = "The published version (default: the latest)." };
        var cmd = new Command("export-lz", "Write a published model of a 19x19 Go run (Leela Zero's architecture) as a Leela Zero weights file.");
        cmd.Arguments.Add(runDir);
        cmd.Options.Add(outFile);
        cmd.Options.Add(version);
        cmd.SetAction(parse =>
        {
            Export(output, parse, parse.GetValue(runDir)!, parse.GetValue(outFile)!, parse.GetValue(version));
            return 0;
        });
        return cmd;
    }

    private static void Export(TextWriter output, ParseResult parse, DirectoryInfo dir, FileInfo outFile, long? version)
    {
        var (folder, options, game, v, weightsPath) = RunModel.Find(dir, version);
        if (!options.Network.HasBatchNorm)
            throw new UserInputException($"{folder.Root}: the network uses {options.Network.Normalization.ToString().ToLowerInvariant()} normalization; " +
                                         "Leela Zero's format holds BatchNorm networks only");

        TorchCli.Initialize(parse);
        using var net = Models.Create(game, options.Network, options.Bn.Decay, TorchSharp.torch.CPU);
        try { Models.Load(net, File.ReadAllBytes(weightsPath)); }
        catch (InvalidDataException e) { throw new UserInputException($"{weightsPath}: {e.Message}"); }
        net.eval();
        try { LeelaZeroWeights.Write(net, outFile.FullName); }
        catch (ArgumentException e) { throw new UserInputException($"{game.Name} run with a {options.Network.Blocks}x{options.Network.Filters} network cannot be exported: {e.Message}"); }
        output.WriteLine($"wrote model {v} of {folder.Root} ({net.Shape.Blocks} blocks x {net.Shape.Filters} filters) to {outFile.FullName} in Leela Zero's format (version 1)");
    }
}
