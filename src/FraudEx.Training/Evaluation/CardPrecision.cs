namespace FraudEx.Training.Evaluation;

/// <summary>One scored transaction of an assessed period, for card-level metrics.</summary>
public readonly record struct CardScore(int Day, string Card, float Score, bool Fraud);

/// <summary>Card Precision@k as the Fraud Detection Handbook defines it (chapter 4, card_precision_top_k).</summary>
public static class CardPrecision
{
    /// <summary>
    /// For each day: each card's maximum score and whether it had any fraud that day; the k highest-scored cards;
    /// the share of them that are fraudulent. Cards found fraudulent in an earlier day's top k are left out of
    /// later days (an investigator has already dealt with them). Returns the mean over days and the daily values.
    /// </summary>
    public static (double Mean, double[] Daily) AtK(IEnumerable<CardScore> rows, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var detected = new HashSet<string>(StringComparer.Ordinal);
        var daily = new List<double>();
        foreach (var day in rows.GroupBy(r => r.Day).OrderBy(g => g.Key))
        {
            var cards = new Dictionary<string, (float Score, bool Fraud)>(StringComparer.Ordinal);
            foreach (var r in day)
            {
                if (detected.Contains(r.Card))
                {
                    continue;
                }
                cards[r.Card] = cards.TryGetValue(r.Card, out var c) ? (Math.Max(c.Score, r.Score), c.Fraud || r.Fraud) : (r.Score, r.Fraud);
            }
            // Ties are broken by card id so the result does not depend on input order.
            var top = cards.OrderByDescending(c => c.Value.Score).ThenBy(c => c.Key, StringComparer.Ordinal).Take(k).ToList();
            var found = top.Where(c => c.Value.Fraud).Select(c => c.Key).ToList();
            daily.Add((double)found.Count / k);
            detected.UnionWith(found);
        }
        return (daily.Count == 0 ? double.NaN : daily.Average(), daily.ToArray());
    }
}
