using System.Text;
using SelfPlayBN.Games.ConnectFour;
using SelfPlayBN.Training;
using SelfPlayBN.Training.Studies;

namespace SelfPlayBN.Trainer.Studies;

/// <summary>
/// The supervised lab's data: Connect Four positions labelled by the perfect solver, in the format of the shipped
/// labelled set (<see cref="ConnectFourLabelledPosition"/>: moves, then W/D/L/- per column), generated from a seed and
/// cached in a file that grows in whole batches, so that an interrupted generation resumes where it stopped.
/// </summary>
internal static class LabPositions
{
    /// <summary>Stones on the board of a generated position (the shipped set's range: strategic middle-game positions
    /// that the solver labels in a fraction of a second).</summary>
    internal const int MinStones = 12, MaxStones = 32;

    /// <summary>Positions solved between two appends to the file.</summary>
    private const int Batch = 64;

    /// <summary>
    /// Makes sure <paramref name="file"/> holds at least <paramref name="count"/> labelled positions generated from
    /// <paramref name="seed"/> (appending to what an earlier, interrupted call left; a last line cut off by a crash is
    /// dropped) and returns the first <paramref name="count"/>.
    /// </summary>
    /// <param name="file">The data file (created if missing; its first line names the seed).</param>
    /// <param name="count">Positions wanted.</param>
    /// <param name="seed">Seed of the random move sequences.</param>
    /// <param name="progress">Receives (positions in the file, positions wanted) after each batch.</param>
    /// <param name="cancel">Stops between positions; what was appended stays.</param>
    public static IReadOnlyList<ConnectFourLabelledPosition> Ensure(string file, int count, int seed, IProgress<(int Done, int Wanted)>? progress,
        CancellationToken cancel)
    {
        string header = Header(seed);
        IReadOnlyList<ConnectFourLabelledPosition> have = [];
        if (File.Exists(file))
        {
            string first = File.ReadLines(file).FirstOrDefault() ?? "";
            if (first != header)
                throw new FormatException($"{file} was not generated with data seed {seed} (its first line is '{first}', expected '{header}'): " +
                                          "pass the seed it was made with, or use another folder");
            have = Read(file, dropCutOffLine: true);
        }
        if (have.Count >= count) return [.. have.Take(count)];
        Rewrite(file, header, have); // starts the file, or drops a cut-off last line before appending
        var known = have.Select(p => p.Moves).ToHashSet();
        var solver = new ConnectFourSolver(tableBits: 22);
        var result = new List<ConnectFourLabelledPosition>(have);
        using var sequences = ConnectFourLabelledPositions.RandomSequences(seed, MinStones, MaxStones).GetEnumerator();
        // The same seed gives the same sequences: those already in the file are passed over without solving them again
        // (a sequence solved before and dropped for leaving nothing to choose is solved again, a small cost).
        var pending = new StringBuilder();
        while (result.Count < count)
        {
            cancel.ThrowIfCancellationRequested();
            int added = 0;
            while (added < Batch && result.Count < count && sequences.MoveNext())
            {
                string moves = sequences.Current;
                if (known.Contains(moves)) continue;
                var p = new ConnectFourLabelledPosition(moves, solver.SolveColumns(ConnectFourState.FromMoves(moves)));
                if (!p.Columns.Any(c => c is not null && c != p.Best)) continue; // every move as good: measures nothing
                result.Add(p);
                pending.Append(p).Append('\n');
                added++;
            }
            File.AppendAllText(file, pending.ToString());
            pending.Clear();
            progress?.Report((result.Count, count));
        }
        return result;
    }

    /// <summary>Reads a labelled-positions file.</summary>
    /// <exception cref="FormatException">A line is not a labelled position (its number is named); with
    /// <paramref name="dropCutOffLine"/>, a last line without its newline is dropped instead.</exception>
    public static IReadOnlyList<ConnectFourLabelledPosition> Read(string file, bool dropCutOffLine = false)
    {
        string text = File.ReadAllText(file);
        if (dropCutOffLine && text.Length > 0 && text[^1] != '\n') text = text[..(text.LastIndexOf('\n') + 1)];
        using var reader = new StringReader(text);
        return ConnectFourLabelledPositions.Read(reader);
    }

    /// <summary>The lab's view of a labelled position: the optimal columns, and the value of the best one (+1, 0, −1).</summary>
    public static LabelledExample ToExample(ConnectFourLabelledPosition p) => new(p.State, p.OptimalColumns, (int)p.Best);

    /// <summary>The file's first line: what generated it.</summary>
    internal static string Header(int seed) => $"# Connect Four positions labelled by the solver: data seed {seed}, {MinStones}-{MaxStones} stones";

    private static void Rewrite(string file, string header, IReadOnlyList<ConnectFourLabelledPosition> positions) =>
        DurableFile.WriteAllText(file, header + "\n" + string.Concat(positions.Select(p => p + "\n")));
}
