namespace SelfPlayBN.Search;

// The Gumbel root search (RootSearch.Gumbel): which root child each simulation visits, the move and the improved policy.
// Written from the paper (Danihelka, Guez, Schrittwieser, Silver: "Policy improvement by planning with Gumbel", ICLR 2022).
public sealed partial class Mcts
{
    private bool _gumbelActive;          // this search picks root children by sequential halving
    private double[] _gumbelScore = [];  // per root child: g + logit (g = 0 without noise)
    private double[] _gumbelSigma = [];  // per root child: σ(q̂), recomputed at each use
    private int[] _gumbelBase = [];      // per root child: visits before this search (tree reuse)
    private int[] _gumbelTable = [];     // for the k-th root-child visit of this search, the visits the chosen child must have had

    /// <summary>Sets up sequential halving for the current search at an expanded root: samples the Gumbel noise, notes the
    /// visits kept from earlier searches and lays out the visit schedule.</summary>
    private void StartGumbel()
    {
        ref Node root = ref _nodes[0];
        int first = root.FirstChild, count = root.NumChildren;
        bool noise = Options.RootNoise && _noiseThisSearch;
        for (int k = 0; k < count; k++)
        {
            ref Node c = ref _nodes[first + k];
            double logit = Math.Log(Math.Max(c.Prior, 1e-30f));
            double g = 0;
            if (noise)
            {
                double u;
                do u = _rng.NextDouble(); while (u == 0);
                g = -Math.Log(-Math.Log(u));
            }
            _gumbelScore[k] = g + logit;
            _gumbelBase[k] = c.Visits + c.InFlight;
        }
        _gumbelTable = SequentialHalvingSchedule(Math.Min(Options.GumbelActions, count), _target);
        _gumbelActive = true;
    }

    /// <summary>
    /// Sequential halving's schedule for <paramref name="considered"/> actions and <paramref name="simulations"/> visits: entry
    /// <c>k</c> is how many visits the action chosen by the <c>k</c>-th visit must already have. The budget is split over
    /// <c>⌈log₂ m⌉</c> phases; in each phase every remaining action gets <c>max(1, ⌊n / (⌈log₂ m⌉ · remaining)⌋)</c> visits
    /// in turn, then the remaining set halves (to no fewer than 2). Visits beyond the phases go on in the last phase.
    /// </summary>
    public static int[] SequentialHalvingSchedule(int considered, int simulations)
    {
        var table = new int[simulations];
        if (considered <= 1)
        {
            for (int k = 0; k < simulations; k++) table[k] = k;
            return table;
        }
        int phases = (int)Math.Ceiling(Math.Log2(considered)), filled = 0, visits = 0, remaining = considered;
        while (filled < simulations)
        {
            int extra = Math.Max(1, simulations / (phases * remaining));
            for (int e = 0; e < extra && filled < simulations; e++, visits++)
                for (int i = 0; i < remaining && filled < simulations; i++) table[filled++] = visits;
            remaining = Math.Max(2, remaining / 2);
        }
        return table;
    }

    /// <summary>Visits root child <paramref name="k"/> received (or has pending) in this search.</summary>
    private int GumbelVisits(int k)
    {
        ref Node c = ref _nodes[_nodes[0].FirstChild + k];
        return c.Visits + c.InFlight - _gumbelBase[k];
    }

    /// <summary>The root child for the next simulation: among the children whose visits in this search equal the schedule's
    /// next entry, the best by <c>g + logit + σ(q̂)</c>; if none has that count (pending leaves can disturb it), the least
    /// visited, best by the same score.</summary>
    private int SelectGumbelChild()
    {
        ref Node root = ref _nodes[0];
        int first = root.FirstChild, count = root.NumChildren, started = 0;
        for (int k = 0; k < count; k++) started += GumbelVisits(k);
        int target = _gumbelTable.Length == 0 ? 0 : _gumbelTable[Math.Min(started, _gumbelTable.Length - 1)];
        GumbelSigma();
        int best = -1, fallback = -1, fewest = int.MaxValue;
        double bestScore = double.NegativeInfinity, fallbackScore = double.NegativeInfinity;
        for (int k = 0; k < count; k++)
        {
            double score = _gumbelScore[k] + _gumbelSigma[k];
            int n = GumbelVisits(k);
            if (n == target && score > bestScore) { bestScore = score; best = k; }
            if (n < fewest || (n == fewest && score > fallbackScore)) { fewest = n; fallbackScore = score; fallback = k; }
        }
        return first + (best >= 0 ? best : fallback);
    }

