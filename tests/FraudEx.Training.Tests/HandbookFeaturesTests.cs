using FraudEx.Training.Handbook;

namespace FraudEx.Training.Tests;

public class HandbookFeaturesTests
{
    private static readonly DateTime T0 = new(2018, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static HandbookTransaction Tx(int id, double days, int customer, int terminal, long cents, bool fraud) =>
        new(id, T0.AddDays(days), customer, terminal, cents, (int)days, fraud, fraud ? 2 : 0);

    private static float At(float[] values, int row, string name) =>
        values[row * HandbookFeatures.Count + HandbookFeatures.Names.ToList().IndexOf(name)];

    [Fact]
    public void Terminal_ExactWindowsEndSevenDaysBack_AndOnlyKnownFraudsCount()
    {
        HandbookTransaction[] rows =
        [
            Tx(0, 0.0, 1, 9, 1000, true),    // known from day 7.0
            Tx(1, 2.5, 2, 9, 1000, false),
            Tx(2, 5.0, 3, 9, 1000, true),    // known from day 12.0
            Tx(3, 9.4, 4, 9, 1000, false),   // windows end at day 2.4
            Tx(4, 12.5, 5, 9, 1000, false),  // windows end at day 5.5
        ];

        var v = HandbookFeatures.Compute(rows);

        Assert.Equal(0, At(v, 0, "term_exact_count_7d"));
        Assert.Equal(0, At(v, 0, "term_known_frauds"));
        Assert.True(float.IsNaN(At(v, 0, "term_days_since_known_fraud")));
        // Day 9.4: (1.4, 2.4] is empty; (−4.6, 2.4] holds the fraud of day 0 only (day 2.5 is after the end).
        Assert.Equal(0, At(v, 3, "term_exact_count_1d"));
        Assert.Equal(0, At(v, 3, "term_exact_risk_1d"));
        Assert.Equal(1, At(v, 3, "term_exact_count_7d"));
        Assert.Equal(1, At(v, 3, "term_exact_risk_7d"));
        Assert.Equal(1, At(v, 3, "term_known_frauds"));
        Assert.Equal(9.4f, At(v, 3, "term_days_since_known_fraud"), 3);
        // Day 12.5: (4.5, 5.5] holds the fraud of day 5; (−1.5, 5.5] all three earlier payments, two of them fraud.
        Assert.Equal(1, At(v, 4, "term_exact_count_1d"));
        Assert.Equal(1, At(v, 4, "term_exact_risk_1d"));
        Assert.Equal(3, At(v, 4, "term_exact_count_7d"));
        Assert.Equal(2f / 3, At(v, 4, "term_exact_risk_7d"), 5);
        Assert.Equal(3, At(v, 4, "term_exact_count_30d"));
        Assert.Equal(2, At(v, 4, "term_known_frauds"));
        Assert.Equal(7.5f, At(v, 4, "term_days_since_known_fraud"), 3);
    }

    [Fact]
    public void Card_CountsUnusualAmountsInExactWindowsAndKeepsTheLargestZScore()
    {
        HandbookTransaction[] rows =
        [
            Tx(0, 20.0, 7, 1, 1000, false),
            Tx(1, 20.1, 7, 2, 1000, false),
            Tx(2, 20.2, 7, 3, 1200, false),   // z ≈ 1.7 against two equal amounts (std floored at 0.1): usual
            Tx(3, 20.5, 7, 4, 20_000, true),  // z ≈ 28: unusual
            Tx(4, 21.0, 7, 5, 22_000, true),  // far less surprising after the 200
            Tx(5, 28.0, 7, 6, 1000, false),
        ];

        var v = HandbookFeatures.Compute(rows);

        Assert.True(float.IsNaN(At(v, 0, "card_max_zscore_24h")));
        Assert.Equal(0, At(v, 2, "card_unusual_count_24h"));
        Assert.Equal(1, At(v, 3, "card_unusual_count_24h"));
        Assert.InRange(At(v, 3, "card_max_zscore_24h"), 20, 40);
        // Day 21.0: the window (20.0, 21.0] still holds the 200.
        Assert.Equal(1, At(v, 4, "card_unusual_count_24h"));
        Assert.Equal(At(v, 3, "card_max_zscore_24h"), At(v, 4, "card_max_zscore_24h"));
        Assert.Equal(1, At(v, 4, "card_unusual_count_7d"));
        // Day 28.0: (21.0, 28.0] holds only this payment.
        Assert.Equal(0, At(v, 5, "card_unusual_count_7d"));
        Assert.True(At(v, 5, "card_max_zscore_24h") < 0);
    }
}
