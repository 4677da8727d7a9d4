namespace FraudEx.Scoring.Security;

/// <summary>What a caller may do.</summary>
[Flags]
public enum ApiRole
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>May score transactions (Score, ScoreStream, GetModel).</summary>
    Scorer = 1,

    /// <summary>May read and update alerts.</summary>
    Analyst = 2,

    /// <summary>May do everything, including model administration.</summary>
    Admin = 4,
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

    /// <summary>Roles granted: "scorer", "analyst", "admin".</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>Configuration section <c>Scoring:Auth</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Scoring:Auth";

    /// <summary>The accepted keys. None configured means development mode, allowed only on loopback addresses.</summary>
    public List<ApiKeyEntry> Keys { get; set; } = [];
}
