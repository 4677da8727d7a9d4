using FraudEx.Features.Engine;
using static FraudEx.Features.Engine.Tests.TestData;

namespace FraudEx.Features.Engine.Tests;

public sealed class PointInTimeTests
{
    [Fact]
    public void Vector_DependsOnlyOnEarlierEvents()
    {
        var (txs, labels) = History(2000, seed: 3);
        var full = new OfflineReplay().Run(txs, labels).ToList();

        foreach (var cut in new[] { 1, 250, 999, 1500 })
        {
            // Same prefix, with a different (and larger) future appended: the prefix's vectors must not move.
            var altered = txs.Take(cut).Concat(History(500, seed: 99).Transactions.Select(t => t with { TimestampMs = t.TimestampMs + 400 * Day })).ToList();
            var rows = new OfflineReplay().Run(altered, labels.Where(l => l.LabelKnownMs <= txs[cut - 1].TimestampMs)).ToList();
            for (var i = 0; i < cut; i++)
            {
                BitEqual(full[i].Vector, rows[i].Vector, $"cut {cut} row {i}");
            }
        }
    }

    [Fact]
    public void Label_CountsOnlyFromItsKnownTime()
    {
        // Handbook protocol: a fraud on day 0 at a terminal becomes known 7 days later.
        var txs = new List<TransactionEvent>
        {
            Tx("fraud", T0 + Hour, account: "a1", merchant: "term"),
            Tx("ok", T0 + 2 * Hour, account: "a2", merchant: "term"),
            Tx("before-known", T0 + 7 * Day, account: "a3", merchant: "term"),
            Tx("after-known", T0 + 7 * Day + 2 * Hour, account: "a4", merchant: "term"),
        };
        var labels = new[] { new LabelEvent("fraud", "term", null, true, T0 + Hour, T0 + 7 * Day + Hour) };

        var rows = new OfflineReplay().Run(txs, labels).ToList();

        Assert.Equal(0, rows[2].Vector[I("merch_lag7_risk_1d")]);
        Assert.Equal(2, rows[2].Vector[I("merch_lag7_count_1d")]);
        Assert.Equal(0.5f, rows[3].Vector[I("merch_lag7_risk_1d")]);
        Assert.Equal(0.5f, rows[3].Vector[I("merch_lag7_risk_7d")]);
        Assert.Equal(0.5f, rows[3].Vector[I("merch_lag7_risk_30d")]);
        Assert.Equal((float)((1 + 0.2) / (4 + 20)), rows[3].Vector[I("merch_fraud_rate_smoothed")]);
    }

    [Fact]
    public void Run_LabelsOutOfKnownTimeOrder_Throw()
    {
        var labels = new[]
        {
            new LabelEvent("x", "m", null, true, T0, T0 + 2 * Day),
            new LabelEvent("y", "m", null, true, T0, T0 + Day),
        };

        Assert.Throws<ArgumentException>(() => new OfflineReplay().Run([Tx("t", T0 + 3 * Day)], labels).ToList());
    }
}
