using FraudEx.ServiceDefaults.Security;

namespace FraudEx.Scoring.Grpc;

/// <summary>Who may call each method of fraudex.v1.ScoringService (admin may call all of them).</summary>
public static class ScoringRoles
{
    /// <summary>The table the API-key interceptor enforces.</summary>
    public static IReadOnlyDictionary<string, ApiRole> Methods { get; } = new Dictionary<string, ApiRole>
    {
        ["Score"] = ApiRole.Scorer,
        ["ScoreStream"] = ApiRole.Scorer,
        // Any valid key may read which model is in service, as before the shared interceptor (gateways check the
        // model version they are scored by).
        ["GetModel"] = ApiRole.None,
    };
}
