using System.Globalization;
using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FraudEx.Console.Alerts;

/// <summary>What an analyst does to an alert.</summary>
public sealed record AlertAction(string Action, long ExpectedVersion, string? Assignee, string? Note, string? Analyst);

/// <summary>
/// The alerts API the pages call: a filtered, keyset-paged list, one alert's detail, case actions and the live feed.
/// Each is one or two AlertService calls; gRPC statuses become HTTP statuses the pages can act on (ABORTED → 409,
/// the alert changed since it was read).
/// </summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/alerts");
        api.MapGet("/", ListAsync);
        api.MapGet("/feed", (AlertFeed feed) => new { connected = feed.Connected, status = feed.Status, events = feed.Recent() });
        api.MapGet("/feed/stream", (HttpContext http, AlertFeed feed) => feed.StreamAsync(http));
        api.MapGet("/{id}", GetAsync);
        api.MapPost("/{id}/actions", ActAsync);
        return endpoints;
    }

    internal static async Task<IResult> ListAsync(
        AlertService.AlertServiceClient client, string? status, string? decision, double? minScore, string? account,
        DateTimeOffset? from, DateTimeOffset? to, int? pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        ListAlertsRequest request;
        try
        {
            request = new ListAlertsRequest
            {
                Status = Names.ParseStatus(status) ?? AlertStatus.Unspecified,
                Decision = Names.ParseDecision(decision) ?? Decision.Unspecified,
                MinScore = minScore ?? 0,
                AccountId = account?.Trim() ?? "",
                PageSize = Math.Clamp(pageSize ?? 25, 1, 200),
                PageToken = pageToken ?? "",
            };
        }
        catch (FormatException e)
        {
            return Results.BadRequest(new { error = e.Message });
        }
        if (from is { } f)
        {
            request.CreatedAfter = Timestamp.FromDateTimeOffset(f);
        }
        if (to is { } t)
        {
            request.CreatedBefore = Timestamp.FromDateTimeOffset(t);
        }
        return await CallAsync(async () =>
        {
            var response = await client.ListAlertsAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return Results.Ok(new
            {
                alerts = response.Alerts.Select(AlertView.From),
                nextPageToken = response.NextPageToken.Length == 0 ? null : response.NextPageToken,
            });
        }).ConfigureAwait(false);
    }

    internal static Task<IResult> GetAsync(AlertService.AlertServiceClient client, string id, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var response = await client.GetAlertAsync(new GetAlertRequest { AlertId = id }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return Results.Ok(AlertDetailView.From(response));
        });

    /// <summary>
    /// confirm-fraud / false-positive: the status, then the label (ReportLabel) that teaches the feature store and the
    /// next model; assign: the assignee (an OPEN alert moves to IN_REVIEW); note: a timestamped line appended to the
    /// notes. Every update names the version the analyst saw.
    /// </summary>
    internal static Task<IResult> ActAsync(AlertService.AlertServiceClient client, TimeProvider time, string id, AlertAction action, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var analyst = string.IsNullOrWhiteSpace(action.Analyst) ? "analyst" : action.Analyst.Trim();
            var update = new UpdateAlertRequest { AlertId = id, ExpectedVersion = action.ExpectedVersion };
            LabelKind? label = null;
            switch (action.Action)
            {
                case "confirm-fraud":
                    update.Status = AlertStatus.ConfirmedFraud;
                    label = LabelKind.ConfirmedFraud;
                    break;
                case "false-positive":
                    update.Status = AlertStatus.FalsePositive;
                    label = LabelKind.FalsePositive;
                    break;
                case "assign":
                    var current = await client.GetAlertAsync(new GetAlertRequest { AlertId = id }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
                    update.Assignee = action.Assignee?.Trim() ?? analyst;
                    if (current.Alert.Status == AlertStatus.Open && update.Assignee.Length > 0)
                    {
                        update.Status = AlertStatus.InReview;
                    }
                    break;
                case "note" when !string.IsNullOrWhiteSpace(action.Note):
                    var alert = (await client.GetAlertAsync(new GetAlertRequest { AlertId = id }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false)).Alert;
                    var line = string.Create(CultureInfo.InvariantCulture, $"[{time.GetUtcNow():yyyy-MM-dd HH:mm} {analyst}] {action.Note.Trim()}");
                    update.Notes = alert.Notes.Length == 0 ? line : alert.Notes + "\n" + line;
                    break;
                default:
                    return Results.BadRequest(new { error = "action must be confirm-fraud, false-positive, assign or note (with a note)" });
            }

            var updated = await client.UpdateAlertAsync(update, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            ReportLabelResponse? labelled = null;
            if (label is { } kind)
            {
                labelled = await client.ReportLabelAsync(new ReportLabelRequest
                {
                    TransactionId = updated.Alert.TransactionId,
                    Kind = kind,
                    Source = "analyst:" + analyst,
                }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            return Results.Ok(new
            {
                alert = AlertView.From(updated.Alert),
                labelRecorded = labelled?.Recorded,
                labelForwarded = labelled?.Forwarded,
            });
        });

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);

    private static async Task<IResult> CallAsync(Func<Task<IResult>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            var status = e.StatusCode switch
            {
                StatusCode.NotFound => StatusCodes.Status404NotFound,
                StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
                StatusCode.Aborted => StatusCodes.Status409Conflict,
                StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
                StatusCode.Unauthenticated => StatusCodes.Status502BadGateway,
                StatusCode.PermissionDenied => StatusCodes.Status502BadGateway,
                StatusCode.Unavailable or StatusCode.DeadlineExceeded => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status502BadGateway,
            };
            var message = e.StatusCode == StatusCode.Aborted
                ? "The alert changed since you loaded it; reload to see the current version. (" + e.Status.Detail + ")"
                : $"{e.StatusCode}: {e.Status.Detail}";
            return Results.Json(new { error = message, grpcStatus = e.StatusCode.ToString() }, statusCode: status);
        }
    }
}
