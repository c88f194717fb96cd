namespace SelfPlayBN.Games.Go;

/// <summary>
/// Go on a square board of side 5 to 19 under Tromp-Taylor rules: area scoring with komi, positional
/// superko, suicide illegal unless <see cref="AllowSuicide"/>; the game ends after two consecutive passes
/// or after <see cref="MaxGameLength"/> moves, and is then scored.
/// </summary>
/// <remarks>
/// Player 0 is Black and moves first; player 1 is White. Actions are the board points
/// <c>y·size + x</c> (row <c>y = 0</c> at the bottom, column <c>x = 0</c> at the left, so GTP <c>A1</c>
/// is action 0) and pass = <c>size²</c>. Action text is the GTP vertex (<c>A</c>..<c>T</c> without
/// <c>I</c>, rows numbered from 1 at the bottom) or <c>pass</c>.
/// The observation is from the side to move, planes of size×size with cell <c>y·size + x</c>; its layout is
/// chosen by <see cref="Inputs"/> (see <see cref="GoInputs"/>).
/// </remarks>
public sealed class GoGame : IGame, ISelfPlayRules
{
    /// <summary>Column letters of GTP vertices (no <c>I</c>).</summary>
    public const string ColumnLetters = "ABCDEFGHJKLMNOPQRST";

    /// <summary>Smallest supported board side.</summary>
    public const int MinSize = 5;

    /// <summary>Largest supported board side.</summary>
    public const int MaxSize = 19;

    /// <summary>Number of observation planes of <see cref="GoInputs.Basic"/>.</summary>
    public const int ObservationPlanes = 4;

    /// <summary>Number of past positions (the current one included) in the history input layouts.</summary>
    public const int HistoryLength = 8;

    private readonly int[] _neighbourStart; // neighbours of point p: _neighbours[_neighbourStart[p] .. _neighbourStart[p+1])
    private readonly int[] _neighbours;
    private readonly ulong[] _zobrist; // index 2·p + (colour − 1)

    /// <summary>Creates a game; throws <see cref="ArgumentOutOfRangeException"/> for a size outside 5..19.</summary>
    /// <param name="size">Board side.</param>
    /// <param name="komi">Points added to White's area.</param>
    /// <param name="allowSuicide">Whether a move that leaves its own group without liberties is legal (the group is then removed).</param>
    /// <param name="inputs">The observation layout (network input planes).</param>
    /// <param name="selfPlayPass">When self-play may pass (<see cref="GoSelfPlayPass"/>).</param>
    public GoGame(int size = 9, double komi = 7.5, bool allowSuicide = false, GoInputs inputs = GoInputs.Basic, GoSelfPlayPass selfPlayPass = GoSelfPlayPass.Settled)
    {
        if (!Enum.IsDefined(selfPlayPass)) throw new ArgumentOutOfRangeException(nameof(selfPlayPass), selfPlayPass, "unknown self-play pass rule");
        SelfPlayPass = selfPlayPass;
        if (size < MinSize || size > MaxSize) throw new ArgumentOutOfRangeException(nameof(size), size, $"board size must be {MinSize}..{MaxSize}");
        if (!double.IsFinite(komi)) throw new ArgumentOutOfRangeException(nameof(komi), komi, "komi must be finite");
        if (!Enum.IsDefined(inputs)) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "unknown Go input layout");
        Size = size;
        Komi = komi;
        AllowSuicide = allowSuicide;
        Inputs = inputs;
        Points = size * size;
        Symmetries = BoardSymmetries.Dihedral(size, Points + 1);

        _neighbourStart = new int[Points + 1];
        var list = new List<int>(4 * Points);
        for (int p = 0; p < Points; p++)
        {
            _neighbourStart[p] = list.Count;
            int x = p % size, y = p / size;
            if (x > 0) list.Add(p - 1);
            if (x < size - 1) list.Add(p + 1);
            if (y > 0) list.Add(p - size);
            if (y < size - 1) list.Add(p + size);
        }
        _neighbourStart[Points] = list.Count;
        _neighbours = list.ToArray();

