using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>How far one layer's running statistics are from its precise statistics.</summary>
/// <param name="Name">The layer's qualified name.</param>
/// <param name="MeanGap">Mean over channels of |μ_run − μ_precise| / σ_precise, σ = sqrt(var + ε).</param>
/// <param name="LogVarianceGap">Mean over channels of |log((σ²_run + ε) / (σ²_precise + ε))|.</param>
/// <param name="MaxMeanGap">The largest channel's mean gap.</param>
/// <param name="MaxLogVarianceGap">The largest channel's log-variance gap.</param>
public sealed record LayerStaleness(string Name, double MeanGap, double LogVarianceGap, double MaxMeanGap, double MaxLogVarianceGap);

/// <summary>
/// Moment staleness of a model: per layer and in summary, how far its running (usually EMA) statistics are from
/// the precise statistics of the same weights, and — when measured on a batch — the output and loss difference
/// the gap causes. A loss with running statistics far above the loss with precise statistics is "false
/// overfitting": the model is fine, its statistics are stale.
/// </summary>
/// <param name="Layers">Every measured layer.</param>
/// <param name="OutputGap">Mean |output_running − output_precise| on the evaluation batch, if one was given.</param>
/// <param name="LossWithRunning">The loss with the running statistics, if a loss was given.</param>
/// <param name="LossWithPrecise">The loss with the precise statistics, if a loss was given.</param>
public sealed record StalenessReport(IReadOnlyList<LayerStaleness> Layers, double? OutputGap, double? LossWithRunning, double? LossWithPrecise)
{
    /// <summary>Mean over layers of <see cref="LayerStaleness.MeanGap"/>.</summary>
    public double MeanGap => Layers.Count == 0 ? 0 : Layers.Average(l => l.MeanGap);

    /// <summary>Mean over layers of <see cref="LayerStaleness.LogVarianceGap"/>.</summary>
    public double LogVarianceGap => Layers.Count == 0 ? 0 : Layers.Average(l => l.LogVarianceGap);

    /// <summary>The worst layer by mean gap, or <c>null</c> when no layer was measured.</summary>
    public LayerStaleness? Worst => Layers.MaxBy(l => l.MeanGap);

    /// <summary>Loss with running statistics minus loss with precise ones (positive: staleness costs loss).</summary>
    public double? FalseOverfitting => LossWithRunning - LossWithPrecise;

    /// <summary>One line for logs.</summary>
    public override string ToString() => Layers.Count == 0
        ? "BN staleness: no BatchNorm statistics were measured (a model without BatchNorm has none), so there is nothing to be stale"
        : $"BN staleness: mean gap {MeanGap:0.0000} σ, log-var gap {LogVarianceGap:0.0000}" +
        (Worst is { } w ? $" (worst {(w.Name.Length == 0 ? "<model>" : w.Name)}: {w.MeanGap:0.0000} σ)" : "") +
        (OutputGap is { } o ? $", output gap {o:0.000000}" : "") +
        (FalseOverfitting is { } f ? $", loss running {LossWithRunning:0.0000} vs precise {LossWithPrecise:0.0000} (Δ {f:+0.0000;-0.0000})" : "");
}

/// <summary>The staleness meter (see <see cref="StalenessReport"/>).</summary>
public static class Staleness
{
    /// <summary>Compares each measured layer's running statistics (of the domain measured) with <paramref name="precise"/>.
    /// Writes nothing.</summary>
    public static StalenessReport Measure(PreciseStatistics precise) => new(Gaps(precise), null, null, null);

    /// <summary>
    /// Also runs <paramref name="evaluate"/> (which must call the model on a fixed batch and return its output)
    /// twice in eval mode — with the running statistics, then with the precise ones swapped in — and reports the
    /// mean absolute output difference and, with <paramref name="loss"/>, both losses. Both runs use the domain the
    /// statistics were measured for (each layer's active domain is switched to it meanwhile), so the running and the
    /// precise statistics of the same domain are compared. The running statistics, active domains and every module's
    /// mode are restored afterwards. With no measured layer (a model without BatchNorm) nothing is run and the report is
    /// empty: there are no statistics to be stale.
    /// </summary>
    public static StalenessReport Measure(nn.Module model, PreciseStatistics precise, Func<Tensor> evaluate, Func<Tensor, double>? loss = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(evaluate);
        var gaps = Gaps(precise);
        if (precise.Layers.Count == 0) return new StalenessReport(gaps, null, null, null);
        var modes = ModuleModes.Capture(model);
        var backup = precise.Layers.Select(s => (s, Mean: s.Layer.RunningMean(s.Domain).clone(), Var: s.Layer.RunningVar(s.Domain).clone())).ToList();
        var domains = precise.Layers.Select(s => (s.Layer, s.Layer.ActiveDomain)).ToList();
        try
        {
            foreach (var s in precise.Layers) s.Layer.ActiveDomain = s.Domain;
            model.eval();
            using var noGrad = no_grad();
            using var withRunning = evaluate().detach().to(ScalarType.Float64).cpu();
            double? lossRunning = loss?.Invoke(withRunning);
            precise.WriteTo();
            using var withPrecise = evaluate().detach().to(ScalarType.Float64).cpu();
            double? lossPrecise = loss?.Invoke(withPrecise);
            double outputGap = (withRunning - withPrecise).abs().mean().item<double>();
            return new StalenessReport(gaps, outputGap, lossRunning, lossPrecise);
        }
        finally
        {
            using (no_grad())
                foreach (var (s, mean, var) in backup)
                {
                    s.Layer.RunningMean(s.Domain).copy_(mean);
                    s.Layer.RunningVar(s.Domain).copy_(var);
                    mean.Dispose(); var.Dispose();
                }
            foreach (var (layer, active) in domains) layer.ActiveDomain = active;
            modes.Restore();
        }
    }

    private static List<LayerStaleness> Gaps(PreciseStatistics precise)
    {
        ArgumentNullException.ThrowIfNull(precise);
        var result = new List<LayerStaleness>();
        using var noGrad = no_grad();
        foreach (var s in precise.Layers)
        {
            using var scope = NewDisposeScope();
            double eps = s.Layer.Options.Epsilon;
            var runMean = s.Layer.RunningMean(s.Domain).to(ScalarType.Float64).cpu();
            var runVar = s.Layer.RunningVar(s.Domain).to(ScalarType.Float64).cpu() + eps;
            var preVar = s.Variance + eps;
            var meanGap = (runMean - s.Mean).abs() / preVar.sqrt();
            var logGap = (runVar / preVar).log().abs();
            result.Add(new LayerStaleness(s.Name, meanGap.mean().item<double>(), logGap.mean().item<double>(),
                meanGap.max().item<double>(), logGap.max().item<double>()));
        }
        return result;
    }
}
