using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.Clients;

/// <summary>Typed client of <c>fraudex.v1.ScoringService</c>.</summary>
public sealed class ScoringServiceClient(GrpcChannel channel)
{
    /// <summary>Full method name of Score.</summary>
    public const string ScoreMethod = "/fraudex.v1.ScoringService/Score";

    /// <summary>Full method name of ScoreStream.</summary>
    public const string ScoreStreamMethod = "/fraudex.v1.ScoringService/ScoreStream";

    /// <summary>Full method name of GetModel.</summary>
    public const string GetModelMethod = "/fraudex.v1.ScoringService/GetModel";

    /// <summary>The channel calls go through.</summary>
    public GrpcChannel Channel { get; } = channel;

    /// <summary>Scores one transaction.</summary>
    public Task<ScoreResponse> ScoreAsync(ScoreRequest request, CallOptions? options = null) =>
        Channel.UnaryAsync<ScoreRequest, ScoreResponse>(ScoreMethod, request, options);

    /// <summary>Opens a scoring stream: one response per request, in request order.</summary>
    public AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> ScoreStream(CallOptions? options = null) =>
        Channel.DuplexStreaming<ScoreStreamRequest, ScoreStreamResponse>(ScoreStreamMethod, options);

    /// <summary>Describes the model in service.</summary>
    public Task<GetModelResponse> GetModelAsync(GetModelRequest request, CallOptions? options = null) =>
        Channel.UnaryAsync<GetModelRequest, GetModelResponse>(GetModelMethod, request, options);

    /// <summary>Call options carrying an API key in the <c>authorization</c> metadata.</summary>
    public static CallOptions WithApiKey(string? apiKey, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        Metadata? headers = null;
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers = new Metadata();
            headers.Add("authorization", "Bearer " + apiKey);
        }

        return new CallOptions(headers, deadline, cancellationToken);
    }
}
