using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using SelfPlayBN.Trainer.Benchmarks;
using SelfPlayBN.Trainer.Setup;

namespace SelfPlayBN.Trainer.Commands;

/// <summary><c>bench</c>: runs the benchmarks and prints a Markdown table ready for <c>docs/benchmarks.md</c>.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var only = new Option<string[]>("--only") { Description = "Run only these benchmarks (names from --list).", AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<double>("--seconds") { Description = "Measuring time per case, in seconds.", DefaultValueFactory = _ => 3.0 };
        var list = new Option<bool>("--list") { Description = "List the benchmarks and exit." };
        var device = new Option<string>("--device") { Description = "cpu or cuda: where benchmarks that run a network run it.", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("bench", "Run the benchmarks and print a Markdown table (machine, date, command included).");
        cmd.Options.Add(only);
        cmd.Options.Add(seconds);
        cmd.Options.Add(list);
        cmd.Options.Add(device);
        cmd.SetAction(parse =>
        {
            var all = Discover();
            if (parse.GetValue(list))
            {
                foreach (var b in all) output.WriteLine($"{b.Name,-12} {b.Description}");
                return 0;
            }
            double s = parse.GetValue(seconds);
            if (!(s > 0)) throw new UserInputException("--seconds must be positive");
            var names = parse.GetValue(only) ?? [];
            foreach (var n in names)
                if (all.All(b => b.Name != n))
                    throw new UserInputException($"unknown benchmark '{n}' (known: {string.Join(", ", all.Select(b => b.Name))})");
            var chosen = names.Length == 0 ? all : all.Where(b => names.Contains(b.Name)).ToList();
            string deviceName = parse.GetValue(device) ?? "cpu";
            if (deviceName is not ("cpu" or "cuda")) throw new UserInputException($"--device must be cpu or cuda, got '{deviceName}'");
            var settings = new BenchSettings(s, output, () => TorchCli.Initialize(parse), deviceName == "cuda");
            var results = new List<BenchResult>();
            foreach (var b in chosen)
            {
                output.WriteLine($"# {b.Name}: {b.Description}");
                foreach (var r in b.Run(settings))
                {
                    output.WriteLine($"  {r.Case}: {Format(r.Value)} {r.Unit} {r.Note}");
                    results.Add(r);
                }
            }
            output.WriteLine();
            output.WriteLine(Header());
            output.WriteLine();
            output.WriteLine("| benchmark | case | value | unit | note |");
            output.WriteLine("|---|---|---:|---|---|");
            foreach (var r in results)
                output.WriteLine($"| {r.Benchmark} | {r.Case} | {Format(r.Value)} | {r.Unit} | {r.Note} |");
            return 0;
        });
        return cmd;
    }

    internal static List<IBenchmark> Discover() =>
        typeof(IBenchmark).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

    private static string Format(double v) =>
        v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Machine, date and command, so a recorded table says where it came from.</summary>
    internal static string Header()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line != null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"Machine: {cpu}, {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
               $".NET {Environment.Version}; date {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; command: `selfplaybn {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`" +
               (Debugger.IsAttached ? " (debugger attached)" : "");
    }
}
