using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Alerts.Internal;

/// <summary>Postgres keeps microseconds; every time FraudEx stores is cut to microseconds first, so a value read back
/// (and a keyset page token made from it) compares equal to what was written.</summary>
internal static class Timestamps
{
    public static DateTime Truncate(DateTimeOffset value) => Truncate(value.UtcDateTime);

    public static DateTime Truncate(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }

    public static DateTime ToUtc(Timestamp timestamp) => Truncate(timestamp.ToDateTime());

    public static Timestamp ToProto(DateTime utc) => Timestamp.FromDateTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    /// <summary>Microseconds since the Unix epoch.</summary>
    public static long ToUnixMicroseconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime FromUnixMicroseconds(long micros) => new(DateTime.UnixEpoch.Ticks + micros * 10, DateTimeKind.Utc);
}
