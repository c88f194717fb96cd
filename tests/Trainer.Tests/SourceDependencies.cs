using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SelfPlayBN.Trainer.Tests;

/// <summary>
/// The file-level dependencies of one project's sources, resolved by the C# compiler (Roslyn): file A depends on file B
/// when a name in A's code (not its doc comments) binds to a type declared in B or to a member of such a type. Files that
/// declare parts of one partial type form one unit. A circle is a set of two or more units that reach each other.
/// </summary>
internal static class SourceDependencies
{
    /// <summary>One edge: <see cref="From"/> names <see cref="Name"/>, declared in <see cref="To"/>.</summary>
    public sealed record Edge(string From, string To, string Name);

    /// <summary>The usings that <c>ImplicitUsings</c> adds to every project of the repository.</summary>
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    /// <summary>The assemblies a compilation of the repository's sources can resolve against: the running framework's
    /// and those in the test's output folder (the projects and their packages), less those named in
    /// <paramref name="exclude"/> (a project's own assembly, whose types its sources declare).</summary>
    public static List<MetadataReference> References(IReadOnlySet<string> exclude) =>
        AllReferences.Value.Where(r => !exclude.Contains(r.Key)).Select(r => r.Value).ToList();

    /// <summary>Every managed assembly found, by name (the first of a name wins), read once for all projects.</summary>
    private static readonly Lazy<Dictionary<string, MetadataReference>> AllReferences = new(() =>
    {
        var byName = new Dictionary<string, MetadataReference>(StringComparer.OrdinalIgnoreCase);
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        foreach (var path in tpa.Split(Path.PathSeparator).Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (!byName.ContainsKey(name) && IsManaged(path)) byName[name] = MetadataReference.CreateFromFile(path);
        }
        return byName;
    });

    private static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return pe.HasMetadata && pe.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>Every dependency between different units of <paramref name="files"/> (path and text), each pair of units
    /// once with the first name that made it. A unit is named by the ordinally first path among its files.</summary>
    public static List<Edge> Edges(IReadOnlyList<(string Path, string Text)> files, IReadOnlyList<MetadataReference> references)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, options, f.Path)).ToList();
        var compilation = CSharpCompilation.Create("sources",
            trees.Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options, "<implicit usings>")),
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var unitOf = Units(compilation, files.Select(f => f.Path).ToList());
        var edges = new Dictionary<(string, string), Edge>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            string from = unitOf[tree.FilePath];
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                var type = OutermostType(symbol);
                if (type is null) continue;
                foreach (var declaration in type.DeclaringSyntaxReferences)
                {
                    if (!unitOf.TryGetValue(declaration.SyntaxTree.FilePath, out var to) || to == from) continue;
                    edges.TryAdd((from, to), new Edge(from, to, type.Name));
                }
            }
        }
        return edges.Values.ToList();
    }

    private static INamedTypeSymbol? OutermostType(ISymbol? symbol)
    {
        var type = symbol switch
        {
            null or INamespaceSymbol or ILocalSymbol or IParameterSymbol or ITypeParameterSymbol or IRangeVariableSymbol or ILabelSymbol => null,
            INamedTypeSymbol t => t,
            _ => symbol.ContainingType,
        };
        while (type?.ContainingType is { } outer) type = outer;
        return type?.OriginalDefinition;
    }

    /// <summary>Each file's unit: the alphabetically first of the files that share a partial type with it, directly or
    /// through others.</summary>
    private static Dictionary<string, string> Units(CSharpCompilation compilation, List<string> paths)
    {
        var parent = paths.ToDictionary(p => p, p => p);
        string Find(string p) => parent[p] == p ? p : parent[p] = Find(parent[p]);
        foreach (var type in AllTypes(compilation.Assembly.GlobalNamespace))
        {
            var declared = type.DeclaringSyntaxReferences.Select(r => r.SyntaxTree.FilePath).Where(parent.ContainsKey).Distinct().ToList();
            foreach (var other in declared.Skip(1))
            {
                string a = Find(declared[0]), b = Find(other);
                if (a != b) parent[string.CompareOrdinal(a, b) < 0 ? b : a] = string.CompareOrdinal(a, b) < 0 ? a : b;
            }
        }
        return paths.ToDictionary(p => p, Find);
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceOrTypeSymbol container)
    {
        foreach (var member in container.GetMembers())
        {
            if (member is INamespaceSymbol ns)
                foreach (var t in AllTypes(ns)) yield return t;
            else if (member is INamedTypeSymbol type)
            {
                yield return type;
                foreach (var t in AllTypes(type)) yield return t;
            }
        }
    }

    /// <summary>The circles among the edges' files: each a sorted list of two or more files that all reach each other
    /// (strongly connected components of the file graph, Tarjan's algorithm).</summary>
    public static List<List<string>> Circles(IEnumerable<Edge> edges)
    {
        var next = new Dictionary<string, List<string>>();
        foreach (var e in edges)
        {
            if (!next.TryGetValue(e.From, out var list)) next[e.From] = list = [];
            list.Add(e.To);
            next.TryAdd(e.To, []);
        }
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var circles = new List<List<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            if (component.Count > 1) circles.Add(component.Order(StringComparer.Ordinal).ToList());
        }

        foreach (var v in next.Keys.Order(StringComparer.Ordinal).ToList())
            if (!index.ContainsKey(v)) Visit(v);
        return circles;
    }
}
