using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>The train/eval mode of every module of a model, captured so that it can be restored exactly (a model
/// may mix modes: <c>train()</c> is recursive, so restoring goes root first).</summary>
internal sealed class ModuleModes
{
    private readonly List<(nn.Module Module, bool Training)> _modes;

    private ModuleModes(nn.Module model) =>
        _modes = model.named_modules().Select(p => (p.module, p.module.training)).Prepend((model, model.training)).ToList();

    /// <summary>Records the mode of <paramref name="model"/> and of each of its submodules.</summary>
    public static ModuleModes Capture(nn.Module model) => new(model);

    /// <summary>Puts every module back in the mode it had when captured.</summary>
    public void Restore()
    {
        foreach (var (module, training) in _modes) module.train(training);
    }
}
