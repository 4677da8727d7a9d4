using FraudEx.Contracts.V1;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Internal;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Validation;
using FraudEx.ServiceDefaults.Rpc;
using global::Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Grpc;

/// <summary>
/// <c>fraudex.v1.ScoringService</c> on Grpc.AspNetCore. Thin: authentication (ApiKeyInterceptor) and validation of a
/// unary request (<see cref="ScoreRequestValidator"/>) run before it; it maps outcomes to statuses, and the scoring
/// itself is <see cref="ScoringPipeline"/>'s.
/// </summary>
public sealed class ScoringGrpcService(
    ScoringPipeline pipeline,
    TransactionValidator validator,
    ModelHost models,
    IFeatureCatalog catalog,
    PolicyEngine policy,
    TimeProvider timeProvider,
    ILogger<ScoringGrpcService> logger) : ScoringService.ScoringServiceBase
{
    /// <summary>Responses of one stream being scored at once; past it the stream stops reading (HTTP/2 back-pressure).</summary>
    internal const int StreamWindow = 512;

    // A response written with this hint waits in the stream's buffer until a later write flushes.
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    /// <inheritdoc />
    public override async Task<ScoreResponse> Score(ScoreRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var receivedAt = timeProvider.GetTimestamp();
        try
        {
            return await pipeline.ScoreAsync(request.Transaction, receivedAt, context.CancellationToken).ConfigureAwait(false);
        }
        catch (BatcherFullException)
        {
            ScoringLog.QueueFull(logger);
            throw RpcErrors.ResourceExhausted("The scoring service is overloaded; retry with backoff.");
        }
        catch (ObjectDisposedException)
        {
            throw RpcErrors.Unavailable("The scoring service is shutting down.");
        }
        catch (DecisionNotRecordedException)
        {
            throw RpcErrors.Unavailable(NotRecorded);
        }
    }

    /// <inheritdoc />
    public override async Task ScoreStream(IAsyncStreamReader<ScoreStreamRequest> requestStream, IServerStreamWriter<ScoreStreamResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var stream = new OrderedStreamScorer<ScoreStreamRequest, ScoreStreamResponse>(ScoreOneAsync, StreamWindow, timeProvider);
        await stream.RunAsync(
            async token => await requestStream.MoveNext(token).ConfigureAwait(false) ? requestStream.Current : null,
            (message, flush, _) =>
            {
                // Grpc.AspNetCore flushes each message unless its write options ask it to buffer; answers of one
                // micro-batch then leave in a few frames.
                responseStream.WriteOptions = flush ? null : Buffered;
                return responseStream.WriteAsync(message);
            },
            context.CancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task<GetModelResponse> GetModel(GetModelRequest request, ServerCallContext context)
    {
        if (!models.IsLoaded)
        {
            throw RpcErrors.Unavailable("No model is loaded yet.");
        }

        var set = models.Current;
        var response = new GetModelResponse
        {
            ModelId = set.Champion.ModelId,
            ModelVersion = set.Champion.Version,
            FeatureSchemaVersion = set.Champion.FeatureSchemaVersion,
            Thresholds = policy.EffectiveThresholds(set.Champion.Thresholds),
            ChallengerVersion = set.Challenger?.Version ?? "",
        };
        response.Features.Add(catalog.Features);
        return Task.FromResult(response);
    }

    private async Task<ScoreStreamResponse> ScoreOneAsync(ScoreStreamRequest request, long receivedAt, CancellationToken ct)
    {
        // A bad message of a stream is answered in the stream with its field violations; the stream goes on.
        var id = request.Transaction?.TransactionId ?? "";
        var violations = validator.Validate(request.Transaction);
        if (violations.Count > 0)
        {
            var error = new ScoreError { Code = (int)StatusCode.InvalidArgument, Message = "The transaction is invalid." };
            error.FieldViolations.Add(violations);
            return new ScoreStreamResponse { TransactionId = id, Error = error };
        }

        try
        {
            var result = await pipeline.ScoreAsync(request.Transaction!, receivedAt, ct).ConfigureAwait(false);
            return new ScoreStreamResponse { TransactionId = id, Result = result };
        }
        catch (BatcherFullException)
        {
            ScoringLog.QueueFull(logger);
            return Error(id, StatusCode.ResourceExhausted, "The scoring service is overloaded; retry with backoff.");
        }
        catch (ObjectDisposedException)
        {
            return Error(id, StatusCode.Unavailable, "The scoring service is shutting down.");
        }
        catch (DecisionNotRecordedException)
        {
            return Error(id, StatusCode.Unavailable, NotRecorded);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ScoringLog.ScoringFailed(logger, e);
            return Error(id, StatusCode.Internal, "Scoring failed.");
        }
    }

    private const string NotRecorded = "The decision could not be recorded, so it is not answered; retry with the same transaction_id.";

    private static ScoreStreamResponse Error(string id, StatusCode code, string message) =>
        new() { TransactionId = id, Error = new ScoreError { Code = (int)code, Message = message } };
}