    /// <summary>
    /// Fills <see cref="_gumbelSigma"/> with <c>σ(q̂) = (c_visit + max_b N(b))·c_scale·q̂</c> for each root child: q̂ is the
    /// child's completed Q-value (its mean value if visited, else the mixed value <c>(v + ΣN·Σπq/Σπ) / (1 + ΣN)</c> of the
    /// root's network value <c>v</c> and the prior-weighted mean of the visited children) rescaled by the min and max over
    /// the children to [0, 1]. Values are the root player's.
    /// </summary>
    private void GumbelSigma()
    {
        ref Node root = ref _nodes[0];
        int first = root.FirstChild, count = root.NumChildren, rootPlayer = root.Player;
        double sumPiQ = 0, sumPi = 0;
        int sumN = 0, maxN = 0;
        for (int k = 0; k < count; k++)
        {
            ref Node c = ref _nodes[first + k];
            if (c.Visits == 0) continue;
            double q = (c.Mover == rootPlayer ? 1 : -1) * c.ValueSum / c.Visits;
            sumPiQ += c.Prior * q;
            sumPi += c.Prior;
            sumN += c.Visits;
            maxN = Math.Max(maxN, c.Visits);
        }
        double v = root.NetValue;
        double mixed = sumPi > 0 ? (v + sumN * sumPiQ / sumPi) / (1 + sumN) : v;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int k = 0; k < count; k++)
        {
            ref Node c = ref _nodes[first + k];
            double q = c.Visits == 0 ? mixed : (c.Mover == rootPlayer ? 1 : -1) * c.ValueSum / c.Visits;
            _gumbelSigma[k] = q;
            lo = Math.Min(lo, q);
            hi = Math.Max(hi, q);
        }
        double scale = (Options.GumbelCVisit + maxN) * Options.GumbelCScale / Math.Max(hi - lo, 1e-8);
        for (int k = 0; k < count; k++) _gumbelSigma[k] = (_gumbelSigma[k] - lo) * scale;
    }

    /// <summary>The move of a completed Gumbel search — among the children most visited in this search, the best by
    /// <c>g + logit + σ(q̂)</c> — and the improved policy <c>softmax(logit + σ(q̂))</c> over the actions.</summary>
    private int GumbelResult(out float[] policy)
    {
        ref Node root = ref _nodes[0];
        int first = root.FirstChild, count = root.NumChildren, most = -1;
        for (int k = 0; k < count; k++) most = Math.Max(most, GumbelVisits(k));
        GumbelSigma();
        int best = 0;
        double bestScore = double.NegativeInfinity, max = double.NegativeInfinity;
        for (int k = 0; k < count; k++)
        {
            double score = _gumbelScore[k] + _gumbelSigma[k];
            if (GumbelVisits(k) == most && score > bestScore) { bestScore = score; best = k; }
            max = Math.Max(max, Math.Log(Math.Max(_nodes[first + k].Prior, 1e-30f)) + _gumbelSigma[k]);
        }
        policy = new float[_numActions];
        double total = 0;
        var weights = new double[count];
        for (int k = 0; k < count; k++)
            total += weights[k] = Math.Exp(Math.Log(Math.Max(_nodes[first + k].Prior, 1e-30f)) + _gumbelSigma[k] - max);
        for (int k = 0; k < count; k++) policy[_nodes[first + k].Action] = (float)(weights[k] / total);
        return _nodes[first + best].Action;
    }
}
