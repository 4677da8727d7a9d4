using FraudEx.ServiceDefaults.Security;

namespace FraudEx.Alerts;

/// <summary>Who may call each method of fraudex.v1.AlertService (admin may call all of them), per the auth contract.</summary>
public static class AlertRoles
{
    /// <summary>The table the API-key interceptor enforces.</summary>
    public static IReadOnlyDictionary<string, ApiRole> Methods { get; } = new Dictionary<string, ApiRole>
    {
        ["RecordDecisions"] = ApiRole.ScoringService,
        ["ListAlerts"] = ApiRole.Analyst,
        ["GetAlert"] = ApiRole.Analyst,
        ["UpdateAlert"] = ApiRole.Analyst,
        ["ReportLabel"] = ApiRole.Analyst,
        ["WatchAlerts"] = ApiRole.Analyst,
    };
}
