using FraudEx.Features.Engine;
using FraudEx.Training.Handbook;

namespace FraudEx.Training.Tests;

public class HandbookCeilingTests
{
    private static readonly DateTime T0 = new(2018, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static float[] Features(float termRisk30d)
    {
        var v = new float[FeatureSchema.Count + HandbookFeatures.Count];
        v[FeatureSchema.Count + HandbookFeatures.Names.ToList().IndexOf("term_exact_risk_30d")] = termRisk30d;
        return v;
    }

    [Fact]
    public void Unseeable_OnlyTerminalCompromisesWithNoKnownFraudAtTheTerminal()
    {
        var compromise = new HandbookTransaction(1, T0, 1, 9, 1000, 0, true, 2);

        Assert.True(HandbookBenchmark.Unseeable(compromise, Features(0)));
        // A label of the terminal's compromise is known: the terminal's side can see it.
        Assert.False(HandbookBenchmark.Unseeable(compromise, Features(0.5f)));
        // Other scenarios (large amounts, compromised cards) and genuine payments are never unseeable.
        Assert.False(HandbookBenchmark.Unseeable(compromise with { Scenario = 3 }, Features(0)));
        Assert.False(HandbookBenchmark.Unseeable(compromise with { Fraud = false, Scenario = 0 }, Features(0)));
    }
}
