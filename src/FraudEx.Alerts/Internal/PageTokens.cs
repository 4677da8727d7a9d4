using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Internal;

/// <summary>
/// Opaque keyset page tokens for ListAlerts: the (created_at, alert_id) of the last alert returned, bound to a hash of
/// the filters it was made for and authenticated with an HMAC under a key shared by the replicas. A token edited by
/// hand, or replayed with other filters, is refused instead of silently returning a wrong page.
/// </summary>
internal sealed class PageTokens(byte[] key)
{
    private const byte FormatVersion = 1;
    private const int FilterHashLength = 16;
    private const int MacLength = 16;
    private const int BodyLength = 1 + 8 + 8 + FilterHashLength;

    public string Create(ListAlertsRequest filters, DateTime createdAt, long alertId)
    {
        Span<byte> token = stackalloc byte[BodyLength + MacLength];
        token[0] = FormatVersion;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], Timestamps.ToUnixMicroseconds(createdAt));
        BinaryPrimitives.WriteInt64BigEndian(token[9..], alertId);
        FilterHash(filters, token.Slice(17, FilterHashLength));
        Mac(token[..BodyLength], token[BodyLength..]);
        return Base64Url(token);
    }

    public bool TryRead(ListAlertsRequest filters, string text, out DateTime createdAt, out long alertId)
    {
        createdAt = default;
        alertId = 0;
        byte[] token;
        try
        {
            token = Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));
        }
        catch (FormatException)
        {
            return false;
        }

        if (token.Length != BodyLength + MacLength || token[0] != FormatVersion)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(token.AsSpan(0, BodyLength), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token.AsSpan(BodyLength)))
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[FilterHashLength];
        FilterHash(filters, hash);
        if (!hash.SequenceEqual(token.AsSpan(17, FilterHashLength)))
        {
            return false;
        }

        createdAt = Timestamps.FromUnixMicroseconds(BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(1)));
        alertId = BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(9));
        return true;
    }

    private void Mac(ReadOnlySpan<byte> body, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, body, full);
        full[..MacLength].CopyTo(destination);
    }

    private static void FilterHash(ListAlertsRequest filters, Span<byte> destination)
    {
        // Page size may change from page to page; every other field must stay the same.
        var canonical = string.Join('\u001f',
            (int)filters.Status, (int)filters.Decision, filters.AccountId,
            filters.CreatedAfter is null ? "-" : Timestamps.ToUnixMicroseconds(Timestamps.ToUtc(filters.CreatedAfter)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            filters.CreatedBefore is null ? "-" : Timestamps.ToUnixMicroseconds(Timestamps.ToUtc(filters.CreatedBefore)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            BitConverter.DoubleToInt64Bits(filters.MinScore).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Span<byte> full = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonical), full);
        full[..FilterHashLength].CopyTo(destination);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
