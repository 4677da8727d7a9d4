using FraudEx.Contracts.V1;
using FraudEx.Features;
using FraudEx.Features.Engine;

namespace FraudEx.Scoring.Pipeline;

/// <summary>
/// Features computed in the scorer's own process (<c>Scoring:Features:Mode = InProcess</c>): the same
/// <see cref="FeatureStore"/> code over the same Redis keys that the feature service runs, without the gRPC hop.
/// Store failures a caller can name (Redis unreachable or timing out, contention, an unreadable state) become
/// <see cref="FeaturesUnavailableException"/>, so the batch is scored degraded, as when the feature service is down.
/// </summary>
public sealed class StoreFeatureSource(FeatureStore store) : IFeatureSource
{
    /// <inheritdoc />
    public async ValueTask<FeatureBatch> ComputeAsync(IReadOnlyList<Transaction> transactions, CancellationToken cancellationToken)
    {
        var events = new TransactionEvent[transactions.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = TransactionMapper.ToEvent(transactions[i]);
        }

        IReadOnlyList<ComputedVector> computed;
        try
        {
            computed = await store.ComputeAsync(events, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (FeatureStoreErrors.Classify(e) is var failure and not FeatureStoreFailure.Other)
        {
            throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable, $"The feature store failed ({failure}): {e.Message}", e);
        }

        var vectors = new float[computed.Count][];
        var duplicates = new bool[computed.Count];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = computed[i].Values;
            duplicates[i] = computed[i].Duplicate;
        }

        return new FeatureBatch(FeatureSchema.Version, vectors, duplicates);
    }
}
