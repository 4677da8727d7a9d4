using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.LoadGen;

/// <summary>A generated transaction and, when it was injected as fraud, the scenario's name.</summary>
public readonly record struct GeneratedTransaction(Transaction Transaction, string? Scenario);

/// <summary>Configuration of <see cref="TransactionGenerator"/>.</summary>
public sealed record GeneratorSettings
{
    /// <summary>Same seed, same sequence.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Accounts (cards) simulated.</summary>
    public int Accounts { get; init; } = 20_000;

    /// <summary>Merchants simulated; by default one per two accounts and at least 1,500, as in the world the shipped
    /// model was trained on, so a merchant's volume looks like the volumes the model learned from.</summary>
    public int? Merchants { get; init; }

    /// <summary>Share of generated transactions that belong to injected fraud scenarios.</summary>
    public double FraudRate { get; init; }

    /// <summary>Prefix of every transaction and account id, so runs against the same stores never collide.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Event time of the first transaction; later ones follow in simulated time, about one per account and day
    /// (as in the training world), so 90 days leave room for about 90 transactions per account before "now".</summary>
    public DateTimeOffset Start { get; init; } = DateTimeOffset.UtcNow.AddDays(-90);

    /// <summary>The number of merchants simulated.</summary>
    public int MerchantCount => Merchants ?? Math.Max(1_500, Accounts / 2);
}

/// <summary>
/// Generates realistic per-account transaction sequences in event-time order: each account has a home city,
/// a currency, a spending level, favourite merchants, one or two devices and active hours, and pays at its own
/// pace. Fraud scenarios (card testing, account takeover, a high-value spree, impossible travel) can be injected
/// at a given rate, with their transactions interleaved in time.
/// </summary>
public sealed class TransactionGenerator
{
    private static readonly (string Country, string Currency, double Lat, double Lon)[] Cities =
    [
        ("DE", "EUR", 52.52, 13.40), ("DE", "EUR", 48.14, 11.58), ("FR", "EUR", 48.86, 2.35), ("FR", "EUR", 45.76, 4.84),
        ("NL", "EUR", 52.37, 4.90), ("ES", "EUR", 40.42, -3.70), ("IT", "EUR", 41.90, 12.50), ("GB", "GBP", 51.51, -0.13),
        ("GB", "GBP", 53.48, -2.24), ("US", "USD", 40.71, -74.01), ("US", "USD", 34.05, -118.24), ("JP", "JPY", 35.68, 139.69),
        ("CH", "CHF", 47.37, 8.54), ("SE", "SEK", 59.33, 18.07), ("PL", "PLN", 52.23, 21.01),
    ];

    private static readonly (string Mcc, double Weight, double AmountFactor)[] Categories =
    [
        ("5411", 30, 1.0), ("5812", 15, 0.8), ("5541", 10, 1.2), ("5912", 6, 0.6), ("5311", 8, 1.5), ("4121", 5, 0.5),
        ("5999", 8, 1.0), ("5732", 3, 4.0), ("5944", 1, 6.0), ("4511", 2, 8.0), ("7011", 2, 5.0), ("5815", 10, 0.3),
    ];

    private readonly GeneratorSettings settings;
    private readonly Random random;
    private readonly Account[] accounts;
    private readonly Merchant[] merchants;
    private readonly PriorityQueue<Pending, long> queue = new();
    private long sequence;
    private long generated;
    private long fraudGenerated;

