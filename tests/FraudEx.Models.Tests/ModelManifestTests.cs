using FraudEx.Features.Engine;

namespace FraudEx.Models.Tests;

public sealed class ModelManifestTests
{
    internal static ModelManifest Manifest(string schemaVersion, IReadOnlyList<string> names) => new()
    {
        ModelId = "fraud-test",
        Version = "0.0.1",
        FeatureSchema = new FeatureSchemaInfo(schemaVersion, names),
        Thresholds = new DecisionThresholds(0.2, 0.8),
        Training = new TrainingInfo { DataSeed = 42, Parameters = new Dictionary<string, string> { ["eta"] = "0.1" } },
    };

    [Fact]
    public void EnsureEngineSchema_SameSchema_Accepts()
    {
        var manifest = Manifest(FeatureSchema.Version, FeatureSchema.Names);

        manifest.EnsureEngineSchema();
    }

    [Fact]
    public void EnsureEngineSchema_OtherVersion_Refuses()
    {
        var manifest = Manifest("fx-0", FeatureSchema.Names);

        var error = Assert.Throws<ModelSchemaMismatchException>(manifest.EnsureEngineSchema);

        Assert.Contains("'fx-0'", error.Message, StringComparison.Ordinal);
        Assert.Contains(FeatureSchema.Version, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureSchema_SwappedFeatures_RefusesNamingTheIndex()
    {
        var names = FeatureSchema.Names.ToArray();
        (names[3], names[4]) = (names[4], names[3]);
        var manifest = Manifest(FeatureSchema.Version, names);

        var error = Assert.Throws<ModelSchemaMismatchException>(manifest.EnsureEngineSchema);

        Assert.Contains("index 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureSchema_MissingFeature_Refuses()
    {
        var manifest = Manifest("v1", ["a", "b"]);

        Assert.Throws<ModelSchemaMismatchException>(() => manifest.EnsureSchema("v1", ["a", "b", "c"]));
    }

    [Fact]
    public void Json_RoundTrip_KeepsEveryField()
    {
        var manifest = Manifest("v1", ["a", "b"]) with { Metrics = new System.Text.Json.Nodes.JsonObject { ["test_pr_auc"] = 0.71 } };

        var json = manifest.ToJson();
        var back = ModelManifest.Parse(json);

        Assert.Contains("\"feature_schema\"", json, StringComparison.Ordinal);
        Assert.Contains("\"review\": 0.2", json, StringComparison.Ordinal);
        Assert.Equal(manifest.ModelId, back.ModelId);
        Assert.Equal(["a", "b"], back.FeatureSchema.Names);
        Assert.Equal(0.8, back.Thresholds.Decline);
        Assert.Equal(42, back.Training?.DataSeed);
        Assert.Equal(0.71, back.Metrics!["test_pr_auc"]!.GetValue<double>());
    }

    [Fact]
    public void Json_DegradedThresholds_RoundTripWithExplicitNullDecline()
    {
        var withDecline = Manifest("v1", ["a"]) with { DegradedThresholds = new DegradedThresholds { Review = 0.3, Decline = 0.95 } };
        var reviewOnly = Manifest("v1", ["a"]) with { DegradedThresholds = new DegradedThresholds { Review = 0.4 } };

        var backWithDecline = ModelManifest.Parse(withDecline.ToJson());
        var reviewOnlyJson = reviewOnly.ToJson();
        var backReviewOnly = ModelManifest.Parse(reviewOnlyJson);

        Assert.Equal(0.3, backWithDecline.DegradedThresholds!.Review);
        Assert.Equal(0.95, backWithDecline.DegradedThresholds.Decline);
        Assert.Contains("\"degraded_thresholds\"", reviewOnlyJson, StringComparison.Ordinal);
        Assert.Contains("\"decline\": null", reviewOnlyJson, StringComparison.Ordinal);
        Assert.Equal(0.4, backReviewOnly.DegradedThresholds!.Review);
        Assert.Null(backReviewOnly.DegradedThresholds.Decline);
    }

    [Fact]
    public void Parse_ManifestWithoutDegradedThresholds_HasNone()
    {
        var back = ModelManifest.Parse("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":["a"]},"thresholds":{"review":0.1,"decline":0.5}}""");

        Assert.Null(back.DegradedThresholds);
    }

    [Theory]
    [InlineData("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":["a"]},"thresholds":{"review":0.1,"decline":0.5},"degraded_thresholds":{"review":0.6,"decline":0.5}}""")]
    [InlineData("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":["a"]},"thresholds":{"review":0.1,"decline":0.5},"degraded_thresholds":{"review":1.5,"decline":null}}""")]
    [InlineData("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":["a"]},"thresholds":{"review":0.9,"decline":0.5}}""")]
    [InlineData("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":[]},"thresholds":{"review":0.1,"decline":0.5}}""")]
    [InlineData("""{"model_id":"m","version":"1","feature_schema":{"version":"v","names":["a","a"]},"thresholds":{"review":0.1,"decline":0.5}}""")]
    [InlineData("""{"version":"1"}""")]
    [InlineData("""not json""")]
    public void Parse_InvalidManifest_Throws(string json)
    {
        Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(json));
    }

    [Fact]
    public void PathFor_ReplacesOnnxExtension()
    {
        Assert.Equal(Path.Combine("models", "fraud-1.2.0.manifest.json"), ModelManifest.PathFor(Path.Combine("models", "fraud-1.2.0.onnx")));
    }
}
