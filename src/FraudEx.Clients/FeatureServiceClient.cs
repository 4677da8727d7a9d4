using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.Clients;

/// <summary>Typed client of fraudex.v1.FeatureService over a <see cref="GrpcChannel"/> (the channel is not owned).</summary>
public sealed class FeatureServiceClient(GrpcChannel channel)
{
    /// <summary>Full name of the service.</summary>
    public const string ServiceName = "fraudex.v1.FeatureService";

    private const string ComputeFeaturesMethod = "/" + ServiceName + "/ComputeFeatures";
    private const string GetEntityStateMethod = "/" + ServiceName + "/GetEntityState";
    private const string RecordLabelsMethod = "/" + ServiceName + "/RecordLabels";

    private readonly GrpcChannel _channel = channel ?? throw new ArgumentNullException(nameof(channel));

    /// <summary>Computes the feature vectors of a batch (1..1024 transactions) and folds them into entity state.</summary>
    public Task<ComputeFeaturesResponse> ComputeFeaturesAsync(ComputeFeaturesRequest request, CallOptions? options = null) =>
        _channel.UnaryAsync<ComputeFeaturesRequest, ComputeFeaturesResponse>(ComputeFeaturesMethod, request, options);

    /// <summary>Reads one entity's stored state in readable form.</summary>
    public Task<GetEntityStateResponse> GetEntityStateAsync(GetEntityStateRequest request, CallOptions? options = null) =>
        _channel.UnaryAsync<GetEntityStateRequest, GetEntityStateResponse>(GetEntityStateMethod, request, options);

    /// <summary>Records labels (idempotent per transaction id).</summary>
    public Task<RecordLabelsResponse> RecordLabelsAsync(RecordLabelsRequest request, CallOptions? options = null) =>
        _channel.UnaryAsync<RecordLabelsRequest, RecordLabelsResponse>(RecordLabelsMethod, request, options);
}
