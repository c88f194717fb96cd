using SelfPlayBN.Games;
using SelfPlayBN.Training;

namespace SelfPlayBN.Trainer.Setup;

/// <summary>A published model of a run folder, as the commands that read one (<c>evaluate</c>, <c>export-lz</c>) find it.</summary>
/// <param name="Folder">The run folder.</param>
/// <param name="Options">Its configuration.</param>
/// <param name="Game">The game of that configuration.</param>
/// <param name="Version">The published version.</param>
/// <param name="WeightsPath">That version's weights file (it exists).</param>
internal sealed record RunModel(RunFolder Folder, RunOptions Options, IGame Game, long Version, string WeightsPath)
{
    /// <summary>
    /// The model <paramref name="version"/> (default: the latest) of the run in <paramref name="dir"/>; throws
    /// <see cref="UserInputException"/> naming the problem for a folder that is not a run, a bad config or record,
    /// or a missing version.
    /// </summary>
    public static RunModel Find(DirectoryInfo dir, long? version)
    {
        var folder = new RunFolder(dir.FullName);
        if (!File.Exists(folder.Config)) throw new UserInputException($"{dir.FullName} is not a run folder (no config.json)");
        RunOptions options;
        try { options = RunOptions.Load(folder.Config); }
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }
        var game = GameCatalog.Create(options);
        long v;
        var store = folder.ModelStore;
        try { v = version ?? store.Latest()?.Version ?? throw new UserInputException($"{folder.Models} holds no published model"); }
        catch (InvalidDataException e) { throw new UserInputException(e.Message); }
        string weightsPath = store.WeightsPath(v);
        if (!File.Exists(weightsPath)) throw new UserInputException($"no model {v} in {folder.Models}");
        return new RunModel(folder, options, game, v, weightsPath);
    }
}
