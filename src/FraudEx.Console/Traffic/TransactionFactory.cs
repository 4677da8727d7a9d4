using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Console.Traffic;

/// <summary>What a burst of demo traffic looks like.</summary>
public enum TrafficScenario
{
    /// <summary>Mostly ordinary payments with now and then a fraud pattern (8 % card testing, 6 % account takeover).</summary>
    Mixed,

    /// <summary>Ordinary payments only: accounts paying at their usual merchants, in person, at home.</summary>
    Normal,

    /// <summary>Fraud patterns only: card testing and account takeover, half each.</summary>
    Fraud,
}

/// <summary>
/// Generated transactions for demos: a small population of accounts paying at their usual merchants, and the two
/// fraud patterns the model knows best: card testing (tiny online amounts at unfamiliar merchants from new devices)
/// and account takeover (a large online payment from a new device, abroad).
/// </summary>
public sealed class TransactionFactory(TimeProvider time, int seed)
{
    private static readonly string[] Mccs = ["5411", "5812", "5541", "5999", "4121", "5732", "5944", "7995"];
    private static readonly string[] Countries = ["DE", "FR", "NL", "ES", "IT", "GB"];
    private readonly Random _random = new(seed);
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private long _sequence;

    public Transaction Next(TrafficScenario scenario = TrafficScenario.Mixed)
    {
        lock (_random)
        {
            var id = Interlocked.Increment(ref _sequence);
            var account = _random.Next(200);
            var country = Countries[account % Countries.Length];
            var tx = new Transaction
            {
                TransactionId = $"console-{_runId}-{id}",
                AccountId = $"acct-{account:D4}",
                MerchantId = $"m-{account % 37:D3}",
                MerchantCategoryCode = Mccs[account % 5],
                AmountMinor = (long)Math.Exp(_random.NextDouble() * 3 + 6),
                Currency = "EUR",
                Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                Channel = Channel.Pos,
                CardPresent = true,
                DeviceId = $"dev-{account:D4}",
                IpAddress = $"10.{account % 250}.{account / 250}.{1 + account % 200}",
                Location = new GeoPoint { Latitude = 48 + (account % 7) * 0.3, Longitude = 2 + (account % 11) * 0.4 },
                Country = country,
                MerchantCountry = country,
            };
            var roll = scenario switch
            {
                TrafficScenario.Normal => 1.0,
                TrafficScenario.Fraud => _random.NextDouble() * 0.14,
                _ => _random.NextDouble(),
            };
            if (roll < 0.07)
            {
                tx.AmountMinor = 100 + _random.Next(150);
                tx.Channel = Channel.Ecommerce;
                tx.CardPresent = false;
                tx.MerchantId = $"m-new-{_random.Next(1000):D3}";
                tx.DeviceId = $"dev-x-{_random.Next(20):D2}";
            }
            else if (roll < 0.14)
            {
                tx.AmountMinor = 150_000 + _random.Next(300_000);
                tx.Channel = Channel.Ecommerce;
                tx.CardPresent = false;
                tx.MerchantCategoryCode = Mccs[5 + _random.Next(3)];
                tx.DeviceId = $"dev-ato-{_random.Next(1_000_000):D6}";
                tx.IpAddress = $"203.0.113.{_random.Next(1, 254)}";
                tx.Location = new GeoPoint { Latitude = -33.9, Longitude = 151.2 };
                tx.MerchantCountry = "AU";
            }
            return tx;
        }
    }
}
