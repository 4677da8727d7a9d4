using FraudEx.ServiceDefaults.Security;

namespace FraudEx.Features.Grpc;

/// <summary>Who may call each method of fraudex.v1.FeatureService (admin may call all of them), per the auth contract.</summary>
public static class FeatureRoles
{
    /// <summary>The table the API-key interceptor enforces.</summary>
    public static IReadOnlyDictionary<string, ApiRole> Methods { get; } = new Dictionary<string, ApiRole>
    {
        ["ComputeFeatures"] = ApiRole.ScoringService,
        ["GetEntityState"] = ApiRole.Analyst,
        ["RecordLabels"] = ApiRole.AlertsService,
    };
}
