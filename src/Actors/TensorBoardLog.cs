using TorchSharp;

namespace SelfPlayBN.Actors;

/// <summary>
/// A run's metrics as TensorBoard event files (TorchSharp's <c>SummaryWriter</c>), so that <c>tensorboard --logdir runs/</c>
/// shows the losses, the BatchNorm staleness, self-play speed and strength against the generation. Each process that
/// writes opens a new event file in the folder (TensorBoard reads them all), so a resumed run adds to the same curves.
/// Writing is best effort: the first failure (a full disk, a removed folder) is reported once and the run goes on,
/// since <c>metrics.jsonl</c> is the record.
/// </summary>
public sealed class TensorBoardLog
{
    private readonly TorchSharp.Modules.SummaryWriter? _writer;
    private readonly Action<string> _warn;
    private bool _failed;

    /// <summary>Opens an event file in <paramref name="folder"/> (created if missing).</summary>
    /// <param name="folder">The event files' folder, e.g. <c>runs/connect4/tensorboard</c>.</param>
    /// <param name="warn">Receives the one warning written when the log cannot be written.</param>
    public TensorBoardLog(string folder, Action<string> warn)
    {
        _warn = warn;
        try
        {
            _writer = torch.utils.tensorboard.SummaryWriter(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(e);
        }
    }

    /// <summary>Writes <paramref name="value"/> under <paramref name="tag"/> at <paramref name="step"/>; nothing for a missing
    /// or non-finite value.</summary>
    public void Scalar(string tag, double? value, long step)
    {
        if (_writer is null || _failed || value is not { } v || !double.IsFinite(v)) return;
        try
        {
            _writer.add_scalar(tag, (float)v, (int)Math.Min(step, int.MaxValue));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(e);
        }
    }

    private void Fail(Exception e)
    {
        _failed = true;
        _warn($"TensorBoard event files are not written from now on: {e.Message} (metrics.jsonl still is)");
    }
}
