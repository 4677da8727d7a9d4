using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FraudEx.Features.Engine;

namespace FraudEx.Models;

/// <summary>What a shipped model was trained on and how to use it: models/&lt;id&gt;.manifest.json beside the .onnx file.</summary>
public sealed record ModelManifest
{
    public required string ModelId { get; init; }

    public required string Version { get; init; }

    /// <summary>The ONNX file, relative to the manifest's directory (default: the manifest's name with .onnx).</summary>
    public string? OnnxFile { get; init; }

    public DateTimeOffset? CreatedUtc { get; init; }

    public required FeatureSchemaInfo FeatureSchema { get; init; }

    public required DecisionThresholds Thresholds { get; init; }

    /// <summary>Thresholds for degraded scores (the model scored with every behavioural feature missing, as the scorer
    /// does when features are unavailable), chosen on validation data like <see cref="Thresholds"/>. Null in manifests
    /// written before they existed: a policy then has no model-backed degraded DECLINE.</summary>
    public DegradedThresholds? DegradedThresholds { get; init; }

    public TrainingInfo? Training { get; init; }

    /// <summary>Evaluation figures (validation, test, per scenario …), free-form so the model card can grow.</summary>
    public JsonObject? Metrics { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static ModelManifest Parse(string json)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Invalid model manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException("Invalid model manifest: empty document.");
        }

        manifest.Validate();
        return manifest;
    }

    public static ModelManifest Load(string path) => Parse(File.ReadAllText(path));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    /// <summary>The manifest path for a model file: fraud-1.2.0.onnx → fraud-1.2.0.manifest.json.</summary>
    public static string PathFor(string onnxPath) => Path.ChangeExtension(onnxPath, ".manifest.json");

    /// <summary>Refuses (throws <see cref="ModelSchemaMismatchException"/>) unless the model was trained on exactly this
    /// feature schema: same version and the same names in the same order.</summary>
    public void EnsureSchema(string schemaVersion, IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        if (FeatureSchema.Version != schemaVersion)
        {
            throw new ModelSchemaMismatchException(
                $"Model {ModelId} was trained on feature schema '{FeatureSchema.Version}', but the engine computes '{schemaVersion}'.");
        }

        var names = FeatureSchema.Names;
        var common = Math.Min(names.Count, featureNames.Count);
        for (var i = 0; i < common; i++)
        {
            if (names[i] != featureNames[i])
            {
                throw new ModelSchemaMismatchException(
                    $"Model {ModelId} expects feature '{names[i]}' at index {i}, but the engine's schema '{schemaVersion}' has '{featureNames[i]}' there.");
            }
        }

        if (names.Count != featureNames.Count)
        {
            throw new ModelSchemaMismatchException(
                $"Model {ModelId} was trained on {names.Count} features, but the engine's schema '{schemaVersion}' has {featureNames.Count}.");
        }
    }

    /// <summary>Refuses a model not trained on the feature engine's current schema (<see cref="Features.Engine.FeatureSchema"/>).</summary>
    public void EnsureEngineSchema() => EnsureSchema(Features.Engine.FeatureSchema.Version, Features.Engine.FeatureSchema.Names);

    private void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelId) || string.IsNullOrWhiteSpace(Version))
        {
            throw new InvalidDataException("Invalid model manifest: model_id and version are required.");
        }

        if (FeatureSchema is null || string.IsNullOrWhiteSpace(FeatureSchema.Version) || FeatureSchema.Names is not { Count: > 0 })
        {
            throw new InvalidDataException("Invalid model manifest: feature_schema needs a version and the feature names in order.");
        }

        if (FeatureSchema.Names.Distinct(StringComparer.Ordinal).Count() != FeatureSchema.Names.Count)
        {
            throw new InvalidDataException("Invalid model manifest: feature_schema.names has duplicates.");
        }

        if (Thresholds is null || !(Thresholds.Review is >= 0 and <= 1) || !(Thresholds.Decline is >= 0 and <= 1) || Thresholds.Review > Thresholds.Decline)
        {
            throw new InvalidDataException("Invalid model manifest: thresholds need 0 ≤ review ≤ decline ≤ 1.");
        }

        if (DegradedThresholds is { } degraded
            && (!(degraded.Review is >= 0 and <= 1) || degraded.Decline is { } decline && !(decline >= degraded.Review && decline <= 1)))
        {
            throw new InvalidDataException("Invalid model manifest: degraded_thresholds need 0 ≤ review ≤ 1 and, when decline is set, review ≤ decline ≤ 1.");
        }
    }
}

/// <summary>The feature schema a model was trained on.</summary>
public sealed record FeatureSchemaInfo(string Version, IReadOnlyList<string> Names);

/// <summary>Probability thresholds: REVIEW at or above <see cref="Review"/>, DECLINE at or above <see cref="Decline"/>.</summary>
public sealed record DecisionThresholds(double Review, double Decline);

/// <summary>Thresholds for degraded scores: REVIEW at or above <see cref="Review"/>; DECLINE at or above
/// <see cref="Decline"/> only when it is set. Decline is null (written as <c>"decline": null</c>) when no degraded score
/// reached the same validation precision as the normal DECLINE threshold: then a degraded score is never declined on
/// the model's word, at most sent to REVIEW.</summary>
public sealed record DegradedThresholds
{
    public required double Review { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Decline { get; init; }
}

/// <summary>How the model was trained, enough to reproduce it.</summary>
public sealed record TrainingInfo
{
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public int? Rounds { get; init; }

    public int? BestIteration { get; init; }

    public long? DataSeed { get; init; }

    public long? TrainingSeed { get; init; }

    /// <summary>The command that retrains this model from scratch.</summary>
    public string? Command { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A model trained on another feature schema than the one the engine computes: scoring it would be wrong.</summary>
public sealed class ModelSchemaMismatchException(string message) : Exception(message);
