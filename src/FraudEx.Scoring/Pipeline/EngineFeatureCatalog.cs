using FraudEx.Contracts.V1;
using FraudEx.Features.Engine;

namespace FraudEx.Scoring.Pipeline;

/// <summary>The feature engine's schema as the scorer uses it: descriptors, reasons, and the degraded vector.</summary>
public sealed class EngineFeatureCatalog : IFeatureCatalog
{
    /// <inheritdoc />
    public string Version => FeatureSchema.Version;

    /// <inheritdoc />
    public IReadOnlyList<FeatureDescriptor> Features { get; } = FeatureSchema.Features
        .Select(f => new FeatureDescriptor { Index = f.Index, Name = f.Name, Description = f.Description })
        .ToArray();

    /// <inheritdoc />
    public void ComputeTransactionOnly(Transaction transaction, Span<float> vector)
    {
        // Behavioural features stay NaN, the value the model was trained to treat as "state unavailable".
        vector.Fill(float.NaN);
        FeatureComputer.WriteTransactionFeatures(TransactionMapper.ToEvent(transaction), vector);
    }

    /// <inheritdoc />
    public (string Code, string Sentence) Describe(int index, float value)
    {
        var definition = FeatureSchema.Get(index);
        return (definition.ReasonCode, definition.ReasonText);
    }
}
