using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FraudEx.ServiceDefaults.Security;

/// <summary>The outcome of checking a call's credentials.</summary>
public enum AuthOutcome
{
    /// <summary>The caller may go on.</summary>
    Allowed,

    /// <summary>No key in the <c>authorization</c> metadata: UNAUTHENTICATED.</summary>
    Missing,

    /// <summary>A key was given but it is not a configured one: UNAUTHENTICATED.</summary>
    Invalid,

    /// <summary>A valid key without the role the call needs: PERMISSION_DENIED.</summary>
    Forbidden,
}

/// <summary>The result of <see cref="ApiKeyAuthenticator.Authenticate"/>: outcome and, when known, the key id.</summary>
public readonly record struct AuthResult(AuthOutcome Outcome, string? KeyId);

/// <summary>
/// Checks API keys from the <c>authorization</c> metadata ("Bearer &lt;key&gt;" or the bare key) against hashed entries.
/// Keys are random 256-bit secrets, not passwords, so a salted SHA-256 is as strong as a slow hash against guessing
/// and costs under a microsecond per call; a slow KDF (PBKDF2) would add milliseconds to every score.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    private volatile FrozenDictionary<string, CompiledKey> keys;

    /// <summary>Compiles the configured keys and follows configuration changes.</summary>
    public ApiKeyAuthenticator(IOptionsMonitor<ApiKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        keys = Compile(options.CurrentValue);
        options.OnChange(o => keys = Compile(o));
    }

    /// <summary>True when no key is configured: every call is allowed (development only, on loopback).</summary>
    public bool DevelopmentMode => keys.Count == 0;

    /// <summary>Checks <paramref name="authorization"/> for one of the roles in <paramref name="required"/>.</summary>
    public AuthResult Authenticate(string? authorization, ApiRole required)
    {
        var compiled = keys;
        if (compiled.Count == 0)
        {
            return new AuthResult(AuthOutcome.Allowed, "development");
        }

        if (string.IsNullOrWhiteSpace(authorization))
        {
            return new AuthResult(AuthOutcome.Missing, null);
        }

        var key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : authorization.Trim();
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !compiled.TryGetValue(key[..dot], out var entry) || !entry.Matches(key))
        {
            return new AuthResult(AuthOutcome.Invalid, null);
        }

        // A method names the roles any one of which lets a caller in; None means any valid key.
        var granted = required == ApiRole.None || (entry.Roles & (required | ApiRole.Admin)) != 0;
        return new AuthResult(granted ? AuthOutcome.Allowed : AuthOutcome.Forbidden, entry.Id);
    }

    /// <summary>Makes a new random key for <paramref name="id"/> and the configuration entry that accepts it.</summary>
    public static (string Key, ApiKeyEntry Entry) CreateKey(string id, params string[] roles)
    {
        if (id.Length == 0 || id.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException("A key id must be non-empty and contain no '.'.", nameof(id));
        }

        var key = id + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        return (key, new ApiKeyEntry
        {
            Id = id,
            Salt = Convert.ToBase64String(salt),
            Hash = Convert.ToBase64String(HashKey(salt, key)),
            Roles = [.. roles],
        });
    }

    /// <summary>Parses a role name ("scorer", "analyst", "admin", "scoring-service", "alerts-service"), case-insensitively.</summary>
    public static ApiRole ParseRole(string role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return role.Trim().ToLowerInvariant() switch
        {
            "scorer" => ApiRole.Scorer,
            "analyst" => ApiRole.Analyst,
            "admin" => ApiRole.Admin,
            "scoring-service" => ApiRole.ScoringService,
            "alerts-service" => ApiRole.AlertsService,
            _ => throw new FormatException($"Unknown role '{role}'; expected scorer, analyst, admin, scoring-service or alerts-service."),
        };
    }

    /// <summary>The configuration name of a single role.</summary>
    public static string RoleName(ApiRole role) => role switch
    {
        ApiRole.Scorer => "scorer",
        ApiRole.Analyst => "analyst",
        ApiRole.Admin => "admin",
        ApiRole.ScoringService => "scoring-service",
        ApiRole.AlertsService => "alerts-service",
        _ => string.Join(" or ", Enum.GetValues<ApiRole>().Where(r => r != ApiRole.None && (role & r) != 0).Select(RoleName)),
    };

    internal static byte[] HashKey(byte[] salt, string key)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var buffer = new byte[salt.Length + keyBytes.Length];
        salt.CopyTo(buffer, 0);
        keyBytes.CopyTo(buffer, salt.Length);
        return SHA256.HashData(buffer);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static FrozenDictionary<string, CompiledKey> Compile(ApiKeyOptions options)
    {
        var result = new Dictionary<string, CompiledKey>(StringComparer.Ordinal);
        foreach (var entry in options.Keys)
        {
            var roles = ApiRole.None;
            foreach (var role in entry.Roles)
            {
                roles |= ParseRole(role);
            }

            byte[] salt;
            byte[] hash;
            try
            {
                salt = Convert.FromBase64String(entry.Salt);
                hash = Convert.FromBase64String(entry.Hash);
            }
            catch (FormatException e)
            {
                throw new FormatException($"API key '{entry.Id}': Salt and Hash must be base64.", e);
            }

            if (entry.Id.Length == 0 || hash.Length != SHA256.HashSizeInBytes || salt.Length < 8)
            {
                throw new FormatException($"API key '{entry.Id}': needs an Id, a salt of 8 bytes or more and a 32-byte SHA-256 hash.");
            }

            if (!result.TryAdd(entry.Id, new CompiledKey(entry.Id, salt, hash, roles)))
            {
                throw new FormatException($"API key id '{entry.Id}' is configured twice.");
            }
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record CompiledKey(string Id, byte[] Salt, byte[] Hash, ApiRole Roles)
    {
        public bool Matches(string key) => CryptographicOperations.FixedTimeEquals(HashKey(Salt, key), Hash);
    }
}
