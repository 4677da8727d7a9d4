using FraudEx.Contracts.V1;

namespace FraudEx.Scoring.Pipeline;

/// <summary>Why a batch's features could not be computed; becomes the responses' degraded_reason.</summary>
public sealed class FeaturesUnavailableException(DegradedReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>Timeout or unavailable.</summary>
    public DegradedReason Reason { get; } = reason;
}

/// <summary>Behavioural features of a batch, one vector per transaction, in request order.</summary>
public sealed record FeatureBatch(string SchemaVersion, float[][] Vectors, bool[] Duplicates);

/// <summary>Computes the behavioural features of a batch (the feature service, in production).</summary>
public interface IFeatureSource
{
    /// <summary>
    /// Computes one vector per transaction and folds the transactions into the behavioural state. Throws
    /// <see cref="FeaturesUnavailableException"/> when the features cannot be had within the budget.
    /// </summary>
    ValueTask<FeatureBatch> ComputeAsync(IReadOnlyList<Transaction> transactions, CancellationToken cancellationToken);
}

/// <summary>The feature schema the scorer and the model share: names, reasons, and the transaction-only subset.</summary>
public interface IFeatureCatalog
{
    /// <summary>Schema version ("fx-1").</summary>
    string Version { get; }

    /// <summary>Features in vector order.</summary>
    IReadOnlyList<FeatureDescriptor> Features { get; }

    /// <summary>
    /// Fills <paramref name="vector"/> from the transaction alone: transaction fields computed, behavioural features
    /// NaN. Used when the feature service cannot answer.
    /// </summary>
    void ComputeTransactionOnly(Transaction transaction, Span<float> vector);

    /// <summary>The reason code and sentence for feature <paramref name="index"/> having value <paramref name="value"/>.</summary>
    (string Code, string Sentence) Describe(int index, float value);
}

/// <summary>A loaded model that can score and explain batches; safe for concurrent use.</summary>
public interface IScoringModel : IDisposable
{
    /// <summary>Model id ("fraud").</summary>
    string ModelId { get; }

    /// <summary>Model version ("fraud-1.0.0").</summary>
    string Version { get; }

    /// <summary>The feature schema version it was trained on.</summary>
    string FeatureSchemaVersion { get; }

    /// <summary>Number of input features.</summary>
    int FeatureCount { get; }

    /// <summary>The manifest's thresholds.</summary>
    Thresholds Thresholds { get; }

    /// <summary>The manifest's thresholds for degraded scores (<c>degraded_thresholds</c>); null when it has none, and
    /// then the policy never declines a degraded score on the model's word.</summary>
    FraudEx.Models.DegradedThresholds? DegradedThresholds => null;

    /// <summary>Fraud probabilities of <paramref name="rows"/> rows of <see cref="FeatureCount"/> features (row-major).</summary>
    float[] Score(float[] features, int rows);

    /// <summary>
    /// Per-feature contributions of one row to the log-odds margin, FeatureCount + 1 values with the bias last; they
    /// sum to the margin.
    /// </summary>
    void Explain(ReadOnlySpan<float> row, Span<double> contributions);
}

/// <summary>Hands decisions to the alert side. Must not block scoring and must not lose a decision.</summary>
public interface IDecisionHandOff
{
    /// <summary>Queues <paramref name="decisions"/> for durable delivery.</summary>
    ValueTask HandOffAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken);
}
