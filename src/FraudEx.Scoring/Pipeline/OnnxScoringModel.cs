using FraudEx.Contracts.V1;
using FraudEx.Models;

namespace FraudEx.Scoring.Pipeline;

/// <summary>A shipped <see cref="FraudModel"/> (ONNX Runtime for scores; path attribution, or exact TreeSHAP, over the same file's trees for reasons) as the pipeline's model.</summary>
public sealed class OnnxScoringModel(FraudModel model, bool exactExplanations = false) : IScoringModel
{
    private readonly PathAttribution? paths = exactExplanations ? null : new PathAttribution(model.Ensemble);

    /// <summary>Loads a model file and its manifest; refuses one trained on another feature schema.</summary>
    public static OnnxScoringModel Load(string path) => new(FraudModel.Load(path));

    /// <summary>Loads a model file, explaining with exact TreeSHAP when <paramref name="exactExplanations"/>.</summary>
    public static OnnxScoringModel Load(string path, bool exactExplanations) => new(FraudModel.Load(path), exactExplanations);

    /// <inheritdoc />
    public string ModelId => model.Manifest.ModelId;

    /// <inheritdoc />
    public string Version => model.Manifest.Version;

    /// <inheritdoc />
    public string FeatureSchemaVersion => model.Manifest.FeatureSchema.Version;

    /// <inheritdoc />
    public int FeatureCount => model.FeatureCount;

    /// <inheritdoc />
    public Thresholds Thresholds { get; } = new() { Review = model.Manifest.Thresholds.Review, Decline = model.Manifest.Thresholds.Decline };

    /// <inheritdoc />
    public DegradedThresholds? DegradedThresholds => model.Manifest.DegradedThresholds;

    /// <inheritdoc />
    public float[] Score(float[] features, int rows) => model.Score(features.AsSpan(0, rows * model.FeatureCount), rows);

    /// <inheritdoc />
    public void Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        if (paths is null)
        {
            model.Contributions(row, contributions);
        }
        else
        {
            paths.Explain(row, contributions);
        }
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
