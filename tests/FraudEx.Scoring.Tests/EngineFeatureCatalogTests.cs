using FraudEx.Features.Engine;
using FraudEx.Scoring.Pipeline;

namespace FraudEx.Scoring.Tests;

public sealed class EngineFeatureCatalogTests
{
    private readonly EngineFeatureCatalog catalog = new();

    [Fact]
    public void Catalog_MirrorsEngineSchema()
    {
        Assert.Equal(FeatureSchema.Version, catalog.Version);
        Assert.Equal(FeatureSchema.Count, catalog.Features.Count);
        Assert.Equal(FeatureSchema.Names, catalog.Features.Select(f => f.Name));
        Assert.Equal(Enumerable.Range(0, FeatureSchema.Count), catalog.Features.Select(f => f.Index));
    }

    [Fact]
    public void TransactionOnlyVector_HasTransactionFeaturesAndNaNBehaviour()
    {
        var vector = new float[FeatureSchema.Count];
        catalog.ComputeTransactionOnly(Transactions.Valid(), vector);
        var amount = FeatureSchema.IndexOf("amount_log");
        Assert.Equal(MathF.Log(1 + 12.50f), vector[amount], 4);
        Assert.Equal(12, vector[FeatureSchema.IndexOf("hour_of_day")]);
        Assert.True(float.IsNaN(vector[FeatureSchema.IndexOf("acct_count_1h")]));
        Assert.True(float.IsNaN(vector[FeatureSchema.IndexOf("device_distinct_accounts_24h")]));
    }

    [Fact]
    public void Describe_UsesSchemaReason()
    {
        var index = FeatureSchema.IndexOf("acct_count_1h");
        Assert.Equal(("ACCOUNT_VELOCITY_1H", FeatureSchema.Get(index).ReasonText), catalog.Describe(index, 12));
    }
}
