using System.Globalization;
using System.Text;

namespace FraudEx.Grpc.Internal;

/// <summary>Wire constants and encodings of gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string SupportedEncodings = "identity,gzip";
    public const string TeHeader = "te";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
    public const int HeaderSize = 5;
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>application/grpc, optionally with a "+proto" or parameters; grpc-web and +json are not served.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        return rest[0] == ';' || rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Headers that are part of the call definition, never application metadata.</summary>
    public static bool IsReservedHeader(string key) =>
        key.Length == 0 || key[0] == ':'
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || key.Equals(TeHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals(TimeoutHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(StatusHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(MessageHeader, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses "grpc-timeout": at most 8 digits and a unit H M S m u n. False when malformed.</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long ticks;
        try
        {
            ticks = value[^1] switch
            {
                'H' => checked(amount * TimeSpan.TicksPerHour),
                'M' => checked(amount * TimeSpan.TicksPerMinute),
                'S' => checked(amount * TimeSpan.TicksPerSecond),
                'm' => amount * TimeSpan.TicksPerMillisecond,
                'u' => amount * TimeSpan.TicksPerMicrosecond,
                'n' => amount / 100,
                _ => -1,
            };
        }
        catch (OverflowException)
        {
            ticks = TimeSpan.MaxValue.Ticks;
        }

        if (ticks < 0)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Formats a timeout with the finest unit that fits in 8 digits, rounding up so a deadline never shrinks to 0.</summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        const long max = 99_999_999;
        var ticks = Math.Max(timeout.Ticks, 1);
        var micros = CeilDiv(ticks, TimeSpan.TicksPerMicrosecond);
        if (micros <= max)
        {
            return micros.ToString(CultureInfo.InvariantCulture) + "u";
        }

        var millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= max)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= max)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }

        var minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= max)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return Math.Min(CeilDiv(ticks, TimeSpan.TicksPerHour), max).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    /// <summary>Percent-encodes a status message: UTF-8, with bytes outside 0x20-0x7E and '%' as %XX.</summary>
    public static string EncodeMessage(string message)
    {
        var needs = false;
        foreach (var c in message)
        {
            if (c < 0x20 || c > 0x7E || c == '%')
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            if (b < 0x20 || b > 0x7E || b == '%')
            {
                sb.Append('%').Append(((int)b).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    /// <summary>Decodes a percent-encoded status message; malformed escapes are kept as they are (never an error).</summary>
    public static string DecodeMessage(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%', StringComparison.Ordinal))
        {
            return value ?? string.Empty;
        }

        var buffer = new byte[value.Length];
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                buffer[n++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                i += 2;
            }
            else
            {
                buffer[n++] = c <= 0x7F ? (byte)c : (byte)'?';
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Base64 without padding, as the spec asks implementations to emit.</summary>
    public static string EncodeBinaryHeader(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Decodes a -bin header value: padded or unpadded base64; comma-joined duplicates are split first.</summary>
    /// <summary>
    /// Adds one received header value to <paramref name="metadata"/>: as text, or base64-decoded for a "-bin" key. A
    /// "-bin" value that is not base64 is dropped rather than failing the call (the spec forbids erroring on odd
    /// metadata).
    /// </summary>
    public static void AddReceivedHeader(Metadata metadata, string lowerKey, string value)
    {
        if (!Metadata.IsBinaryKey(lowerKey))
        {
            metadata.Add(new Metadata.Entry(lowerKey, value, null));
            return;
        }

        try
        {
            foreach (var bytes in DecodeBinaryHeader(value))
            {
                metadata.Add(new Metadata.Entry(lowerKey, null, bytes));
            }
        }
        catch (FormatException)
        {
            // Dropped, as above.
        }
    }

    public static IEnumerable<byte[]> DecodeBinaryHeader(string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            yield return DecodeBase64(part);
        }
    }

    public static byte[] DecodeBase64(string part)
    {
        var padded = (part.Length % 4) switch
        {
            2 => part + "==",
            3 => part + "=",
            _ => part,
        };
        return Convert.FromBase64String(padded);
    }

    /// <summary>Maps a non-200 HTTP status to a gRPC status (grpc/grpc doc/http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>Splits "/pkg.Service/Method" into its service and method names.</summary>
    public static (string Service, string Method) SplitMethod(string fullMethod)
    {
        var path = fullMethod.AsSpan().TrimStart('/');
        var slash = path.LastIndexOf('/');
        return slash < 0 ? (path.ToString(), string.Empty) : (path[..slash].ToString(), path[(slash + 1)..].ToString());
    }
}
