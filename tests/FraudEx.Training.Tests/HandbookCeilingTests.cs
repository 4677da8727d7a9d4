using FraudEx.Features.Engine;
using FraudEx.Training.Handbook;
using FraudEx.Training.Reporting;

namespace FraudEx.Training.Tests;

public class HandbookCeilingTests
{
    private static readonly DateTime T0 = new(2018, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static float[] Features(float termRisk30d, float knownFraudRun)
    {
        var v = new float[FeatureSchema.Count + HandbookFeatures.Count];
        v[FeatureSchema.Count + HandbookFeatures.Names.ToList().IndexOf("term_exact_risk_30d")] = termRisk30d;
        v[FeatureSchema.Count + HandbookFeatures.Names.ToList().IndexOf("term_known_fraud_run")] = knownFraudRun;
        return v;
    }

    [Fact]
    public void Unseeable_OnlyTerminalCompromisesWhoseTerminalsLatestKnownPaymentIsGenuine()
    {
        var compromise = new HandbookTransaction(1, T0, 1, 9, 1000, 0, true, 2);

        Assert.True(HandbookBenchmark.Unseeable(compromise, Features(0, 0)));
        // The compromise's first payments are labelled: the latest known payment at the terminal is fraud.
        Assert.False(HandbookBenchmark.Unseeable(compromise, Features(0.5f, 3)));
        // A known fraud in the 30-day window that is not part of a run reaching the latest known payment (an earlier
        // large amount or compromised card, or an ended compromise) says nothing of the current compromise.
        Assert.True(HandbookBenchmark.Unseeable(compromise, Features(0.5f, 0)));
        Assert.False(HandbookBenchmark.UnseeableByWindow(compromise, Features(0.5f, 0)));
        // Other scenarios (large amounts, compromised cards) and genuine payments are never unseeable.
        Assert.False(HandbookBenchmark.Unseeable(compromise with { Scenario = 3 }, Features(0, 0)));
        Assert.False(HandbookBenchmark.Unseeable(compromise with { Fraud = false, Scenario = 0 }, Features(0, 0)));
    }

    [Fact]
    public void Unseeable_OnAComputedHistory_AYoungCompromiseAfterAnUnrelatedKnownFraud()
    {
        // Terminal 9: a large-amount fraud on day 0, a genuine payment on day 2, then compromised from day 10 (every
        // payment fraud). On day 12 the known payments (at or before day 5) end with the genuine one: nothing of the
        // compromise is known, though a fraud is in the terminal's 30-day window. On day 19 the day-10 fraud is known.
        HandbookTransaction Tx(long id, int day, bool fraud, int scenario, long cents = 5000) =>
            new(id, T0.AddDays(day).AddHours(12), (int)id, 9, cents, day, fraud, scenario);
        var rows = new[]
        {
            Tx(1, 0, true, 1, 25000), Tx(2, 2, false, 0), Tx(3, 10, true, 2), Tx(4, 12, true, 2), Tx(5, 19, true, 2),
        };
        var extra = HandbookFeatures.Compute(rows);
        float[] Vector(int i)
        {
            var v = new float[FeatureSchema.Count + HandbookFeatures.Count];
            extra.AsSpan(i * HandbookFeatures.Count, HandbookFeatures.Count).CopyTo(v.AsSpan(FeatureSchema.Count));
            return v;
        }

        Assert.True(HandbookBenchmark.Unseeable(rows[3], Vector(3)));
        Assert.False(HandbookBenchmark.UnseeableByWindow(rows[3], Vector(3)));
        Assert.False(HandbookBenchmark.Unseeable(rows[4], Vector(4)));
    }

    [Fact]
    public void CeilingVerdict_SaysWhetherEvenTheReachableRankingBeatsTheBookByOneSd()
    {
        Assert.Contains("cannot be met", ModelCard.CeilingVerdict(new MeanSd(0.313, 0.015), 0.305), StringComparison.Ordinal);
        Assert.Contains("reachable in principle", ModelCard.CeilingVerdict(new MeanSd(0.330, 0.015), 0.305), StringComparison.Ordinal);
    }
}
