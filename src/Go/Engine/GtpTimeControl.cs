namespace SelfPlayBN.Go.Engine;

/// <summary>
/// The clock as GTP describes it (<c>time_settings</c>, <c>time_left</c>) and the rule that turns it into a
/// thinking-time budget for one move. Not thread-safe (the engine calls it from its command loop).
/// </summary>
/// <remarks>
/// <para><b>Settings</b> (<c>time_settings main byo_yomi_time byo_yomi_stones</c>, seconds): Canadian
/// byo-yomi — <c>main</c> seconds, then <c>byo_yomi_time</c> seconds for every <c>byo_yomi_stones</c>
/// moves. As the specification says, <c>byo_yomi_time &gt; 0</c> with <c>byo_yomi_stones = 0</c> means no
/// time limit, and <c>byo_yomi_time = 0</c> means absolute time (no byo-yomi). Until <c>time_settings</c>
/// is given there is no limit.</para>
/// <para><b>Remaining time</b>: <c>time_left colour seconds stones</c> sets what the colour has now;
/// <c>stones = 0</c> means main time, <c>stones &gt; 0</c> means a byo-yomi period with that many moves
/// still to play in it. Before any <c>time_left</c> a colour is taken to have the whole main time (or, with
/// none, a fresh byo-yomi period).</para>
/// <para><b>Budget rule</b>, for the colour to move with <c>T</c> seconds left:</para>
/// <list type="bullet">
/// <item>in byo-yomi with <c>k</c> moves to play: <c>T / k</c>;</item>
/// <item>in main time: <c>T / M</c> with <c>M = max(<see cref="MinimumMovesLeft"/>, empty points / 2)</c>
/// (an estimate of this player's remaining moves), plus, when byo-yomi follows, nothing more (the
/// byo-yomi is kept as a reserve, never planned for);</item>
/// <item>then a safety margin: the budget is <c>0.9 × budget − <see cref="Lag"/></c>, and never below
/// <see cref="MinimumBudget"/>.</item>
/// </list>
/// <para>The search stops at this budget or at its visit limit, whichever comes first.</para>
/// </remarks>
public sealed class GtpTimeControl
{
    private readonly double[] _left = new double[2];
    private readonly int[] _stones = new int[2];
    private readonly bool[] _known = new bool[2];

    /// <summary>Moves the main-time rule assumes are still to be played by one player, at least. 20.</summary>
    public const int MinimumMovesLeft = 20;

    /// <summary>The smallest budget given (the engine always gets to make some search). 50 ms.</summary>
    public static readonly TimeSpan MinimumBudget = TimeSpan.FromMilliseconds(50);

    /// <summary>Time subtracted from every budget for transmission and process overhead. Default 0.2 s.</summary>
    public TimeSpan Lag { get; init; } = TimeSpan.FromSeconds(0.2);

    /// <summary>Main time in seconds, or <c>null</c> while no time settings were given.</summary>
    public double? MainTime { get; private set; }

    /// <summary>Byo-yomi period in seconds.</summary>
    public double ByoYomiTime { get; private set; }

    /// <summary>Moves per byo-yomi period.</summary>
    public int ByoYomiStones { get; private set; }

    /// <summary>Whether the current settings limit time at all.</summary>
    public bool IsLimited => MainTime is not null && !(ByoYomiTime > 0 && ByoYomiStones == 0);

    /// <summary>Applies <c>time_settings</c>; throws <see cref="ArgumentOutOfRangeException"/> for negative or non-finite values.</summary>
    public void Set(double mainTime, double byoYomiTime, int byoYomiStones)
    {
        if (!double.IsFinite(mainTime) || mainTime < 0) throw new ArgumentOutOfRangeException(nameof(mainTime), mainTime, "main time must be a non-negative number of seconds");
        if (!double.IsFinite(byoYomiTime) || byoYomiTime < 0) throw new ArgumentOutOfRangeException(nameof(byoYomiTime), byoYomiTime, "byo-yomi time must be a non-negative number of seconds");
        if (byoYomiStones < 0) throw new ArgumentOutOfRangeException(nameof(byoYomiStones), byoYomiStones, "byo-yomi stones must be non-negative");
        MainTime = mainTime;
        ByoYomiTime = byoYomiTime;
        ByoYomiStones = byoYomiStones;
        Array.Clear(_known);
    }

    /// <summary>Removes every limit (as before any <c>time_settings</c>).</summary>
    public void Clear()
    {
        MainTime = null;
        Array.Clear(_known);
    }

    /// <summary>Applies <c>time_left</c> for <paramref name="player"/> (0 Black, 1 White).</summary>
    public void SetLeft(int player, double seconds, int stones)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        if (!double.IsFinite(seconds) || seconds < 0) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "time left must be a non-negative number of seconds");
        if (stones < 0) throw new ArgumentOutOfRangeException(nameof(stones), stones, "stones must be non-negative");
        _left[player] = seconds;
        _stones[player] = stones;
        _known[player] = true;
    }

    /// <summary>The thinking time for <paramref name="player"/>'s next move with <paramref name="emptyPoints"/> empty points on the board, or <c>null</c> for no limit; see the class remarks.</summary>
    public TimeSpan? Budget(int player, int emptyPoints)
    {
        if ((uint)player >= 2) throw new ArgumentOutOfRangeException(nameof(player));
        if (!IsLimited) return null;
        double left, stones;
        if (_known[player]) (left, stones) = (_left[player], _stones[player]);
        else if (MainTime > 0 || ByoYomiTime == 0) (left, stones) = (MainTime!.Value, 0);
        else (left, stones) = (ByoYomiTime, ByoYomiStones);
        double seconds = stones > 0 ? left / stones : left / Math.Max(MinimumMovesLeft, emptyPoints / 2.0);
        var budget = TimeSpan.FromSeconds(0.9 * seconds) - Lag;
        return budget < MinimumBudget ? MinimumBudget : budget;
    }
}
