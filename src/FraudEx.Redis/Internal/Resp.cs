using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace FraudEx.Redis.Internal;

/// <summary>A growable byte buffer that commands are encoded into before one socket write.</summary>
internal sealed class OutputBuffer
{
    private byte[] _buffer = new byte[8192];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    public Span<byte> GetSpan(int size)
    {
        if (Length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + size));
        }

        return _buffer.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public void Clear()
    {
        Length = 0;

        // A burst may have grown the buffer a lot; do not keep megabytes per idle connection.
        if (_buffer.Length > 1 << 20)
        {
            _buffer = new byte[8192];
        }
    }
}

/// <summary>Encodes commands as RESP arrays of bulk strings (the only form a client sends).</summary>
internal static class RespWriter
{
    public static void WriteCommand(OutputBuffer output, string command, ReadOnlySpan<RedisArg> args)
    {
        WriteHeader(output, (byte)'*', args.Length + 1);
        var nameLength = Encoding.ASCII.GetByteCount(command);
        WriteHeader(output, (byte)'$', nameLength);
        var span = output.GetSpan(nameLength + 2);
        Encoding.ASCII.GetBytes(command, span);
        span[nameLength] = (byte)'\r';
        span[nameLength + 1] = (byte)'\n';
        output.Advance(nameLength + 2);
        foreach (var arg in args)
        {
            var length = arg.ByteCount;
            WriteHeader(output, (byte)'$', length);
            span = output.GetSpan(length + 2);
            var written = arg.CopyTo(span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    private static void WriteHeader(OutputBuffer output, byte prefix, int value)
    {
        var span = output.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var n);
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        output.Advance(n + 3);
    }
}

/// <summary>
/// Incremental RESP2/RESP3 reply parser: returns false when the buffer does not yet hold a whole reply (the caller
/// reads more and parses again from the same position).
/// </summary>
internal static class RespParser
{
    private const int MaxDepth = 32;
    private const int MaxBulk = 512 * 1024 * 1024;

    /// <summary>Parses one reply at <paramref name="position"/>; on success advances it. Push frames set <paramref name="isPush"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, ref int position, out RedisResult result, out bool isPush)
    {
        var pos = position;
        isPush = false;
        if (pos < buffer.Length && buffer[pos] == (byte)'>')
        {
            isPush = true;
        }

        if (!TryParseValue(buffer, ref pos, out result, 0))
        {
            return false;
        }

        position = pos;
        return true;
    }

    private static bool TryParseValue(ReadOnlySpan<byte> b, ref int pos, out RedisResult result, int depth)
    {
        result = RedisResult.Null;
        if (depth > MaxDepth)
        {
            throw new RedisProtocolException("Reply nesting is too deep.");
        }

        if (pos >= b.Length)
        {
            return false;
        }

        var type = b[pos];
        var crlf = b[(pos + 1)..].IndexOf("\r\n"u8);
        if (crlf < 0)
        {
            return false;
        }

        var line = b.Slice(pos + 1, crlf);
        var next = pos + 1 + crlf + 2;
        switch (type)
        {
            case (byte)'+':
                result = RedisResult.Simple(line.ToArray());
                break;
            case (byte)'-':
                result = RedisResult.Error(line.ToArray());
                break;
            case (byte)':':
                result = RedisResult.Integer(ParseLong(line));
                break;
            case (byte)'_':
                result = RedisResult.Null;
                break;
            case (byte)',':
                result = RedisResult.Double(ParseDouble(line));
                break;
            case (byte)'#':
                result = RedisResult.Boolean(line.Length == 1 && line[0] == (byte)'t');
                break;
            case (byte)'(':
                result = RedisResult.BigNumber(line.ToArray());
                break;
            case (byte)'$' or (byte)'=' or (byte)'!':
            {
                var length = ParseLong(line);
                if (length == -1)
                {
                    result = RedisResult.Null;
                    break;
                }

                if (length < 0 || length > MaxBulk)
                {
                    throw new RedisProtocolException($"Invalid bulk length {length}.");
                }

                if (next + length + 2 > b.Length)
                {
                    return false;
                }

                var payload = b.Slice(next, (int)length).ToArray();
                next += (int)length + 2;
                result = type switch
                {
                    (byte)'$' => RedisResult.Bulk(payload),
                    (byte)'!' => RedisResult.Error(payload),
                    _ => RedisResult.Verbatim(payload.Length >= 4 ? payload[4..] : payload), // "txt:" format prefix
                };
                break;
            }

            case (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%' or (byte)'|':
            {
                var count = ParseLong(line);
                if (count == -1)
                {
                    result = RedisResult.Null;
                    break;
                }

                var items = (type is (byte)'%' or (byte)'|') ? count * 2 : count;
                if (items < 0 || items > int.MaxValue / 2)
                {
                    throw new RedisProtocolException($"Invalid aggregate length {count}.");
                }

                var array = new RedisResult[items];
                for (var i = 0; i < items; i++)
                {
                    if (!TryParseValue(b, ref next, out array[i], depth + 1))
                    {
                        return false;
                    }
                }

                if (type == (byte)'|')
                {
                    // Attributes describe the reply that follows; the client has no use for them.
                    pos = next;
                    return TryParseValue(b, ref pos, out result, depth);
                }

                result = RedisResult.Aggregate(
                    type switch { (byte)'%' => RedisResultType.Map, (byte)'~' => RedisResultType.Set, _ => RedisResultType.Array },
                    array);
                break;
            }

            default:
                throw new RedisProtocolException($"Unexpected reply type byte 0x{type:x2}.");
        }

        pos = next;
        return true;
    }

    private static long ParseLong(ReadOnlySpan<byte> s) =>
        Utf8Parser.TryParse(s, out long v, out var consumed) && consumed == s.Length
            ? v
            : throw new RedisProtocolException($"Invalid integer '{Encoding.ASCII.GetString(s)}'.");

    private static double ParseDouble(ReadOnlySpan<byte> s)
    {
        var text = Encoding.ASCII.GetString(s);
        return text switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" or "-nan" => double.NaN,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d
                : throw new RedisProtocolException($"Invalid double '{text}'."),
        };
    }
}
