using System.Globalization;
using System.Text;

namespace FraudEx.Redis;

/// <summary>One argument of a command: text (sent as UTF-8), bytes, or an integer.</summary>
public readonly struct RedisArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;
    private readonly byte _kind; // 0 text, 1 bytes, 2 integer

    private RedisArg(string? text, ReadOnlyMemory<byte> bytes, long integer, byte kind)
    {
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _kind = kind;
    }

    public static implicit operator RedisArg(string value) => new(value ?? throw new ArgumentNullException(nameof(value)), default, 0, 0);

    public static implicit operator RedisArg(byte[] value) => new(null, value ?? throw new ArgumentNullException(nameof(value)), 0, 1);

    public static implicit operator RedisArg(ReadOnlyMemory<byte> value) => new(null, value, 0, 1);

    public static implicit operator RedisArg(long value) => new(null, default, value, 2);

    public static implicit operator RedisArg(int value) => new(null, default, value, 2);

    /// <summary>Number of bytes the argument takes on the wire (without framing).</summary>
    internal int ByteCount => _kind switch
    {
        0 => Encoding.UTF8.GetByteCount(_text!),
        1 => _bytes.Length,
        _ => DigitCount(_integer),
    };

    internal int CopyTo(Span<byte> destination) => _kind switch
    {
        0 => Encoding.UTF8.GetBytes(_text!, destination),
        1 => CopyBytes(_bytes.Span, destination),
        _ => _integer.TryFormat(destination, out var n, default, CultureInfo.InvariantCulture) ? n : throw new InvalidOperationException(),
    };

    /// <inheritdoc />
    public override string ToString() => _kind switch
    {
        0 => _text!,
        1 => $"<{_bytes.Length} bytes>",
        _ => _integer.ToString(CultureInfo.InvariantCulture),
    };

    private static int CopyBytes(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static int DigitCount(long v)
    {
        Span<byte> tmp = stackalloc byte[20];
        return v.TryFormat(tmp, out var n, default, CultureInfo.InvariantCulture) ? n : 20;
    }
}
