using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using FraudEx.Alerts.Client;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraudEx.Alerts;

/// <summary>fraudex.v1.AlertService over FraudEx.Grpc: validation and status mapping only; the logic lives in the
/// stores, the feed and the forwarder.</summary>
public sealed class AlertGrpcService(
    DecisionStore decisions, AlertStore alerts, LabelStore labels, LabelForwarder forwarder, AlertFeed feed,
    ILogger<AlertGrpcService> logger) : IGrpcService
{
    private static readonly TimeSpan ForwardNowBudget = TimeSpan.FromSeconds(2);

    public void Bind(GrpcServiceBinder binder)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.Service(AlertsReflection.Descriptor, "AlertService")
            .Unary<RecordDecisionsRequest, RecordDecisionsResponse>("RecordDecisions", RecordDecisionsAsync)
            .Unary<ListAlertsRequest, ListAlertsResponse>("ListAlerts", (r, c) => Run(() => alerts.ListAsync(r, c.CancellationToken)))
            .Unary<GetAlertRequest, GetAlertResponse>("GetAlert", (r, c) => Run(() => alerts.GetAsync(r.AlertId, c.CancellationToken)))
            .Unary<UpdateAlertRequest, UpdateAlertResponse>("UpdateAlert", (r, c) =>
                Run(async () => new UpdateAlertResponse { Alert = await alerts.UpdateAsync(r, c.CancellationToken).ConfigureAwait(false) }))
            .Unary<ReportLabelRequest, ReportLabelResponse>("ReportLabel", ReportLabelAsync)
            .ServerStreaming<WatchAlertsRequest, WatchAlertsResponse>("WatchAlerts", WatchAlertsAsync);
    }

    private async Task<RecordDecisionsResponse> RecordDecisionsAsync(RecordDecisionsRequest request, ServerCallContext context)
    {
        if (request.Decisions.Count is 0 or > DecisionRecordValidator.MaxBatchSize)
        {
            throw RpcErrors.InvalidArgument("A batch holds 1..10,000 decisions.",
                [("decisions", $"holds {request.Decisions.Count} decisions; 1..{DecisionRecordValidator.MaxBatchSize} allowed")]);
        }

        var violations = new List<(string Field, string Description)>();
        for (var i = 0; i < request.Decisions.Count && violations.Count < 100; i++)
        {
            DecisionRecordValidator.Validate(request.Decisions[i], $"decisions[{i}]", violations);
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument($"{violations.Count} invalid fields in the batch; nothing was stored.", violations);
        }

        using var activity = AlertsTelemetry.Source.StartActivity("RecordDecisions");
        activity?.SetTag("fraudex.decisions.count", request.Decisions.Count);
        var started = Stopwatch.GetTimestamp();
        var result = await Run(() => decisions.RecordAsync(request.Decisions, context.CancellationToken)).ConfigureAwait(false);
        AlertsTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        AlertsTelemetry.DecisionsInserted.Add(result.Inserted);
        AlertsTelemetry.DecisionsDuplicate.Add(result.Duplicates);
        AlertsTelemetry.AlertsCreated.Add(result.AlertIds.Count);
        return new RecordDecisionsResponse
        {
            Inserted = result.Inserted,
            Duplicates = result.Duplicates,
            AlertsCreated = result.AlertIds.Count,
        };
    }

    private async Task<ReportLabelResponse> ReportLabelAsync(ReportLabelRequest request, ServerCallContext context)
    {
        var result = await Run(() => labels.ReportAsync(request, context.CancellationToken)).ConfigureAwait(false);
        // The label is stored (and queued) already; forwarding now is a courtesy bounded in time, retried later if slow.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        budget.CancelAfter(ForwardNowBudget);
        var forwarded = false;
        try
        {
            forwarded = await forwarder.ForwardDueAsync(result.LabelId, budget.Token).ConfigureAwait(false) > 0;
        }
        catch (Exception e) when (e is OperationCanceledException or NpgsqlException && !context.CancellationToken.IsCancellationRequested)
        {
            forwarded = false;
        }

        return new ReportLabelResponse { Recorded = result.Recorded, Forwarded = forwarded };
    }

    private async Task WatchAlertsAsync(WatchAlertsRequest request, IServerStreamWriter<WatchAlertsResponse> writer, ServerCallContext context)
    {
        AlertSubscription subscription;
        try
        {
            subscription = feed.Subscribe(request);
        }
        catch (AlertServiceException e)
        {
            throw ToRpc(e);
        }

        using (subscription)
        {
            // Only once this replica LISTENs can the watcher be promised every alert from now on.
            await feed.WhenListening.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            // Headers go out at once, so a client knows its watch is in place before the first alert arrives.
            await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
            // Kestrel holds HTTP/2 HEADERS until the body is flushed; flush so they leave now.
            await context.HttpContext.Response.BodyWriter.FlushAsync(context.CancellationToken).ConfigureAwait(false);
            try
            {
                await foreach (var message in subscription.Events.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteAsync(message, context.CancellationToken).ConfigureAwait(false);
                }
            }
            catch (WatcherOverflowException e)
            {
                throw RpcErrors.ResourceExhausted(e.Message);
            }
        }
    }

    private async Task<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (AlertServiceException e)
        {
            throw ToRpc(e);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            Log.DatabaseUnavailable(logger, e);
            throw RpcErrors.Unavailable("The alert database is unavailable; retry with backoff.");
        }
    }

    private static bool IsUnavailable(Exception e) => e switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true,
        SocketException or TimeoutException => true,
        _ => false,
    };

    [SuppressMessage("Design", "CA1062", Justification = "Called with exceptions the handlers caught.")]
    private static RpcException ToRpc(AlertServiceException e) => e.Error switch
    {
        AlertError.InvalidArgument => RpcErrors.InvalidArgument(e.Message, e.Violations),
        AlertError.NotFound => RpcErrors.NotFound(e.Message),
        AlertError.FailedPrecondition => RpcErrors.FailedPrecondition(e.Message),
        AlertError.Conflict => RpcErrors.Aborted(e.Message),
        _ => RpcErrors.Internal("Unexpected alert error."),
    };
}
