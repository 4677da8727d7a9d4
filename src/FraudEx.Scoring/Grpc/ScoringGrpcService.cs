using System.Diagnostics.CodeAnalysis;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Internal;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Security;
using FraudEx.Scoring.Telemetry;
using FraudEx.Scoring.Validation;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Grpc;

/// <summary>
/// <c>fraudex.v1.ScoringService</c> on FraudEx.Grpc. Thin: it authenticates, validates and maps errors to statuses;
/// the scoring itself is <see cref="ScoringPipeline"/>'s.
/// </summary>
public sealed class ScoringGrpcService(
    ScoringPipeline pipeline,
    TransactionValidator validator,
    ApiKeyAuthenticator authenticator,
    ModelHost models,
    IFeatureCatalog catalog,
    PolicyEngine policy,
    TimeProvider timeProvider,
    ILogger<ScoringGrpcService> logger) : IGrpcService
{
    /// <summary>Responses of one stream being scored at once; past it the stream stops reading (HTTP/2 back-pressure).</summary>
    internal const int StreamWindow = 512;

    private static readonly ServiceDescriptor Descriptor =
        ScoringReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ScoringService");

    /// <inheritdoc />
    public void Bind(GrpcServiceBinder binder)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.Service(Descriptor)
            .Unary<ScoreRequest, ScoreResponse>("Score", ScoreAsync)
            .DuplexStreaming<ScoreStreamRequest, ScoreStreamResponse>("ScoreStream", ScoreStreamAsync)
            .Unary<GetModelRequest, GetModelResponse>("GetModel", GetModelAsync);
    }

    private async Task<ScoreResponse> ScoreAsync(ScoreRequest request, ServerCallContext context)
    {
        var receivedAt = timeProvider.GetTimestamp();
        Authorize(context, ApiRole.Scorer);
        var transaction = Validate(request.Transaction);
        try
        {
            return await pipeline.ScoreAsync(transaction, receivedAt, context.CancellationToken).ConfigureAwait(false);
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

    private async Task ScoreStreamAsync(IAsyncStreamReader<ScoreStreamRequest> requests, IServerStreamWriter<ScoreStreamResponse> responses, ServerCallContext context)
    {
        Authorize(context, ApiRole.Scorer);
        var ct = context.CancellationToken;
        var stream = new OrderedStreamScorer<ScoreStreamRequest, ScoreStreamResponse>(ScoreOneAsync, StreamWindow, timeProvider);
        await stream.RunAsync(
            async token => await requests.MoveNext(token).ConfigureAwait(false) ? requests.Current : null,
            responses is IBatchingStreamWriter<ScoreStreamResponse> batching
                ? (message, flush, token) => batching.WriteAsync(message, flush, token)
                : (message, _, token) => responses.WriteAsync(message, token),
            ct).ConfigureAwait(false);
    }

    private async Task<ScoreStreamResponse> ScoreOneAsync(ScoreStreamRequest request, long receivedAt, CancellationToken ct)
    {
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

    private Task<GetModelResponse> GetModelAsync(GetModelRequest request, ServerCallContext context)
    {
        Authorize(context, ApiRole.None);
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

    private Transaction Validate(Transaction? transaction)
    {
        var violations = validator.Validate(transaction);
        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The transaction is invalid.", violations.Select(v => (v.Field, v.Description)));
        }

        return transaction!;
    }

    private void Authorize(ServerCallContext context, ApiRole role)
    {
        var result = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), role);
        switch (result.Outcome)
        {
            case AuthOutcome.Allowed:
                return;
            case AuthOutcome.Forbidden:
                ScoringLog.AuthRefused(logger, context.Method, "forbidden", result.KeyId ?? "");
                ThrowPermissionDenied(role);
                break;
            default:
                ScoringLog.AuthRefused(logger, context.Method, result.Outcome == AuthOutcome.Missing ? "missing" : "invalid", "");
                ThrowUnauthenticated(result.Outcome);
                break;
        }
    }

    [DoesNotReturn]
    private static void ThrowPermissionDenied(ApiRole role) =>
        throw RpcErrors.PermissionDenied($"The API key lacks the {role.ToString().ToLowerInvariant()} role.");

    [DoesNotReturn]
    private static void ThrowUnauthenticated(AuthOutcome outcome) =>
        throw RpcErrors.Unauthenticated(outcome == AuthOutcome.Missing
            ? "An API key is required in the authorization metadata (\"Bearer <key>\")."
            : "The API key is not valid.");
}
