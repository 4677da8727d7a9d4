using System.Security.Cryptography;
using System.Text;

namespace FraudEx.Redis;

/// <summary>
/// A Lua script run with EVALSHA; when the server does not hold it (NOSCRIPT, for example after a restart or SCRIPT
/// FLUSH) the client sends it once with EVAL, which also caches it.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
    }

    public string Source { get; }

    /// <summary>Lower-case hex SHA-1 of the source, the name Redis caches the script under.</summary>
    public string Sha1 { get; }
}
