using System.Xml.Linq;
using SelfPlayBN.Trainer.Commands;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// Dependencies point one way: game API ← games; TorchSharp-only libraries (native loading, BatchNorm,
/// networks); search ← game API; training (plain algorithm classes and the run library) ← game API, search, torch;
/// actors ← all of those but no concrete game; Go tooling ← game API, games, search; executables and tests ← everything.
/// Libraries reference the TorchSharp bindings, never a native backend package. Of the executable's files only those that
/// run the pipeline use the actors.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Each project's layer, by its folder relative to the repository root.</summary>
    private static string LayerOf(string relativeDir) => relativeDir.Replace('\\', '/') switch
    {
        "src/Core" => "core",
        var d when d.StartsWith("games/", StringComparison.Ordinal) => "games",
        "src/Search" => "search",
        "src/TorchRuntime" or "src/BatchNorm" or "src/Networks" => "torch",
        "src/NativeFix" => "tools",
        "src/Training" => "training",
        "src/Go" => "go",
        "src/Actors" => "actors",
        "src/Trainer" => "executables",
        var d when d.StartsWith("tests/", StringComparison.Ordinal) => "tests",
        var d => throw new InvalidOperationException($"project folder '{d}' has no layer: add it to ArchitectureTests.LayerOf and the README's folder map"),
    };

    /// <summary>Which layers each layer may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["core"] = [],
        ["games"] = ["core"],
        ["search"] = ["core"],
        ["torch"] = ["torch"],
        ["tools"] = [],
        ["training"] = ["core", "search", "torch"],
        ["go"] = ["core", "games", "search"],
        ["actors"] = ["core", "search", "torch", "training"],
        ["executables"] = ["core", "games", "search", "torch", "training", "go", "actors", "tools"],
        ["tests"] = ["core", "games", "search", "torch", "training", "go", "actors", "tools", "executables"],
    };

    /// <summary>Packages each library layer may reference (executables and tests may take any).</summary>
    private static readonly Dictionary<string, string[]> AllowedPackages = new()
    {
        ["core"] = [],
        ["games"] = [],
        ["search"] = [],
        ["torch"] = ["TorchSharp"],
        ["tools"] = [],
        ["training"] = ["TorchSharp", "MessagePack"],
        ["go"] = [],
        ["actors"] = ["TorchSharp", "Akka", "Akka.Hosting", "Akka.Remote.Hosting", "Akka.Cluster.Hosting", "Akka.Cluster.Tools",
                      "Akka.Streams", "Akka.Logger.Serilog", "MessagePack", "Serilog"],
    };

    private sealed record ProjectInfo(string Path, string Dir, string Layer, List<string> References, List<string> Packages, bool SelectsBackend);

    private static List<ProjectInfo> Projects()
    {
        var root = RepoPaths.Root;
        var files = Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}artifacts{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        return files.Select(f =>
        {
            var doc = XDocument.Load(f);
            string dir = Path.GetRelativePath(root, Path.GetDirectoryName(f)!).Replace('\\', '/');
            var refs = doc.Descendants("ProjectReference")
                .Select(r => Path.GetRelativePath(root, Path.GetDirectoryName(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(f)!, r.Attribute("Include")!.Value)))!).Replace('\\', '/'))
                .ToList();
            var packages = doc.Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value).ToList();
            bool backend = doc.Descendants("SelectTorchBackend").Any(e => e.Value.Trim() == "true");
            return new ProjectInfo(f, dir, LayerOf(dir), refs, packages, backend);
        }).ToList();
    }

    [Fact]
    public void Every_project_has_a_layer_and_the_solution_lists_it()
    {
        var projects = Projects();
        Assert.True(projects.Count >= 8, $"found only {projects.Count} projects");
        string sln = File.ReadAllText(Path.Combine(RepoPaths.Root, "SelfPlayBN.sln")).Replace('\\', '/');
        foreach (var p in projects)
            Assert.True(sln.Contains(Path.GetRelativePath(RepoPaths.Root, p.Path).Replace('\\', '/'), StringComparison.Ordinal),
                $"{p.Dir} is not in SelfPlayBN.sln");
    }

    [Fact]
    public void Project_references_point_one_way()
    {
        var projects = Projects();
        var layerByDir = projects.ToDictionary(p => p.Dir, p => p.Layer);
        var violations = new List<string>();
        foreach (var p in projects)
        foreach (var r in p.References)
        {
            string target = layerByDir.TryGetValue(r, out var l) ? l : LayerOf(r);
            if (!Allowed[p.Layer].Contains(target)) violations.Add($"{p.Dir} ({p.Layer}) references {r} ({target})");
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Libraries_take_only_their_allowed_packages_and_never_a_native_backend()
    {
        var violations = new List<string>();
        foreach (var p in Projects())
        {
            if (p.Layer is "executables" or "tests") continue;
            if (p.SelectsBackend) violations.Add($"{p.Dir} is a library but selects a TorchSharp backend");
            foreach (var pkg in p.Packages)
                if (!AllowedPackages[p.Layer].Contains(pkg)) violations.Add($"{p.Dir} ({p.Layer}) references package {pkg}");
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>The executable's files that run the pipeline (and so use the actors): the commands <c>train</c>,
    /// <c>node</c> and <c>study</c> (which trains its arms) and <c>train</c>'s live view. Every other command reads a run
    /// through the run library (<c>src/Training/Runs</c>).</summary>
    private static readonly string[] PipelineFiles =
        ["src/Trainer/Commands/TrainCommand.cs", "src/Trainer/Commands/NodeCommand.cs", "src/Trainer/Commands/StudyCommand.cs", "src/Trainer/Commands/LiveView.cs"];

    [Fact]
    public void Only_the_commands_that_run_the_pipeline_use_the_actors()
    {
        var users = SourceFiles("src/Trainer")
            .Where(f => File.ReadAllText(f).Contains("SelfPlayBN.Actors", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(users.Count > 0, "no file of src/Trainer uses the actors: the test would not see a new one");
        var others = users.Except(PipelineFiles).ToList();
        Assert.True(others.Count == 0, "these files of src/Trainer use the actors but do not run the pipeline: " + string.Join(", ", others));
    }

    [Fact]
    public void The_actors_name_no_concrete_game()
    {
        var offenders = SourceFiles("src/Actors")
            .Where(f => File.ReadAllText(f) is var text &&
                        (text.Contains("SelfPlayBN.Games.TicTacToe", StringComparison.Ordinal) || text.Contains("SelfPlayBN.Games.ConnectFour", StringComparison.Ordinal) ||
                         text.Contains("SelfPlayBN.Games.Go", StringComparison.Ordinal)))
            .ToList();
        Assert.True(offenders.Count == 0, "actors that name a concrete game: " + string.Join(", ", offenders));
    }

    /// <summary>Cluster code (<c>src/Actors/Cluster</c>, namespace <c>SelfPlayBN.Actors.Cluster</c>) depends on the pipeline,
    /// never the reverse: no other file of <c>src/Actors</c> names the cluster's namespace or qualifies a name with it. The
    /// pieces both use (submission tracking, message parts, byte budgets) live in <c>src/Actors/Delivery</c>.</summary>
    [Fact]
    public void The_pipeline_does_not_depend_on_the_cluster()
    {
        string cluster = Path.Combine(RepoPaths.Root, "src", "Actors", "Cluster") + Path.DirectorySeparatorChar;
        var clusterFiles = SourceFiles("src/Actors").Where(f => f.StartsWith(cluster, StringComparison.Ordinal)).ToList();
        Assert.True(clusterFiles.Count >= 10, $"found only {clusterFiles.Count} files in src/Actors/Cluster");
        Assert.All(clusterFiles, f => Assert.Contains("namespace SelfPlayBN.Actors.Cluster;", File.ReadAllText(f)));
        var qualified = new System.Text.RegularExpressions.Regex(@"(?<![\w.])Cluster\.[A-Z]");
        var offenders = SourceFiles("src/Actors")
            .Where(f => !f.StartsWith(cluster, StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("SelfPlayBN.Actors.Cluster", StringComparison.Ordinal) || qualified.IsMatch(text)))
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .ToList();
        Assert.True(offenders.Count == 0, "pipeline files that use the cluster's code: " + string.Join(", ", offenders));
    }

    /// <summary>No file-level circles: within each library and executable (<c>src/*</c>, <c>games/*</c>) the files'
    /// dependencies, as the compiler resolves each name, point one way, except among the files of one partial type.
    /// Circles between projects are ruled out by <see cref="Project_references_point_one_way"/>.</summary>
    [Fact]
    public void Source_files_depend_on_each_other_one_way()
    {
        var report = new List<string>();
        int projects = 0;
        foreach (var p in Projects().Where(p => p.Layer is not "tests"))
        {
            var doc = XDocument.Load(p.Path);
            string assembly = doc.Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(p.Path);
            var files = SourceFiles(p.Dir)
                .Select(f => (Path: Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'), Text: File.ReadAllText(f)))
                .ToList();
            var edges = SourceDependencies.Edges(files, SourceDependencies.References(new HashSet<string> { assembly }));
            var folders = edges.Select(e => new SourceDependencies.Edge(Path.GetDirectoryName(e.From)!, Path.GetDirectoryName(e.To)!, $"{e.From} -> {e.To} ({e.Name})"))
                .Where(e => e.From != e.To).ToList();
            foreach (var circle in SourceDependencies.Circles(folders))
                report.Add("folder circle: " + string.Join(", ", circle) + "\n" + string.Join("\n",
                    folders.Where(e => circle.Contains(e.From) && circle.Contains(e.To)).Select(e => $"  {e.Name}")));
            foreach (var circle in SourceDependencies.Circles(edges))
                report.Add("circle: " + string.Join(", ", circle) + "\n" + string.Join("\n",
                    edges.Where(e => circle.Contains(e.From) && circle.Contains(e.To)).Select(e => $"  {e.From} -> {e.To} ({e.Name})")));
            projects++;
        }
        Assert.True(projects >= 10, $"checked only {projects} projects");
        Assert.True(report.Count == 0, string.Join("\n", report));
    }

    [Fact]
    public void The_circle_check_finds_a_circle_and_allows_partial_types()
    {
        var references = SourceDependencies.References(new HashSet<string>());
        (string, string)[] circle =
        [
            ("A.cs", "namespace N; public sealed class A { public B? Next; }"),
            ("B.cs", "namespace N; public sealed class B { public static int Of(A a) => a.GetHashCode(); }"),
            ("C.cs", "namespace N; public static class C { public static int Of() => 1; }"),
        ];
        var edges = SourceDependencies.Edges(circle, references);
        Assert.Contains(new SourceDependencies.Edge("A.cs", "B.cs", "B"), edges);
        Assert.Contains(new SourceDependencies.Edge("B.cs", "A.cs", "A"), edges);
        Assert.Equal([["A.cs", "B.cs"]], SourceDependencies.Circles(edges));

        (string, string)[] partial =
        [
            ("P.cs", "namespace N; public sealed partial class P { public int One() => Q.Two(this); }"),
            ("P.More.cs", "namespace N; public sealed partial class P { public int Three() => 3; }"),
            ("Q.cs", "namespace N; public static class Q { public static int Two(P p) => 2; }"),
        ];
        edges = SourceDependencies.Edges(partial, references);
        Assert.Contains(new SourceDependencies.Edge("P.More.cs", "Q.cs", "Q"), edges);
        Assert.Contains(new SourceDependencies.Edge("Q.cs", "P.More.cs", "P"), edges);
        Assert.Equal([["P.More.cs", "Q.cs"]], SourceDependencies.Circles(edges));

        (string, string)[] oneWay = [partial[0], partial[1], ("Q.cs", "namespace N; public static class Q { public static int Two() => 2; }")];
        edges = SourceDependencies.Edges(oneWay, references);
        Assert.Single(edges);
        Assert.Empty(SourceDependencies.Circles(edges));
    }

    /// <summary>The C# files under <paramref name="relativeDir"/> (<c>""</c>: the whole repository), without build output.</summary>
    private static IEnumerable<string> SourceFiles(string relativeDir) =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, relativeDir), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}artifacts{Path.DirectorySeparatorChar}"));

    [Fact]
    public void Only_the_backend_targets_name_a_native_backend_package()
    {
        foreach (var p in Projects())
            Assert.DoesNotContain(p.Packages, pkg => pkg.StartsWith("TorchSharp-", StringComparison.Ordinal) || pkg.StartsWith("libtorch", StringComparison.Ordinal));
        string targets = File.ReadAllText(Path.Combine(RepoPaths.Root, "build", "TorchBackend.targets"));
        Assert.Contains("TorchSharp-cpu", targets);
        Assert.Contains("TorchSharp-cuda-windows", targets);
    }

    [Fact]
    public void Native_loading_happens_only_in_the_bootstrap()
    {
        var offenders = SourceFiles("")
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}"))
            .Where(f => File.ReadAllText(f).Contains("NativeLibrary.", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .ToList();
        Assert.Equal(["src/TorchRuntime/TorchBootstrap.cs"], offenders);
    }

    [Fact]
    public void The_readme_folder_map_names_every_project_folder()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        foreach (var p in Projects())
            Assert.True(readme.Contains(p.Dir + "/", StringComparison.Ordinal) || readme.Contains($"`{p.Dir}`", StringComparison.Ordinal),
                $"README.md does not mention {p.Dir}/ in its folder map");
    }
}
