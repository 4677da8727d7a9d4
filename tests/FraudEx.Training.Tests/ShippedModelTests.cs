using FraudEx.Features.Engine;
using FraudEx.Models;

namespace FraudEx.Training.Tests;

public class ShippedModelTests
{
    private static string ModelsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models");
            if (File.Exists(Path.Combine(dir.FullName, "FraudEx.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("models/ not found above " + AppContext.BaseDirectory);
    }

    private static string ManifestPath() => Path.Combine(ModelsDirectory(), $"fraud-{TrainingCli.ModelVersion}.manifest.json");

    [Fact]
    public void ShippedManifest_MatchesEngineSchema()
    {
        var manifest = ModelManifest.Load(ManifestPath());

        Assert.Equal(FeatureSchema.Version, manifest.FeatureSchema.Version);
        Assert.Equal(FeatureSchema.Names, manifest.FeatureSchema.Names);
        manifest.EnsureEngineSchema();
        Assert.InRange(manifest.Thresholds.Review, 0.0, manifest.Thresholds.Decline);
        Assert.True(File.Exists(Path.Combine(ModelsDirectory(), manifest.OnnxFile ?? $"fraud-{TrainingCli.ModelVersion}.onnx")));
        Assert.Equal(42, manifest.Training?.DataSeed);
        Assert.NotNull(manifest.DegradedThresholds);
        Assert.InRange(manifest.DegradedThresholds.Review, 0.0, 1.0);
    }

    [Fact]
    public void ShippedManifest_OtherSchemaVersion_IsRefused()
    {
        var manifest = ModelManifest.Load(ManifestPath());
        var renamed = FeatureSchema.Names.Select((n, i) => i == 0 ? n + "_v2" : n).ToArray();

        Assert.Throws<ModelSchemaMismatchException>(() => manifest.EnsureSchema("fx-0", FeatureSchema.Names));
        Assert.Throws<ModelSchemaMismatchException>(() => manifest.EnsureSchema(FeatureSchema.Version, renamed));
    }

    [Fact]
    public void ShippedModelCard_ReportsBaselineAndBenchmark()
    {
        var card = File.ReadAllText(Path.Combine(ModelsDirectory(), "MODEL_CARD.md"));

        Assert.Contains("raw-field baseline", card, StringComparison.Ordinal);
        Assert.Contains("recall at 0.1 % FPR", card, StringComparison.Ordinal);
        Assert.Contains("Recall per fraud scenario", card, StringComparison.Ordinal);
        Assert.Contains("Card Precision@100", card, StringComparison.Ordinal);
        Assert.Contains(FeatureSchema.Version, card, StringComparison.Ordinal);
        Assert.Contains("degraded DECLINE", card, StringComparison.Ordinal);
        Assert.Contains("Top 10 features by gain", card, StringComparison.Ordinal);
        Assert.Contains("Calendar check", card, StringComparison.Ordinal);
    }
}
