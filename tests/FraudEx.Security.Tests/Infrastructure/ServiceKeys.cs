using System.Security.Cryptography;
using System.Text;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>One API key in the auth contract's format: the plaintext the caller sends, and the hashed entry a service
/// is configured with (<c>Auth:Keys:N:Id|Salt|Hash|Roles:M</c>).</summary>
public sealed record ServiceKey(string Id, string Key, string Salt, string Hash, IReadOnlyList<string> Roles)
{
    /// <summary>A new random key "&lt;id&gt;.&lt;base64url of 32 random bytes&gt;", stored as base64 salt and
    /// base64 SHA-256(salt || UTF-8 key). Written here, independently of the services, so a drift of the format fails.</summary>
    public static ServiceKey Create(string id, params string[] roles)
    {
        var key = id + "." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var salt = RandomNumberGenerator.GetBytes(16);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var hash = SHA256.HashData([.. salt, .. keyBytes]);
        return new ServiceKey(id, key, Convert.ToBase64String(salt), Convert.ToBase64String(hash), roles);
    }

    /// <summary>The configuration entries of this key as environment variables under <paramref name="section"/>.</summary>
    public void AddTo(IDictionary<string, string?> environment, string section, int index)
    {
        var prefix = $"{section}__Keys__{index}__";
        environment[prefix + "Id"] = Id;
        environment[prefix + "Salt"] = Salt;
        environment[prefix + "Hash"] = Hash;
        for (var r = 0; r < Roles.Count; r++)
        {
            environment[prefix + "Roles__" + r] = Roles[r];
        }
    }
}

/// <summary>The keys of one test system: one per role of the auth contract, plus service identities.</summary>
public sealed class SystemKeys
{
    public ServiceKey Scorer { get; } = ServiceKey.Create("gateway", "scorer");

    public ServiceKey Analyst { get; } = ServiceKey.Create("analyst", "analyst");

    public ServiceKey Admin { get; } = ServiceKey.Create("admin", "admin");

    /// <summary>The scorer's own identity for ComputeFeatures and RecordDecisions.</summary>
    public ServiceKey ScoringService { get; } = ServiceKey.Create("scoring", "scoring-service");

    /// <summary>The alert service's own identity for RecordLabels.</summary>
    public ServiceKey AlertsService { get; } = ServiceKey.Create("alerts", "alerts-service");

    public IReadOnlyList<ServiceKey> All => [Scorer, Analyst, Admin, ScoringService, AlertsService];

    /// <summary>A well-formed key for a configured id whose secret is wrong.</summary>
    public string Forged => Scorer.Id + "." + new string('A', 43);
}
