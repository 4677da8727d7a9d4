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
        // Analysts (and admin) read which model is in service; gateways learn the version from each ScoreResponse.
        ["GetModel"] = ApiRole.Analyst,
    };
}
