using System.Globalization;
using System.Text;

namespace FraudEx.Redis;

/// <summary>Kinds of RESP2/RESP3 replies.</summary>
public enum RedisResultType
{
    Null,
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Double,
    Boolean,
    BigNumber,
    Map,
    Set,
    Verbatim,
}

/// <summary>A reply from the server. Error replies to a command raise <see cref="RedisServerException"/> instead; errors
/// nested in an array (for example in EXEC) stay as <see cref="RedisResultType.Error"/> items.</summary>
public sealed class RedisResult
{
    private static readonly RedisResult[] NoItems = [];

    private readonly byte[]? _bytes;
    private readonly long _integer;
    private readonly double _double;
    private readonly RedisResult[]? _items;

    private RedisResult(RedisResultType type, byte[]? bytes = null, long integer = 0, double dbl = 0, RedisResult[]? items = null)
    {
        Type = type;
        _bytes = bytes;
        _integer = integer;
        _double = dbl;
        _items = items;
    }

    /// <summary>A null reply (RESP2 null bulk string or array, RESP3 null).</summary>
    public static RedisResult Null { get; } = new(RedisResultType.Null);

    public RedisResultType Type { get; }

    public bool IsNull => Type == RedisResultType.Null;

    /// <summary>Raw bytes of a string-like reply; null for null and non-string replies.</summary>
    public byte[]? AsBytes() => _bytes;

    /// <summary>Text of a string-like reply (UTF-8), or of a number; null for null.</summary>
    public string? AsString() => Type switch
    {
        RedisResultType.Null => null,
        RedisResultType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        RedisResultType.Double => _double.ToString("R", CultureInfo.InvariantCulture),
        RedisResultType.Boolean => _integer != 0 ? "1" : "0",
        _ when _bytes is not null => Encoding.UTF8.GetString(_bytes),
        _ => throw new InvalidCastException($"A {Type} reply has no text form."),
    };

    /// <summary>Integer value of an integer, boolean or numeric-text reply.</summary>
    public long AsInt64() => Type switch
    {
        RedisResultType.Integer or RedisResultType.Boolean => _integer,
        RedisResultType.BulkString or RedisResultType.SimpleString or RedisResultType.BigNumber
            when long.TryParse(_bytes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new InvalidCastException($"A {Type} reply is not an integer."),
    };

    /// <summary>Double value of a double, integer or numeric-text reply.</summary>
    public double AsDouble() => Type switch
    {
        RedisResultType.Double => _double,
        RedisResultType.Integer => _integer,
        RedisResultType.BulkString or RedisResultType.SimpleString
            when double.TryParse(_bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new InvalidCastException($"A {Type} reply is not a number."),
    };

    /// <summary>Items of an array, set or push reply; map replies list keys and values alternately. Empty for scalars.</summary>
    public IReadOnlyList<RedisResult> Items => _items ?? NoItems;

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        RedisResultType.Null => "(nil)",
        RedisResultType.Array or RedisResultType.Set or RedisResultType.Map => $"[{string.Join(", ", Items)}]",
        _ => AsString() ?? string.Empty,
    };

    internal static RedisResult Simple(byte[] bytes) => new(RedisResultType.SimpleString, bytes);

    internal static RedisResult Error(byte[] bytes) => new(RedisResultType.Error, bytes);

    internal static RedisResult Bulk(byte[] bytes) => new(RedisResultType.BulkString, bytes);

    internal static RedisResult Verbatim(byte[] bytes) => new(RedisResultType.Verbatim, bytes);

    internal static RedisResult BigNumber(byte[] bytes) => new(RedisResultType.BigNumber, bytes);

    internal static RedisResult Integer(long value) => new(RedisResultType.Integer, integer: value);

    internal static RedisResult Boolean(bool value) => new(RedisResultType.Boolean, integer: value ? 1 : 0);

    internal static RedisResult Double(double value) => new(RedisResultType.Double, dbl: value);

    internal static RedisResult Aggregate(RedisResultType type, RedisResult[] items) => new(type, items: items);
}
