using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Console.Alerts;

/// <summary>An alert as the pages show it (names and enums as plain strings).</summary>
public sealed record AlertView(
    string AlertId,
    string TransactionId,
    string AccountId,
    string MerchantId,
    long AmountMinor,
    string Currency,
    double Score,
    string Decision,
    string Status,
    string Assignee,
    string Notes,
    long Version,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? TransactionTime)
{
    public static AlertView From(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new AlertView(alert.AlertId, alert.TransactionId, alert.AccountId, alert.MerchantId, alert.AmountMinor,
            alert.Currency, alert.Score, Names.Of(alert.Decision), Names.Of(alert.Status), alert.Assignee, alert.Notes,
            alert.Version, Time(alert.CreatedAt), Time(alert.UpdatedAt), Time(alert.TransactionTime));
    }

    internal static DateTimeOffset? Time(Timestamp? t) => t is null ? null : t.ToDateTimeOffset();
}

/// <summary>An alert with the decision behind it: the transaction, the score, the reasons and the rules fired.</summary>
public sealed record AlertDetailView(
    AlertView Alert,
    TransactionView? Transaction,
    IReadOnlyList<ReasonView> Reasons,
    IReadOnlyList<string> RulesFired,
    string ModelVersion,
    bool Degraded,
    DateTimeOffset? DecidedAt,
    double? ServerProcessingMs)
{
    public static AlertDetailView From(GetAlertResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var d = response.Decision;
        return new AlertDetailView(
            AlertView.From(response.Alert ?? new Alert()),
            d?.Transaction is { } t ? TransactionView.From(t) : null,
            d is null ? [] : [.. d.Reasons.Select(r => new ReasonView(r.Code, r.Description, r.Contribution))],
            d is null ? [] : [.. d.RulesFired],
            d?.ModelVersion ?? "",
            d?.Degraded ?? false,
            AlertView.Time(d?.DecidedAt),
            d?.ServerProcessingTime is { } p ? p.ToTimeSpan().TotalMilliseconds : null);
    }
}

public sealed record ReasonView(string Code, string Description, double Contribution);

public sealed record TransactionView(
    string TransactionId,
    string AccountId,
    string MerchantId,
    string MerchantCategoryCode,
    long AmountMinor,
    string Currency,
    DateTimeOffset? Timestamp,
    string Channel,
    bool CardPresent,
    string DeviceId,
    string IpAddress,
    string Country,
    string MerchantCountry,
    double? Latitude,
    double? Longitude)
{
    public static TransactionView From(Transaction t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new TransactionView(t.TransactionId, t.AccountId, t.MerchantId, t.MerchantCategoryCode, t.AmountMinor,
            t.Currency, AlertView.Time(t.Timestamp), Names.Of(t.Channel), t.CardPresent, t.DeviceId, t.IpAddress,
            t.Country, t.MerchantCountry, t.Location?.Latitude, t.Location?.Longitude);
    }
}

/// <summary>Enum values as the pages spell them ("CONFIRMED_FRAUD", "DECLINE", "ECOMMERCE").</summary>
public static class Names
{
    public static string Of(AlertStatus status) => status switch
    {
        AlertStatus.Open => "OPEN",
        AlertStatus.InReview => "IN_REVIEW",
        AlertStatus.ConfirmedFraud => "CONFIRMED_FRAUD",
        AlertStatus.FalsePositive => "FALSE_POSITIVE",
        AlertStatus.Closed => "CLOSED",
        _ => "",
    };

    public static string Of(Decision decision) => decision switch
    {
        Decision.Approve => "APPROVE",
        Decision.Review => "REVIEW",
        Decision.Decline => "DECLINE",
        _ => "",
    };

    public static string Of(Channel channel) => channel == Channel.Unspecified ? "" : channel.ToString().ToUpperInvariant();

    public static AlertStatus? ParseStatus(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => null,
        "OPEN" => AlertStatus.Open,
        "IN_REVIEW" => AlertStatus.InReview,
        "CONFIRMED_FRAUD" => AlertStatus.ConfirmedFraud,
        "FALSE_POSITIVE" => AlertStatus.FalsePositive,
        "CLOSED" => AlertStatus.Closed,
        _ => throw new FormatException($"unknown status '{text}'"),
    };

    public static Decision? ParseDecision(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" => null,
        "APPROVE" => Decision.Approve,
        "REVIEW" => Decision.Review,
        "DECLINE" => Decision.Decline,
        _ => throw new FormatException($"unknown decision '{text}'"),
    };
}
