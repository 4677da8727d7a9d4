using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FraudEx.Alerts.Webhooks;

/// <summary>
/// Signs webhook bodies the way Stripe does: <c>FraudEx-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>,
/// the HMAC keyed with the subscription's secret over <c>"{t}.{body}"</c>. Binding the timestamp into the MAC lets a
/// receiver refuse replays older than its tolerance; several v1 values may appear while a secret is rotated.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The HTTP header carrying the signature.</summary>
    public const string HeaderName = "FraudEx-Signature";

    /// <summary>The signature header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var t = timestamp.ToUnixTimeSeconds();
        return $"t={t.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, t, body))}";
    }

    /// <summary>Checks a signature header against <paramref name="body"/>: a v1 MAC must match and the timestamp must
    /// lie within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        long? t = null;
        var candidates = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part.AsSpan(0, eq).Trim();
            var value = part.AsSpan(eq + 1).Trim();
            if (key.SequenceEqual("t") && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                t = parsed;
            }
            else if (key.SequenceEqual("v1") && value.Length == 64)
            {
                try
                {
                    candidates.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // Not a MAC; ignore it like an unknown scheme.
                }
            }
        }

        if (t is null || candidates.Count == 0 || Math.Abs(now.ToUnixTimeSeconds() - t.Value) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Mac(secret, t.Value, body);
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(c, expected));
    }

    private static byte[] Mac(string secret, long t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(t.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
