using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.Clients;

/// <summary>Typed client of fraudex.v1.AlertService. Errors surface as <see cref="RpcException"/>.</summary>
public sealed class AlertServiceClient(GrpcChannel channel)
{
    private const string Service = "/fraudex.v1.AlertService/";

    /// <summary>Records 1..10,000 decisions, idempotently on transaction_id.</summary>
    public Task<RecordDecisionsResponse> RecordDecisionsAsync(RecordDecisionsRequest request, CallOptions? options = null) =>
        channel.UnaryAsync<RecordDecisionsRequest, RecordDecisionsResponse>(Service + "RecordDecisions", request, options);

    /// <summary>Lists alerts, newest first, one keyset page at a time.</summary>
    public Task<ListAlertsResponse> ListAlertsAsync(ListAlertsRequest request, CallOptions? options = null) =>
        channel.UnaryAsync<ListAlertsRequest, ListAlertsResponse>(Service + "ListAlerts", request, options);

    /// <summary>Gets one alert with its decision.</summary>
    public Task<GetAlertResponse> GetAlertAsync(GetAlertRequest request, CallOptions? options = null) =>
        channel.UnaryAsync<GetAlertRequest, GetAlertResponse>(Service + "GetAlert", request, options);

    /// <summary>Changes an alert; ABORTED on a stale version, FAILED_PRECONDITION on a disallowed transition.</summary>
    public Task<UpdateAlertResponse> UpdateAlertAsync(UpdateAlertRequest request, CallOptions? options = null) =>
        channel.UnaryAsync<UpdateAlertRequest, UpdateAlertResponse>(Service + "UpdateAlert", request, options);

    /// <summary>Reports the truth about a transaction.</summary>
    public Task<ReportLabelResponse> ReportLabelAsync(ReportLabelRequest request, CallOptions? options = null) =>
        channel.UnaryAsync<ReportLabelRequest, ReportLabelResponse>(Service + "ReportLabel", request, options);

    /// <summary>Streams new (and optionally updated) alerts as they happen.</summary>
    public AsyncServerStreamingCall<WatchAlertsResponse> WatchAlerts(WatchAlertsRequest request, CallOptions? options = null) =>
        channel.ServerStreaming<WatchAlertsRequest, WatchAlertsResponse>(Service + "WatchAlerts", request, options);
}
