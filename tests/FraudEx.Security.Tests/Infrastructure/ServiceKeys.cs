using FraudEx.ServiceDefaults.Security;
using FraudEx.Testing;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>One API key in the auth contract's format: the plaintext the caller sends, and the hashed entry a service
/// is configured with (<c>Auth:Keys:N:Id|Salt|Hash|Roles:M</c>).</summary>
public sealed record ServiceKey(string Id, string Key, string Salt, string Hash, IReadOnlyList<string> Roles)
{
    /// <summary>A new random key from the generator operators use (<c>FraudEx.Scoring new-api-key</c>,
    /// <see cref="ApiKeyAuthenticator.CreateKey"/>), so the suite runs on keys made the way production's are.</summary>
    public static ServiceKey Create(string id, params string[] roles)
    {
        var (key, entry) = ApiKeyAuthenticator.CreateKey(id, roles);
        return new ServiceKey(entry.Id, key, entry.Salt, entry.Hash, entry.Roles);
    }

    /// <summary>The configuration entries of this key as environment variables under <paramref name="section"/>.</summary>
    public void AddTo(IDictionary<string, string?> environment, string section, int index) =>
        AuthEnvironment.AddKey(environment, section, index, Id, Salt, Hash, Roles);
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
