using FraudEx.Contracts.V1;
using Grpc.Core;

namespace FraudEx.Scoring.Pipeline;

/// <summary>
/// The feature service as the pipeline's feature source: one ComputeFeatures call per batch, with the batch's budget
/// as the call's deadline. Failures become <see cref="FeaturesUnavailableException"/>, so the batch is scored degraded.
/// </summary>
public sealed class FeatureServiceSource(FeatureService.FeatureServiceClient client) : IFeatureSource
{
    /// <inheritdoc />
    public async ValueTask<FeatureBatch> ComputeAsync(IReadOnlyList<Transaction> transactions, CancellationToken cancellationToken)
    {
        var request = new ComputeFeaturesRequest();
        request.Transactions.Add(transactions);
        ComputeFeaturesResponse response;
        try
        {
            response = await client.ComputeFeaturesAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded)
        {
            throw new FeaturesUnavailableException(DegradedReason.FeaturesTimeout, "The feature service missed the deadline.", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The feature budget ran out.", e, cancellationToken);
        }
        catch (RpcException e)
        {
            throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable, $"The feature service answered {e.StatusCode}: {e.Status.Detail}", e);
        }
        catch (HttpRequestException e)
        {
            throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable, "The feature service cannot be reached: " + e.Message, e);
        }

        var vectors = new float[response.Vectors.Count][];
        var duplicates = new bool[response.Vectors.Count];
        for (var i = 0; i < vectors.Length; i++)
        {
            var v = response.Vectors[i];
            if (i < transactions.Count && v.TransactionId != transactions[i].TransactionId)
            {
                throw new FeaturesUnavailableException(DegradedReason.FeaturesUnavailable, "The feature service answered out of order.");
            }

            vectors[i] = [.. v.Values];
            duplicates[i] = v.Duplicate;
        }

        return new FeatureBatch(response.SchemaVersion, vectors, duplicates);
    }
}
