using System.Globalization;
using System.Text;

namespace SelfPlayBN.Go.Engine;

/// <summary>
/// The analysis line of Leela Zero's <c>lz-analyze</c> and <c>lz-genmove_analyze</c>, which Lizzie and Sabaki read:
/// for each visited root move, best first,
/// <c>info move D4 visits 123 winrate 5234 prior 1200 lcb 5100 order 0 pv D4 Q16 …</c>, all on one line,
/// separated by single spaces. Winrate, prior and lcb are in units of 1/10,000 (truncated, as Leela Zero does), the winrate and lcb
/// for the player to move at the analysed position; <c>order</c> counts from 0 in the order given.
/// </summary>
public static class LeelaZeroAnalysis
{
    /// <summary>The line for <paramref name="analysis"/> (empty when no move has been visited yet).</summary>
    public static string Format(SearchAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var game = analysis.Root.GoGame;
        var sb = new StringBuilder();
        for (int i = 0; i < analysis.Moves.Count; i++)
        {
            var m = analysis.Moves[i];
            if (i > 0) sb.Append(' ');
            sb.Append("info move ").Append(game.ActionToString(m.Action))
              .Append(" visits ").Append(m.Visits.ToString(CultureInfo.InvariantCulture))
              .Append(" winrate ").Append(Units(m.Winrate))
              .Append(" prior ").Append(Units(m.Prior))
              .Append(" lcb ").Append(Units(m.Lcb))
              .Append(" order ").Append(i.ToString(CultureInfo.InvariantCulture))
              .Append(" pv");
            foreach (int a in m.PrincipalVariation) sb.Append(' ').Append(game.ActionToString(a));
        }
        return sb.ToString();
    }

    /// <summary>Leela Zero's conversion: the float times 10,000, truncated toward zero (<c>static_cast&lt;int&gt;</c>), not rounded.</summary>
    private static string Units(double p) => ((int)((float)Math.Clamp(p, 0, 1) * 10_000f)).ToString(CultureInfo.InvariantCulture);
}