        _zobrist = new ulong[2 * Points];
        ulong seed = 0x9E3779B97F4A7C15UL ^ (ulong)size;
        for (int i = 0; i < _zobrist.Length; i++) _zobrist[i] = SplitMix64(ref seed);
    }

    /// <summary>Board side.</summary>
    public int Size { get; }

    /// <summary>Number of board points, <c>Size²</c>.</summary>
    public int Points { get; }

    /// <summary>Points added to White's area when scoring.</summary>
    public double Komi { get; }

    /// <summary>Whether suicide is legal (the suicided group is removed).</summary>
    public bool AllowSuicide { get; }

    /// <summary>The observation layout (network input planes).</summary>
    public GoInputs Inputs { get; }

    /// <summary>Number of observation planes of <see cref="Inputs"/>: 4, 17 or 18.</summary>
    public int InputPlanes => PlanesOf(Inputs);

    /// <summary>Number of observation planes of a layout.</summary>
    public static int PlanesOf(GoInputs inputs) => inputs switch
    {
        GoInputs.Basic => ObservationPlanes,
        GoInputs.AlphaGoZero => 2 * HistoryLength + 1,
        GoInputs.LeelaZero => 2 * HistoryLength + 2,
        _ => throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "unknown Go input layout"),
    };

    /// <summary>The same rules with another observation layout.</summary>
    public GoGame WithInputs(GoInputs inputs) => inputs == Inputs ? this : new GoGame(Size, Komi, AllowSuicide, inputs, SelfPlayPass);

    /// <summary>When self-play may pass; see <see cref="GoSelfPlayPass"/>.</summary>
    public GoSelfPlayPass SelfPlayPass { get; }

    /// <summary>
    /// Self-play's pass rule (<see cref="SelfPlayPass"/>): with <see cref="GoSelfPlayPass.Settled"/> a pass that would
    /// not end the game (the opponent did not just pass) is permitted only when every other legal move fills one of the
    /// mover's own eyes (<see cref="GoPlayout.IsOwnEye"/>); a pass that ends the game is always permitted, since the
    /// search then scores the position exactly. Every other action is permitted.
    /// </summary>
    public bool PermitsInSelfPlay(IGameState state, int action)
    {
        if (action != PassAction || SelfPlayPass == GoSelfPlayPass.Free) return true;
        var s = (GoState)state;
        if (s.ConsecutivePasses > 0) return true;
        int colour = s.CurrentPlayer + 1;
        for (int p = 0; p < Points; p++)
            if (s.At(p) == GoState.Empty && !GoPlayout.IsOwnEye(s, p, colour) && s.IsLegal(p)) return false;
        return true;
    }

    /// <summary>The pass action, <c>Size²</c>.</summary>
    public int PassAction => Points;

    /// <inheritdoc />
    public string Name => $"go{Size}";
    /// <inheritdoc />
    public int NumPlayers => 2;
    /// <inheritdoc />
    public int NumActions => Points + 1;
    /// <summary>3·size² moves; a game that reaches it ends and is scored.</summary>
    public int MaxGameLength => 3 * Points;
    /// <inheritdoc />
    public ObservationShape ObservationShape => new(InputPlanes, Size, Size);
    /// <inheritdoc />
    public IReadOnlyList<Symmetry> Symmetries { get; }

    /// <inheritdoc />
    public IGameState NewInitialState() => GoState.Initial(this);

    /// <summary>The empty board, typed.</summary>
    public GoState NewGame() => GoState.Initial(this);

    /// <summary>The action of the point at column <paramref name="x"/> and row <paramref name="y"/> (0 = bottom).</summary>
    public int PointAction(int x, int y)
    {
        if ((uint)x >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(x));
        if ((uint)y >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(y));
        return y * Size + x;
    }

    /// <inheritdoc />
    public string ActionToString(int action)
    {
        if ((uint)action > (uint)Points) throw new ArgumentOutOfRangeException(nameof(action));
        if (action == Points) return "pass";
        return $"{ColumnLetters[action % Size]}{action / Size + 1}";
    }

    /// <summary>Parses a GTP vertex (letters case-insensitive) or <c>pass</c>.</summary>
    public bool TryParseAction(string text, out int action)
    {
        action = -1;
        if (string.IsNullOrEmpty(text)) return false;
        if (string.Equals(text, "pass", StringComparison.OrdinalIgnoreCase))
        {
            action = Points;
            return true;
        }
        if (text.Length < 2 || text.Length > 3) return false;
        int x = ColumnLetters.IndexOf(char.ToUpperInvariant(text[0]));
        if (x < 0 || x >= Size) return false;
        if (text[1] is < '1' or > '9') return false; // no leading zero
        int row = 0;
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] is < '0' or > '9') return false;
            row = row * 10 + (text[i] - '0');
        }
        if (row < 1 || row > Size) return false;
        action = (row - 1) * Size + x;
        return true;
    }

    internal ReadOnlySpan<int> Neighbours(int p) => _neighbours.AsSpan(_neighbourStart[p], _neighbourStart[p + 1] - _neighbourStart[p]);

    /// <summary>Zobrist key of a stone of <paramref name="colour"/> (1 Black, 2 White) at <paramref name="p"/>.</summary>
    internal ulong Key(int p, int colour) => _zobrist[2 * p + colour - 1];

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// Observation layouts of <see cref="GoGame"/>: which planes of size×size a network sees. "Mine" and "theirs"
/// are the stones of the player to move now and of the other player, in every past position too; history
/// planes before the first move of the game are all zeros.
/// </summary>
public enum GoInputs
{
    /// <summary>4 planes: 0 mine, 1 theirs, 2 all ones when Black is to move, 3 all ones (marks the board inside zero padding).</summary>
    Basic,

    /// <summary>
    /// AlphaGo Zero's 17 planes: mine and theirs interleaved over the last 8 positions, newest first
    /// (plane 2k = mine k moves ago, plane 2k+1 = theirs k moves ago), and plane 16 = all ones when Black is to move.
    /// </summary>
    AlphaGoZero,

    /// <summary>
    /// Leela Zero's 18 planes: 0–7 mine at t, t−1, …, t−7; 8–15 theirs at t … t−7; 16 all ones when Black is to
    /// move; 17 all ones when White is to move.
    /// </summary>
    LeelaZero,
}

/// <summary>When Go self-play may pass (config <c>go.selfPlayPass</c>).</summary>
/// <remarks>
/// Under Tromp-Taylor scoring with komi, two passes at the start end the game in White's favour. A network that has
/// learnt little, searching few moves, finds that equilibrium easily (Black's moves look no better than a pass, White
/// answers a pass with a pass) and self-play collapses into games of a few moves that teach nothing.
/// <see cref="Settled"/> rules it out: the game goes on until the board is settled in the sense of random playouts
/// (only moves into one's own eyes left), and every stone left on the board is scored as it stands, so dead stones
/// must be captured: the games teach life, death and the count.
/// </remarks>
public enum GoSelfPlayPass
{
    /// <summary>A pass that does not end the game only when every other legal move fills one of one's own eyes (the default).</summary>
    Settled,
    /// <summary>A pass whenever it is legal.</summary>
    Free,
}