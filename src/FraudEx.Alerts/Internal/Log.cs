using Microsoft.Extensions.Logging;

namespace FraudEx.Alerts.Internal;

/// <summary>Every log line of the alert service, with stable event ids (1xxx storage, 2xxx feed, 3xxx labels,
/// 4xxx webhooks, 5xxx gRPC).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Applied migration {Version} ({Name})")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(1002, LogLevel.Debug, "Recorded {Inserted} decisions ({Duplicates} duplicates), opened {Alerts} alerts")]
    public static partial void DecisionsRecorded(ILogger logger, int inserted, int duplicates, int alerts);

    [LoggerMessage(1003, LogLevel.Warning, "Database not reachable at start-up; retrying in {Delay}")]
    public static partial void DatabaseNotReady(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(2001, LogLevel.Information, "Listening for alert notifications")]
    public static partial void FeedListening(ILogger logger);

    [LoggerMessage(2002, LogLevel.Warning, "Alert notification listener lost its connection; reconnecting in {Delay}")]
    public static partial void FeedDisconnected(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(2003, LogLevel.Warning, "Watcher {WatcherId} fell behind by {Capacity} events and was disconnected")]
    public static partial void WatcherOverflow(ILogger logger, long watcherId, int capacity);

    [LoggerMessage(3001, LogLevel.Warning, "Forwarding {Count} labels to the feature service failed; retrying later")]
    public static partial void LabelForwardFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(3002, LogLevel.Debug, "Forwarded {Count} labels to the feature service")]
    public static partial void LabelsForwarded(ILogger logger, int count);

    [LoggerMessage(4001, LogLevel.Warning, "Webhook delivery {DeliveryId} to {Url} failed (attempt {Attempt}): {Error}")]
    public static partial void WebhookAttemptFailed(ILogger logger, long deliveryId, string url, int attempt, string error);

    [LoggerMessage(4002, LogLevel.Error, "Webhook delivery {DeliveryId} to {Url} gave up after {Attempts} attempts")]
    public static partial void WebhookGaveUp(ILogger logger, long deliveryId, string url, int attempts);

    [LoggerMessage(4003, LogLevel.Warning, "Background pass failed; retrying")]
    public static partial void WebhookPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(5001, LogLevel.Warning, "RecordDecisions failed with the database unavailable")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception);
}
