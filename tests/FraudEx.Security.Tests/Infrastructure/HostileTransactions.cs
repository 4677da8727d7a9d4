using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>
/// Generates transactions from the whole space the wire allows, weighted towards the edges: empty, huge, non-ASCII
/// and control-character strings, extreme and negative amounts, timestamps outside the calendar, unknown enum
/// numbers, NaN and infinite coordinates, oversized attribute maps. Deterministic per seed.
/// </summary>
public sealed class HostileTransactions(int seed)
{
    private static readonly string[] Currencies = ["EUR", "USD", "JPY", "BHD", "KWD", "CLP", "GBP", "eur", "EUX", "", "EURO", "€", "XXX"];
    private static readonly string[] Countries = ["DE", "US", "JP", "", "de", "D", "DEU", "ZZ", "1A", "ÄÖ"];
    private static readonly string[] Weird = ["", " ", "\0", "\u202e", "ä", "💳", "\ud800", "a\nb", "'; drop table decisions; --", "%s%n", "../../etc/passwd", "null"];

    private readonly Random _random = new(seed);

    /// <summary>A plausible transaction in which each field, with probability <paramref name="hostility"/>, is
    /// replaced by an edge value (which may or may not be valid).</summary>
    public Transaction Next(double hostility = 0.1)
    {
        var now = DateTimeOffset.UtcNow;
        var tx = new Transaction
        {
            TransactionId = Pick(hostility) ? Id() : "tx-" + Guid.NewGuid().ToString("N")[..12],
            AccountId = Pick(hostility) ? Id() : "acct-" + _random.Next(50),
            MerchantId = Pick(hostility) ? Id() : "merchant-" + _random.Next(20),
            MerchantCategoryCode = Pick(hostility) ? OneOf("0000", "9999", "", "541", "54111", "abcd", "٥٤١١") : OneOf("5411", "5999", "7995", "4829"),
            AmountMinor = Pick(hostility) ? Amount() : _random.NextInt64(1, 500_000),
            Currency = Pick(hostility) ? OneOf(Currencies) : OneOf("EUR", "USD", "JPY", "BHD", "KWD", "CLP", "GBP"),
            Channel = Pick(hostility) ? (Channel)_random.Next(-2, 9) : (Channel)_random.Next(0, 7),
            CardPresent = Pick(0.5),
            DeviceId = Pick(hostility) ? Text(_random.Next(0, 200)) : Pick(0.3) ? "" : "device-" + _random.Next(30),
            IpAddress = Pick(hostility)
                ? OneOf("", "::1", "300.1.2.3", "1", "0x7f.1", "01.2.3.4", "1.2.3.4.5", "fe80::1%eth0", Text(20))
                : Pick(0.3) ? "" : "10.0.0." + _random.Next(256),
            Country = Pick(hostility) ? OneOf(Countries) : OneOf("DE", "US", "JP", ""),
            MerchantCountry = Pick(hostility) ? OneOf(Countries) : OneOf("DE", "US", "JP", ""),
            // Mostly recent, in no particular order per account: late events of minutes to weeks are part of the space.
            Timestamp = Pick(hostility) ? Time() : Timestamp.FromDateTimeOffset(now.AddSeconds(-_random.Next(0, 45 * 86_400))),
        };
        if (Pick(hostility / 2))
        {
            tx.Timestamp = null;
        }

        if (Pick(0.5))
        {
            tx.Location = Pick(hostility)
                ? new GeoPoint { Latitude = Coordinate(90), Longitude = Coordinate(180) }
                : new GeoPoint { Latitude = (_random.NextDouble() - 0.5) * 180, Longitude = (_random.NextDouble() - 0.5) * 360 };
        }

        var attributes = Pick(hostility) ? _random.Next(0, 60) : _random.Next(0, 4);
        for (var i = 0; i < attributes; i++)
        {
            tx.Attributes[Text(_random.Next(0, Pick(hostility) ? 300 : 20))] = Text(_random.Next(0, Pick(hostility) ? 300 : 20));
        }

        return tx;
    }

    private bool Pick(double probability) => _random.NextDouble() < probability;

    private T OneOf<T>(params T[] values) => values[_random.Next(values.Length)];

    private string Id() => _random.Next(10) switch
    {
        0 => "",
        1 => new string('x', _random.Next(120, 140)),
        2 => OneOf(Weird),
        3 => Text(_random.Next(1, 40)),
        _ => "tx-" + Guid.NewGuid().ToString("N")[..12],
    };

    private long Amount() => _random.Next(12) switch
    {
        0 => 0,
        1 => -_random.NextInt64(1, long.MaxValue),
        2 => long.MaxValue,
        3 => long.MinValue,
        4 => _random.NextInt64(1_000_000_000_000, long.MaxValue),
        5 => 1,
        _ => _random.NextInt64(1, 5_000_000),
    };

    private Timestamp Time() => _random.Next(10) switch
    {
        0 => new Timestamp { Seconds = _random.NextInt64(long.MinValue, long.MaxValue), Nanos = _random.Next() },
        1 => new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 },
        2 => new Timestamp { Seconds = -62_135_596_800 },
        3 => new Timestamp { Seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Nanos = -1 },
        4 => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(_random.Next(-10, 10))),
        _ => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-_random.Next(0, 60 * 86_400))),
    };

    private double Coordinate(double range) => _random.Next(10) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => range,
        4 => -range,
        5 => (_random.NextDouble() - 0.5) * range * 10,
        6 => double.Epsilon,
        _ => (_random.NextDouble() - 0.5) * 2 * range,
    };

    private string Text(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = _random.Next(6) switch
            {
                0 => (char)_random.Next(0, 32),
                1 => (char)_random.Next(0x80, 0x800),
                2 => (char)_random.Next(0xD800, 0xE000),
                _ => (char)_random.Next(32, 127),
            };
        }

        return new string(chars);
    }
}
