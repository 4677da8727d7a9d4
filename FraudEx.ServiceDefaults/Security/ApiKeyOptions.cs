namespace FraudEx.ServiceDefaults.Security;

/// <summary>What a caller may do. A method needs one of the roles its service's <see cref="MethodRoles"/> names;
/// <see cref="Admin"/> may call everything.</summary>
[Flags]
public enum ApiRole
{
    /// <summary>No particular role: any valid key will do.</summary>
    None = 0,

    /// <summary>Gateways: Score and ScoreStream.</summary>
    Scorer = 1,

    /// <summary>Analysts: alerts, labels, entity state, the model in service.</summary>
    Analyst = 2,

    /// <summary>Everything, model operations included.</summary>
    Admin = 4,

    /// <summary>The scoring service calling its peers: ComputeFeatures, RecordDecisions.</summary>
    ScoringService = 8,

    /// <summary>The alert service calling its peers: RecordLabels.</summary>
    AlertsService = 16,
}

/// <summary>One configured API key, stored hashed: never the key itself.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Key id: the part of the key before the first '.'; names the caller in logs.</summary>
    public string Id { get; set; } = "";

    /// <summary>Random per-key salt, base64.</summary>
    public string Salt { get; set; } = "";

    /// <summary>SHA-256 of the salt followed by the key's UTF-8 bytes, base64.</summary>
    public string Hash { get; set; } = "";

    /// <summary>Roles granted: "scorer", "analyst", "admin", "scoring-service", "alerts-service".</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>Configuration section <c>Auth</c> (environment <c>Auth__Keys__0__Id</c>, ...), the same in every service.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The scorer's former section, still read by the scoring service when <c>Auth</c> has no keys.</summary>
    public const string LegacyScoringSection = "Scoring:Auth";

    /// <summary>The accepted keys. None configured means development mode, allowed only on loopback addresses.</summary>
    public List<ApiKeyEntry> Keys { get; set; } = [];

    /// <summary>This service's own key (plaintext, "&lt;id&gt;.&lt;secret&gt;"), sent to its peers as a bearer token.</summary>
    public string? ClientKey { get; set; }
}
