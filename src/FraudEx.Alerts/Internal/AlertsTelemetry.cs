using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FraudEx.Alerts.Internal;

/// <summary>The alert service's spans and metrics ("FraudEx.Alerts", picked up by ServiceDefaults' "FraudEx.*").</summary>
internal static class AlertsTelemetry
{
    public const string Name = "FraudEx.Alerts";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> DecisionsInserted = Meter.CreateCounter<long>(
        "fraudex.alerts.decisions.inserted", "{decision}", "Decisions stored.");

    public static readonly Counter<long> DecisionsDuplicate = Meter.CreateCounter<long>(
        "fraudex.alerts.decisions.duplicates", "{decision}", "Decisions skipped because their transaction_id was stored before.");

    public static readonly Counter<long> AlertsCreated = Meter.CreateCounter<long>(
        "fraudex.alerts.alerts.created", "{alert}", "Alerts opened for REVIEW and DECLINE decisions.");

    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "fraudex.alerts.record.duration", "ms", "Time to store one RecordDecisions batch.");
}
