using System.Diagnostics;
using FraudEx.Contracts.V1;
using FraudEx.Features.Engine;
using FraudEx.Features.Internal;
using FraudEx.ServiceDefaults.Rpc;
using Google.Protobuf.WellKnownTypes;
using global::Grpc.Core;

namespace FraudEx.Features.Grpc;

/// <summary>
/// fraudex.v1.FeatureService on Grpc.AspNetCore: status mapping around <see cref="FeatureStore"/>. Requests reach it
/// validated (<see cref="FeatureRequestValidator"/>, run by the validation interceptor).
/// </summary>
public sealed class FeatureGrpcService(FeatureStore store, FeatureTelemetry telemetry) : FeatureService.FeatureServiceBase
{
    public override async Task<ComputeFeaturesResponse> ComputeFeatures(ComputeFeaturesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        using var activity = telemetry.Source.StartActivity("features.compute");
        activity?.SetTag("fraudex.batch_size", request.Transactions.Count);
        var events = request.Transactions.Select(TransactionMapper.ToEvent).ToList();
        var start = Stopwatch.GetTimestamp();
        var vectors = await Call(() => store.ComputeAsync(events, context.CancellationToken)).ConfigureAwait(false);
        telemetry.Record(vectors, Stopwatch.GetElapsedTime(start));

        var response = new ComputeFeaturesResponse { SchemaVersion = FeatureSchema.Version };
        foreach (var v in vectors)
        {
            var fv = new FeatureVector { TransactionId = v.TransactionId, Duplicate = v.Duplicate };
            fv.Values.Add(v.Values);
            response.Vectors.Add(fv);
        }

        return response;
    }

    public override async Task<GetEntityStateResponse> GetEntityState(GetEntityStateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var view = await Call(() => store.GetEntityStateAsync((EntityKind)(int)request.EntityType, request.EntityId, context.CancellationToken)).ConfigureAwait(false);
        var response = new GetEntityStateResponse
        {
            EntityType = request.EntityType,
            EntityId = request.EntityId,
            Found = view.Found,
            SizeBytes = view.SizeBytes,
        };
        if (view.Found)
        {
            response.LastEventTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(view.LastEventMs));
            foreach (var (name, value) in view.Fields)
            {
                response.Fields[name] = value;
            }
        }

        return response;
    }

    public override async Task<RecordLabelsResponse> RecordLabels(RecordLabelsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var events = new List<LabelEvent>(request.Labels.Count);
        foreach (var label in request.Labels)
        {
            if (TransactionMapper.TryToEvent(label, out var e))
            {
                events.Add(e);
            }
        }

        var (applied, duplicates) = await Call(() => store.RecordLabelsAsync(events, context.CancellationToken)).ConfigureAwait(false);
        return new RecordLabelsResponse { Applied = applied, Duplicates = duplicates };
    }

    /// <summary>Maps store failures to exact statuses; the message never carries more than the cause's summary.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (FeatureStoreErrors.Classify(ex) == FeatureStoreFailure.Unavailable)
        {
            throw Unavailable(ex);
        }
        catch (Exception ex) when (FeatureStoreErrors.Classify(ex) == FeatureStoreFailure.ResourceExhausted)
        {
            throw RpcErrors.ResourceExhausted("The feature store is out of memory.");
        }
        catch (FeatureStoreConflictException ex)
        {
            throw RpcErrors.Aborted(ex.Message);
        }
        catch (FeatureStoreCorruptStateException ex)
        {
            throw RpcErrors.DataLoss($"Stored state of an entity of this batch is unreadable ({ex.Key}).");
        }
    }

    private static RpcException Unavailable(Exception ex) => RpcErrors.Unavailable($"The feature store (Redis) is unavailable: {ex.Message}");
}
