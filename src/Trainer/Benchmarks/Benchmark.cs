using SelfPlayBN.Trainer.Setup;
namespace SelfPlayBN.Trainer.Benchmarks;

/// <summary>
/// A benchmark run by <c>selfplaybn bench</c>. Implementations are discovered by reflection: add a
/// class with a public parameterless constructor to this folder and it runs.
/// </summary>
internal interface IBenchmark
{
    /// <summary>Short name used with <c>bench --only NAME</c>, e.g. <c>mcts</c>.</summary>
    string Name { get; }

    /// <summary>What is measured, in one line.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark and returns its figures. Progress may be written to <c>settings.Log</c>.</summary>
    IEnumerable<BenchResult> Run(BenchSettings settings);
}

/// <summary>Settings shared by all benchmarks.</summary>
/// <param name="Seconds">Target measuring time per case (after warm-up).</param>
/// <param name="Log">Where progress lines go.</param>
/// <param name="InitializeTorch">Loads libtorch as the command line says (call before using torch).</param>
/// <param name="Cuda">Whether <c>--device cuda</c> was given: benchmarks that run a network run it there.</param>
internal sealed record BenchSettings(double Seconds, TextWriter Log, Func<SelfPlayBN.TorchRuntime.TorchRuntimeInfo> InitializeTorch, bool Cuda = false)
{
    /// <summary>Loads libtorch and returns the device the command line asked for (refusing CUDA where there is none).</summary>
    public TorchSharp.torch.Device Device()
    {
        var info = InitializeTorch();
        if (!Cuda) return TorchSharp.torch.CPU;
        if (!info.CudaAvailable) throw new UserInputException("--device cuda: this build and machine have no CUDA device (see `info`)");
        return TorchSharp.torch.CUDA;
    }
}

/// <summary>One measured figure.</summary>
/// <param name="Benchmark">The benchmark's name.</param>
/// <param name="Case">What was measured, e.g. <c>batch 8, 2 threads</c>.</param>
/// <param name="Value">The figure.</param>
/// <param name="Unit">Its unit, e.g. <c>simulations/s</c>.</param>
/// <param name="Note">Anything a reader needs to interpret it.</param>
internal sealed record BenchResult(string Benchmark, string Case, double Value, string Unit, string Note = "");