    /// <summary>Builds the simulated world.</summary>
    public TransactionGenerator(GeneratorSettings settings)
    {
        this.settings = settings;
        random = new Random(settings.Seed);
        merchants = new Merchant[settings.MerchantCount];
        var cumulative = Categories.Select(c => c.Weight).ToArray();
        for (var i = 1; i < cumulative.Length; i++)
        {
            cumulative[i] += cumulative[i - 1];
        }

        for (var i = 0; i < merchants.Length; i++)
        {
            var city = Cities[random.Next(Cities.Length)];
            var pick = random.NextDouble() * cumulative[^1];
            var category = Categories[Array.FindIndex(cumulative, c => c >= pick)];
            merchants[i] = new Merchant($"m-{settings.RunId}-{i:D5}", category.Mcc, category.AmountFactor, city.Country,
                city.Lat + Jitter(0.2), city.Lon + Jitter(0.2), Online: category.Mcc is "5815" or "5999" || random.NextDouble() < 0.15);
        }

        var startMs = settings.Start.ToUnixTimeMilliseconds();
        var localByCountry = Enumerable.Range(0, merchants.Length).ToLookup(m => merchants[m].Country);
        accounts = new Account[settings.Accounts];
        for (var i = 0; i < accounts.Length; i++)
        {
            var home = random.Next(Cities.Length);
            var local = localByCountry[Cities[home].Country].ToArray();
            var favourites = Enumerable.Range(0, 8).Select(_ => local.Length > 0 ? local[random.Next(local.Length)] : random.Next(merchants.Length)).ToArray();
            accounts[i] = new Account(
                $"a-{settings.RunId}-{i:D6}", home, Math.Exp(NextNormal() * 0.7 + Math.Log(35)),
                favourites, [$"d-{settings.RunId}-{i}-0", $"d-{settings.RunId}-{i}-1"],
                HomeIp(i),
                MeanGapMs: (long)(TimeSpan.FromHours(24).TotalMilliseconds * Math.Exp(NextNormal() * 0.6)));
            Schedule(new Pending(startMs + (long)(random.NextDouble() * accounts[i].MeanGapMs), i, null, null));
        }
    }

    /// <summary>Each account's own address (households do not share one), in 198.18.0.0/15, the range set aside
    /// for benchmarks (RFC 2544): distinct for the first 131,072 accounts.</summary>
    private static string HomeIp(int account) =>
        $"198.{18 + ((account >> 16) & 1)}.{(account >> 8) & 255}.{account & 255}";

    /// <summary>Transactions generated so far.</summary>
    public long Generated => generated;

    /// <summary>Injected fraudulent transactions generated so far.</summary>
    public long FraudGenerated => fraudGenerated;

    /// <summary>The next transaction in event-time order.</summary>
    public GeneratedTransaction Next()
    {
        while (true)
        {
            var pending = queue.Dequeue();
            var account = accounts[pending.Account];
            if (pending.Injected is { } injected)
            {
                generated++;
                fraudGenerated++;
                return new GeneratedTransaction(injected, pending.Scenario);
            }

            // The account's next genuine payment, then maybe the start of a fraud scenario on it.
            Schedule(pending with { TimeMs = pending.TimeMs + (long)(-account.MeanGapMs * Math.Log(1 - random.NextDouble())) + 1000 });
            if (settings.FraudRate > 0 && random.NextDouble() < settings.FraudRate / 3.5)
            {
                InjectScenario(pending.Account, pending.TimeMs + 60_000);
                continue;
            }

            generated++;
            return new GeneratedTransaction(Genuine(account, pending.TimeMs), null);
        }
    }

    private Transaction Genuine(Account account, long timeMs)
    {
        var city = Cities[account.Home];
        var merchant = merchants[random.NextDouble() < 0.8 ? account.Favourites[random.Next(account.Favourites.Length)] : random.Next(merchants.Length)];
        var major = account.Level * merchant.AmountFactor * Math.Exp(NextNormal() * 0.5);
        var tx = Base(account, merchant, city.Currency, major, timeMs);
        tx.DeviceId = merchant.Online ? account.Devices[random.NextDouble() < 0.9 ? 0 : 1] : "";
        tx.IpAddress = merchant.Online ? account.Ip : "";
        tx.Channel = merchant.Online ? Channel.Ecommerce : random.NextDouble() < 0.5 ? Channel.Contactless : Channel.Pos;
        tx.CardPresent = !merchant.Online;
        tx.Location = merchant.Online
            ? new GeoPoint { Latitude = city.Lat + Jitter(0.05), Longitude = city.Lon + Jitter(0.05) }
            : new GeoPoint { Latitude = merchant.Lat, Longitude = merchant.Lon };
        return tx;
    }

