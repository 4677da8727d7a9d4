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

    [Fact]
    public void Terminal_FraudRunEndsAtTheLatestKnownTransaction_AndDatesFromItsFirstFraud()
    {
        HandbookTransaction[] rows =
        [
            Tx(0, 0.0, 1, 9, 1000, true),    // a fraud, then a genuine payment: the run breaks
            Tx(1, 1.0, 2, 9, 1000, false),
            Tx(2, 2.0, 3, 9, 1000, true),    // a compromise from day 2: three frauds in a row
            Tx(3, 3.0, 4, 9, 1000, true),
            Tx(4, 4.0, 5, 9, 1000, true),
            Tx(5, 8.5, 6, 9, 1000, false),   // known: days 0 and 1; the latest known is genuine
            Tx(6, 10.5, 7, 9, 1000, false),  // known up to day 3.5: the frauds of days 2 and 3
            Tx(7, 12.0, 8, 9, 1000, false),  // known up to day 5.0: all three
        ];

        var v = HandbookFeatures.Compute(rows);

        Assert.Equal(0, At(v, 0, "term_known_fraud_run"));
        Assert.True(float.IsNaN(At(v, 0, "term_known_fraud_run_days")));
        Assert.Equal(0, At(v, 5, "term_known_fraud_run"));
        Assert.True(float.IsNaN(At(v, 5, "term_known_fraud_run_days")));
        Assert.Equal(2, At(v, 6, "term_known_fraud_run"));
        Assert.Equal(8.5f, At(v, 6, "term_known_fraud_run_days"), 3);
        Assert.Equal(3, At(v, 7, "term_known_fraud_run"));
        Assert.Equal(10f, At(v, 7, "term_known_fraud_run_days"), 3);
    }

    [Fact]
    public void Card_KnownGenuineZScore_UsesOnlyGenuinePaymentsKnownSevenDaysBack()
    {
        HandbookTransaction[] rows =
        [
            Tx(0, 0.0, 7, 1, 1000, false),   // 10 EUR
            Tx(1, 1.0, 7, 1, 3000, false),   // 30 EUR: known genuine mean 20, sd √200 ≈ 14.14
            Tx(2, 2.0, 7, 1, 50_000, true),  // a known fraud from day 9: never part of the baseline
            Tx(3, 7.5, 7, 1, 2000, false),   // known by 0.5: only day 0's payment, fewer than 2
            Tx(4, 8.5, 7, 1, 8000, false),   // known genuine by 1.5: 10 and 30
            Tx(5, 9.5, 7, 1, 8000, true),    // known by 2.5: 10, 30 and the fraud (left out)
        ];

        var v = HandbookFeatures.Compute(rows);

        Assert.True(float.IsNaN(At(v, 3, "card_known_genuine_zscore")));
        var z = (80 - 20) / Math.Sqrt(200);
        Assert.Equal((float)z, At(v, 4, "card_known_genuine_zscore"), 4);
        Assert.Equal((float)z, At(v, 5, "card_known_genuine_zscore"), 4);
        Assert.Equal((float)z, At(v, 5, "card_known_genuine_max_zscore_24h"), 4);
        Assert.Equal(1, At(v, 4, "card_known_genuine_unusual_7d"));
        Assert.Equal(2, At(v, 5, "card_known_genuine_unusual_7d"));
    }
}
