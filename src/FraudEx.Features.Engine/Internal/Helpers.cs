namespace FraudEx.Features.Engine.Internal;

/// <summary>Stable hashing of ids (string.GetHashCode is randomised per process, so unusable in stored state).</summary>
internal static class StableHash
{
    public static uint Of(string value)
    {
        // FNV-1a 64 over UTF-16 code units, folded to 32 bits.
        var h = 14695981039346656037UL;
        foreach (var c in value)
        {
            h ^= (byte)c;
            h *= 1099511628211UL;
            h ^= (byte)(c >> 8);
            h *= 1099511628211UL;
        }

        return (uint)(h ^ (h >> 32));
    }
}

/// <summary>Minor-unit exponents of ISO 4217 currencies (no FX conversion: amounts stay in their own currency).</summary>
internal static class Currency
{
    /// <summary>Amount in hundredths of a major unit, so sums of mixed currencies stay integers.</summary>
    public static long ToCenti(long amountMinor, string currency) => Exponent(currency) switch
    {
        // Saturates instead of wrapping: the wire allows any int64 amount.
        0 => amountMinor > long.MaxValue / 100 ? long.MaxValue : amountMinor < long.MinValue / 100 ? long.MinValue : amountMinor * 100,
        3 => amountMinor / 10,
        _ => amountMinor,
    };

    public static int Exponent(string currency) => currency switch
    {
        "JPY" or "KRW" or "VND" or "CLP" or "ISK" or "UGX" or "XAF" or "XOF" or "PYG" or "RWF" or "KMF" or "GNF" or "VUV" or "XPF" or "DJF" or "BIF" => 0,
        "BHD" or "KWD" or "OMR" or "JOD" or "TND" or "LYD" or "IQD" => 3,
        _ => 2,
    };
}

/// <summary>ISO 18245 merchant category ranges grouped coarsely, with commonly high-risk codes apart.</summary>
internal static class MccGroups
{
    public static float Of(string mcc)
    {
        if (mcc.Length != 4 || !int.TryParse(mcc, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return float.NaN;
        }

        return code switch
        {
            4829 or 6010 or 6011 or 6012 or 6051 or 6540 or 7995 or 5967 or 5993 or 7273 => 12, // money transfer, cash, quasi-cash, stored value, gambling, direct marketing
            < 1500 => 1,   // agricultural services
            < 3000 => 2,   // contracted services
            < 4000 => 3,   // airlines, car rental, lodging
            < 4800 => 4,   // transportation
            < 5000 => 5,   // utilities, telecommunication
            < 5600 => 6,   // retail outlets
            < 5700 => 7,   // clothing
            < 7300 => 8,   // miscellaneous stores and personal services
            < 8000 => 9,   // business, repair and amusement services
            < 9000 => 10,  // professional services and membership organisations
            _ => 11,       // government services
        };
    }
}

internal static class Geo
{
    private const double EarthRadiusKm = 6371.0088;

    public static double HaversineKm(double lat1, double lon1, double lat2, double lon2)
    {
        var dLat = DegreesToRadians(lat2 - lat1);
        var dLon = DegreesToRadians(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
              + Math.Cos(DegreesToRadians(lat1)) * Math.Cos(DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1.0, Math.Sqrt(a)));
    }

    private static double DegreesToRadians(double d) => d * (Math.PI / 180.0);
}

internal static class TimeUnits
{
    public const long Minute = 60_000;
    public const long Hour = 60 * Minute;
    public const long Day = 24 * Hour;

    public static long Seconds(long ms) => ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}
