using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace FraudEx.Hosting;

/// <summary>
/// One API key made for a run: the plaintext key (given to the caller) and the salted hash a service accepts, in the
/// scorer's format (<c>ApiKeyAuthenticator.CreateKey</c>): key = <c>&lt;id&gt;.&lt;base64url of 32 random bytes&gt;</c>,
/// hash = SHA-256(salt ‖ UTF-8 key), salt 16 random bytes, both base64.
/// </summary>
public sealed record ApiKey(string Id, string Key, string Salt, string Hash, IReadOnlyList<string> Roles)
{
    /// <summary>Makes a new random key for <paramref name="id"/> with <paramref name="roles"/>.</summary>
    public static ApiKey Create(string id, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 0 || id.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException("A key id must be non-empty and contain no '.'.", nameof(id));
        }
        var key = id + "." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(key)]);
        return new ApiKey(id, key, Convert.ToBase64String(salt), Convert.ToBase64String(hash), roles);
    }

    /// <summary>Never the key itself: records print their members, and this one is a secret.</summary>
    public override string ToString() => $"ApiKey {Id} ({string.Join(',', Roles)})";
}

/// <summary>
/// The keys of one local run (COORDINATION's auth contract): the console's analyst and scorer keys, each service's
/// own client key for its peers, and an admin key for the developer.
/// </summary>
public sealed class RunKeys
{
    /// <summary>The console's key for AlertService (and GetModel / GetEntityState).</summary>
    public ApiKey ConsoleAnalyst { get; } = ApiKey.Create("console-analyst", "analyst");

    /// <summary>The console's key for ScoringService (its traffic panel).</summary>
    public ApiKey ConsoleScorer { get; } = ApiKey.Create("console-scorer", "scorer");

    /// <summary>The scorer's key for FeatureService.ComputeFeatures and AlertService.RecordDecisions.</summary>
    public ApiKey ScoringService { get; } = ApiKey.Create("scoring-service", "scoring-service");

    /// <summary>The alert service's key for FeatureService.RecordLabels.</summary>
    public ApiKey AlertsService { get; } = ApiKey.Create("alerts-service", "alerts-service");

    /// <summary>Everything, for the developer's own calls (written to the run's keys file, never printed).</summary>
    public ApiKey Admin { get; } = ApiKey.Create("developer", "admin");

    /// <summary>
    /// Writes the plaintext keys as <c>NAME=value</c> lines to <paramref name="path"/>, readable by the owner only, so
    /// a developer can call the services of this run.
    /// </summary>
    public void WriteKeysFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder()
            .AppendLine("# API keys of this FraudEx app host run (valid until it stops). Send as: authorization: Bearer <key>")
            .AppendLine(CultureInfo.InvariantCulture, $"FRAUDEX_SCORER_KEY={ConsoleScorer.Key}")
            .AppendLine(CultureInfo.InvariantCulture, $"FRAUDEX_ANALYST_KEY={ConsoleAnalyst.Key}")
            .AppendLine(CultureInfo.InvariantCulture, $"FRAUDEX_ADMIN_KEY={Admin.Key}")
            .ToString();
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(path, text);
    }
}

/// <summary>Hands keys to resources as configuration (environment variables).</summary>
public static class ApiKeyResourceExtensions
{
    /// <summary>
    /// The keys a service accepts: <c>Auth__Keys__N__Id</c>, <c>__Salt</c>, <c>__Hash</c>, <c>__Roles__M</c> (hashes
    /// only; the plaintext stays with the callers).
    /// </summary>
    public static IResourceBuilder<T> WithAcceptedApiKeys<T>(this IResourceBuilder<T> builder, params ApiKey[] keys)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(keys);
        return builder.WithEnvironment(context =>
        {
            for (var i = 0; i < keys.Length; i++)
            {
                var prefix = $"Auth__Keys__{i.ToString(CultureInfo.InvariantCulture)}__";
                context.EnvironmentVariables[prefix + "Id"] = keys[i].Id;
                context.EnvironmentVariables[prefix + "Salt"] = keys[i].Salt;
                context.EnvironmentVariables[prefix + "Hash"] = keys[i].Hash;
                for (var r = 0; r < keys[i].Roles.Count; r++)
                {
                    context.EnvironmentVariables[prefix + "Roles__" + r.ToString(CultureInfo.InvariantCulture)] = keys[i].Roles[r];
                }
            }
        });
    }

    /// <summary>The key a service sends to its peers: <c>Auth__ClientKey</c>.</summary>
    public static IResourceBuilder<T> WithClientApiKey<T>(this IResourceBuilder<T> builder, ApiKey key)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(key);
        return builder.WithEnvironment("Auth__ClientKey", key.Key);
    }
}
