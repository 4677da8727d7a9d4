using System.Globalization;
using System.Net.Security;

namespace FraudEx.Redis;

/// <summary>How to reach a Redis server.</summary>
public sealed class RedisOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 6379;

    /// <summary>ACL user name; null uses the default user.</summary>
    public string? User { get; set; }

    /// <summary>Password (AUTH); null when the server has none.</summary>
    public string? Password { get; set; }

    /// <summary>Database selected after connecting (SELECT), 0 by default.</summary>
    public int Database { get; set; }

    /// <summary>RESP protocol version asked for with HELLO: 3 (default) or 2. Falls back to 2 on servers without HELLO.</summary>
    public int Protocol { get; set; } = 3;

    /// <summary>Client name sent with HELLO (visible in CLIENT LIST).</summary>
    public string? ClientName { get; set; }

    /// <summary>Use TLS.</summary>
    public bool Ssl { get; set; }

    /// <summary>Host name expected in the server certificate; defaults to <see cref="Host"/>.</summary>
    public string? SslHost { get; set; }

    /// <summary>Custom server-certificate check (for example a private CA); null uses the system's trust store.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }

    /// <summary>Limit for TCP connect, TLS and the handshake commands.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Limit for the reply to any command; past it the connection is reset.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Connections used round-robin; one multiplexed connection is usually enough.</summary>
    public int PoolSize { get; set; } = 1;

    /// <summary>First delay before reconnecting after a failure; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Largest delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Parses a connection string: either the StackExchange.Redis / Aspire form
    /// "host:port,password=...,user=...,ssl=true,sslHost=...,defaultDatabase=2,connectTimeout=2000,syncTimeout=2000,name=..."
    /// or a URI "redis://[user:password@]host[:port][/db]" ("rediss://" for TLS).
    /// </summary>
    /// <exception cref="FormatException">The string cannot be read.</exception>
    public static RedisOptions Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new RedisOptions();
        var text = connectionString.Trim();
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                throw new FormatException($"'{connectionString}' is not a valid Redis URI.");
            }

            options.Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase);
            options.Host = uri.Host.Trim('[', ']');
            options.Port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                if (parts.Length == 2)
                {
                    options.User = parts[0].Length == 0 ? null : Uri.UnescapeDataString(parts[0]);
                    options.Password = Uri.UnescapeDataString(parts[1]);
                }
                else
                {
                    options.Password = Uri.UnescapeDataString(parts[0]);
                }
            }

            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                options.Database = ParseInt(path, "database");
            }

            return options;
        }

        var first = true;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (!first)
                {
                    throw new FormatException($"Only the first element of a Redis connection string may be an endpoint: '{raw}'.");
                }

                var colon = raw.LastIndexOf(':');
                if (colon > 0 && !raw.EndsWith(']'))
                {
                    options.Host = raw[..colon].Trim('[', ']');
                    options.Port = ParseInt(raw[(colon + 1)..], "port");
                }
                else
                {
                    options.Host = raw.Trim('[', ']');
                }

                first = false;
                continue;
            }

            first = false;
            var key = raw[..eq].Trim();
            var value = raw[(eq + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "password": options.Password = value; break;
                case "user": options.User = value; break;
                case "ssl": options.Ssl = ParseBool(value, key); break;
                case "sslhost": options.SslHost = value; break;
                case "defaultdatabase": options.Database = ParseInt(value, key); break;
                case "connecttimeout": options.ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(value, key)); break;
                case "synctimeout" or "asynctimeout" or "commandtimeout": options.CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(value, key)); break;
                case "name": options.ClientName = value; break;
                case "protocol": options.Protocol = value.Equals("resp2", StringComparison.OrdinalIgnoreCase) || value == "2" ? 2 : 3; break;
                case "poolsize": options.PoolSize = ParseInt(value, key); break;
                case "abortconnect" or "allowadmin" or "connectretry" or "keepalive" or "resolvedns": break; // StackExchange-only knobs: accepted, not needed here.
                default: throw new FormatException($"Unknown Redis connection string option '{key}'.");
            }
        }

        return options;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Redis host is required.");
        }

        if (Port is <= 0 or > 65535)
        {
            throw new ArgumentException($"Redis port {Port} is out of range.");
        }

        if (Protocol is not (2 or 3))
        {
            throw new ArgumentException("Redis protocol must be 2 or 3.");
        }

        if (PoolSize is < 1 or > 64)
        {
            throw new ArgumentException("Redis pool size must be 1..64.");
        }

        if (CommandTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Redis timeouts must be positive.");
        }
    }

    internal RedisOptions Clone() => (RedisOptions)MemberwiseClone();

    private static int ParseInt(string value, string what) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new FormatException($"Redis connection string: {what} '{value}' is not a non-negative integer.");

    private static bool ParseBool(string value, string what) =>
        bool.TryParse(value, out var v) ? v : throw new FormatException($"Redis connection string: {what} '{value}' is not true/false.");
}
