using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using FraudEx.Alerts.Client;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraudEx.Alerts;

/// <summary>fraudex.v1.AlertService on Grpc.AspNetCore: status mapping only; RecordDecisions' batch is validated
/// before it runs (<see cref="RecordDecisionsValidator"/>), and the logic lives in the stores, the feed and the
/// forwarder.</summary>
public sealed class AlertGrpcService(
    DecisionStore decisions, AlertStore alerts, LabelStore labels, LabelForwarder forwarder, AlertFeed feed,
    IHostApplicationLifetime lifetime, ILogger<AlertGrpcService> logger) : AlertService.AlertServiceBase
{
    private static readonly TimeSpan ForwardNowBudget = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public override async Task<RecordDecisionsResponse> RecordDecisions(RecordDecisionsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
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

    /// <inheritdoc />
    public override Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context) =>
        Run(() => alerts.ListAsync(request, CancellationOf(context)));

    /// <inheritdoc />
    public override Task<GetAlertResponse> GetAlert(GetAlertRequest request, ServerCallContext context) =>
        Run(() => alerts.GetAsync(request.AlertId, CancellationOf(context)));

    /// <inheritdoc />
    public override Task<UpdateAlertResponse> UpdateAlert(UpdateAlertRequest request, ServerCallContext context) =>
        Run(async () => new UpdateAlertResponse { Alert = await alerts.UpdateAsync(request, CancellationOf(context)).ConfigureAwait(false) });

    /// <inheritdoc />
    public override async Task<ReportLabelResponse> ReportLabel(ReportLabelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
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

    /// <inheritdoc />
    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<WatchAlertsResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
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
            // A watch lasts until the client leaves or the host stops: Kestrel would otherwise wait for it until its
            // shutdown timeout.
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
            await feed.WhenListening.WaitAsync(watch.Token).ConfigureAwait(false);
            // Headers go out at once, so a client knows its watch is in place before the first alert arrives.
            await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
            // Kestrel holds HTTP/2 HEADERS until the body is flushed; flush so they leave now.
            await context.GetHttpContext().Response.BodyWriter.FlushAsync(watch.Token).ConfigureAwait(false);
            try
            {
                await foreach (var message in subscription.Events.ReadAllAsync(watch.Token).ConfigureAwait(false))
                {
                    await responseStream.WriteAsync(message, watch.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw RpcErrors.Unavailable("The alert service is shutting down; watch again.");
            }
            catch (WatcherOverflowException e)
            {
                throw RpcErrors.ResourceExhausted(e.Message);
            }
        }
    }

    private static CancellationToken CancellationOf(ServerCallContext context) =>
        context?.CancellationToken ?? throw new ArgumentNullException(nameof(context));

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