    private void InjectScenario(int accountIndex, long startMs)
    {
        var account = accounts[accountIndex];
        var home = Cities[account.Home];
        switch (random.Next(4))
        {
            case 0:
            {
                // Card testing: a burst of tiny online payments at merchants the account never used.
                var n = random.Next(5, 11);
                for (var k = 0; k < n; k++)
                {
                    var m = merchants[random.Next(merchants.Length)];
                    var tx = Base(account, m, home.Currency, 0.5 + random.NextDouble() * 2, startMs + k * random.Next(5_000, 40_000));
                    tx.Channel = Channel.Ecommerce;
                    tx.DeviceId = $"d-ct-{settings.RunId}-{accountIndex}";
                    tx.IpAddress = $"203.0.113.{random.Next(1, 255)}";
                    Schedule(new Pending(tx.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), accountIndex, tx, "card_testing"));
                }

                break;
            }

            case 1:
            {
                // Account takeover: a new device far from home, then large online payments.
                var far = Cities[(account.Home + Cities.Length / 2) % Cities.Length];
                var n = random.Next(2, 4);
                for (var k = 0; k < n; k++)
                {
                    var m = merchants[random.Next(merchants.Length)];
                    var tx = Base(account, m, home.Currency, account.Level * random.Next(10, 30), startMs + k * random.Next(120_000, 600_000));
                    tx.Channel = Channel.Ecommerce;
                    tx.DeviceId = $"d-ato-{settings.RunId}-{accountIndex}";
                    tx.IpAddress = $"203.0.113.{random.Next(1, 255)}";
                    tx.Location = new GeoPoint { Latitude = far.Lat, Longitude = far.Lon };
                    Schedule(new Pending(tx.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), accountIndex, tx, "account_takeover"));
                }

                break;
            }

            case 2:
            {
                // Stolen-card spree: high-value electronics and jewellery within minutes.
                var n = random.Next(3, 7);
                var shops = merchants.Where(m => m.Mcc is "5732" or "5944").ToArray();
                for (var k = 0; k < n; k++)
                {
                    var m = shops.Length > 0 ? shops[random.Next(shops.Length)] : merchants[random.Next(merchants.Length)];
                    var tx = Base(account, m, home.Currency, 500 + random.NextDouble() * 2500, startMs + k * random.Next(60_000, 300_000));
                    tx.Channel = Channel.Pos;
                    tx.CardPresent = true;
                    tx.Location = new GeoPoint { Latitude = m.Lat, Longitude = m.Lon };
                    Schedule(new Pending(tx.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), accountIndex, tx, "spree"));
                }

                break;
            }

            default:
            {
                // Impossible travel: a card-present payment on another continent minutes after a local one.
                var far = Cities[(account.Home + 9) % Cities.Length];
                var m = merchants[random.Next(merchants.Length)];
                var tx = Base(account, m, home.Currency, account.Level * random.Next(3, 10), startMs);
                tx.Channel = Channel.Pos;
                tx.CardPresent = true;
                tx.Location = new GeoPoint { Latitude = far.Lat, Longitude = far.Lon };
                Schedule(new Pending(startMs, accountIndex, tx, "impossible_travel"));
                break;
            }
        }
    }

    private Transaction Base(Account account, Merchant merchant, string currency, double major, long timeMs)
    {
        // Spending levels are drawn in euro-like units; yen has no minor unit and about 150 to the euro.
        var minor = Math.Max(1, (long)Math.Round(major * (currency == "JPY" ? 150 : 100)));
        return new Transaction
        {
            TransactionId = $"t-{settings.RunId}-{sequence++:D9}",
            AccountId = account.Id,
            MerchantId = merchant.Id,
            MerchantCategoryCode = merchant.Mcc,
            AmountMinor = minor,
            Currency = currency,
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(timeMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))),
            Country = Cities[account.Home].Country,
            MerchantCountry = merchant.Country,
        };
    }

    private void Schedule(Pending pending) => queue.Enqueue(pending, pending.TimeMs);

    private double Jitter(double degrees) => (random.NextDouble() * 2 - 1) * degrees;

    private double NextNormal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed record Account(string Id, int Home, double Level, int[] Favourites, string[] Devices, string Ip, long MeanGapMs);

    private sealed record Merchant(string Id, string Mcc, double AmountFactor, string Country, double Lat, double Lon, bool Online);

    private readonly record struct Pending(long TimeMs, int Account, Transaction? Injected, string? Scenario);
}
