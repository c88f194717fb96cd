namespace SelfPlayBN.Training;

/// <summary>
/// How many training positions the replay window keeps: <see cref="MaxPositions"/>, or, with <see cref="Growth"/>, a size
/// that grows with the training positions accepted so far and is capped at <see cref="MaxPositions"/>.
/// </summary>
/// <param name="MaxPositions">The largest window (at least 1).</param>
/// <param name="Growth">How the window grows; null: always <see cref="MaxPositions"/>.</param>
public sealed record ReplayWindow(int MaxPositions, WindowGrowth? Growth = null)
{
    /// <summary>The window's size after <paramref name="accepted"/> training positions have been accepted in all.</summary>
    public int Size(long accepted) => Growth is null ? MaxPositions : (int)Math.Min(MaxPositions, Growth.Size(accepted));
}

/// <summary>
/// A replay window that grows with the run, as KataGo's does: every position is kept up to <see cref="Initial"/>
/// accepted; after N accepted the window is <c>Initial · (1 + Rate · ((N / Initial)^Exponent − 1) / Exponent)</c>, so a
/// young run forgets the games of its first, weak networks quickly and an old one keeps a window that keeps growing more
/// slowly than the run. Also the <c>replay.windowGrowth</c> section of a config.
/// </summary>
public sealed record WindowGrowth
{
    /// <summary>Positions accepted before the window starts to drop any (c).</summary>
    public int Initial { get; init; } = 20_000;

    /// <summary>The power of the growth, in (0, 1] (α); 1 grows linearly.</summary>
    public double Exponent { get; init; } = 0.75;

    /// <summary>The slope of the growth at <see cref="Initial"/>, in (0, 1] (β): 0.4 keeps 40 % of the positions that arrive then.</summary>
    public double Rate { get; init; } = 0.4;

    /// <summary>The uncapped window after <paramref name="accepted"/> positions in all (at least <see cref="Initial"/>).</summary>
    public double Size(long accepted)
    {
        if (accepted <= Initial) return Initial;
        double x = (double)accepted / Initial;
        return Initial * (1 + Rate * (Math.Pow(x, Exponent) - 1) / Exponent);
    }

    internal void Check(List<string> p)
    {
        if (Initial < 1) p.Add($"replay.windowGrowth.initial must be at least 1, got {Initial}");
        if (!(Exponent > 0 && Exponent <= 1)) p.Add($"replay.windowGrowth.exponent must be in (0, 1], got {Exponent}");
        if (!(Rate > 0 && Rate <= 1)) p.Add($"replay.windowGrowth.rate must be in (0, 1], got {Rate}");
    }
}
