using FraudEx.Contracts.V1;

namespace FraudEx.Training.Simulation;

/// <summary>
/// Simulates card payments day by day: every account's genuine habits, then the fraud episodes starting that day.
/// Transactions come out in time order. The whole history is a function of <see cref="GeneratorOptions"/>.
/// </summary>
public sealed partial class TransactionGenerator
{
    private const long Day = 86_400;
    private readonly GeneratorOptions _options;
    private readonly Rng _rng;
    private readonly long _start;
    private readonly List<SimTransaction>?[] _buckets;
    private readonly List<(int Account, long Time, double Lat, double Lon)> _cardPresentToday = [];
    private long _seq;

    public TransactionGenerator(GeneratorOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Days, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Transactions, 100);
        _options = options;
        _rng = new Rng(options.Seed);
        World = World.Build(Rng.Derive(options.Seed, 1), options.AccountCount, options.Days);
        _start = new DateTimeOffset(DateTime.SpecifyKind(options.Start, DateTimeKind.Utc)).ToUnixTimeSeconds();
        _buckets = new List<SimTransaction>?[options.Days];
        PlanFraud();
    }

    public World World { get; }

    public long StartUnixSeconds => _start;

    /// <summary>All transactions, in time order (ties broken by creation order).</summary>
    public IEnumerable<SimTransaction> Generate()
    {
        for (var day = 0; day < _options.Days; day++)
        {
            var dayStart = _start + day * Day;
            _cardPresentToday.Clear();
            foreach (var account in World.Accounts)
            {
                GenuineDay(account, day, dayStart);
            }
            FraudDay(day, dayStart);
            var bucket = _buckets[day];
            _buckets[day] = null;
            if (bucket is null)
            {
                continue;
            }
            bucket.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Seq.CompareTo(b.Seq));
            foreach (var tx in bucket)
            {
                yield return tx;
            }
        }
    }

    private void Emit(SimTransaction tx)
    {
        var day = (tx.Time - _start) / Day;
        if (day < 0 || day >= _buckets.Length)
        {
            return;
        }
        tx.Seq = _seq++;
        if (_compromised.Count > 0)
        {
            CountAtCompromised(tx, day);
        }
        if (tx.Scenario != FraudScenario.None)
        {
            // Fraud surfaces through customer disputes and chargebacks: days to weeks after the payment.
            var delayHours = Math.Clamp(_fraudRng.LogNormal(240, 0.7), 12, 60 * 24);
            tx.LabelTime = tx.Time + (long)(delayHours * 3600);
        }
        (_buckets[day] ??= new List<SimTransaction>(1 << 15)).Add(tx);
    }

    private void GenuineDay(Account a, int day, long dayStart)
    {
        if (day < a.OpenedDay)
        {
            return;
        }
        var rng = _rng;
        var dow = (int)(((dayStart / Day) + 4) % 7); // 0 = Sunday (1970-01-01 was a Thursday)
        var weekend = dow is 0 or 6;
        var onTrip = day >= a.TripStart && day < a.TripEnd;
        var city = onTrip ? a.TripCity : a.HomeCity;
        var rate = a.DailyRate * (weekend ? a.WeekendFactor : 1) * (onTrip ? 1.3 : 1);
        var n = rng.Poisson(rate);
        for (var i = 0; i < n; i++)
        {
            var hour = rng.Normal(a.HourCentre, a.HourSpread);
            hour = ((hour % 24) + 24) % 24;
            var time = dayStart + (long)(hour * 3600);
            GenuineTransaction(a, day, time, city, onTrip);
        }
        // A genuine shopping afternoon: a few larger card-present purchases within two hours.
        if (rng.Chance(0.004))
        {
            var t = dayStart + rng.Between(10 * 3600, 18 * 3600);
            var k = rng.Between(2, 4);
            for (var i = 0; i < k; i++)
            {
                var cat = Catalogue.CategoryIndex(rng.Chance(0.5) ? "5651" : rng.Chance(0.7) ? "5732" : "5944");
                var m = World.PickMerchant(rng, city, cat, false);
                if (m >= 0)
                {
                    var mm = World.Merchants[m];
                    Emit(new SimTransaction
                    {
                        Time = t, Account = a.Id, Merchant = m, AmountMinor = Amount(cat, a.SpendLevel * 2), Channel = Channel.Pos,
                        CardPresent = true, Latitude = mm.Latitude, Longitude = mm.Longitude,
                    });
                }
                t += rng.Between(600, 2400);
            }
        }
        var dateDay = DateTimeOffset.FromUnixTimeSeconds(dayStart).Day;
        foreach (var (merchant, dom, amount) in a.Subscriptions)
        {
            if (dom == dateDay)
            {
                Emit(new SimTransaction
                {
                    Time = dayStart + rng.Between(3600, 6 * 3600), Account = a.Id, Merchant = merchant, AmountMinor = amount,
                    Channel = Channel.Recurring, Latitude = double.NaN, Longitude = double.NaN,
                });
            }
        }
        // The flight for a trip is booked a few days ahead, from home.
        if (a.TripStart >= 0 && a.TripStart - day == 3 + a.Id % 11)
        {
            var m = World.PickMerchant(rng, a.HomeCity, Catalogue.CategoryIndex("4511"), true);
            Emit(Online(a, day, dayStart + rng.Between(8 * 3600, 22 * 3600), m, Amount(Catalogue.CategoryIndex("4511"), a.SpendLevel), a.HomeCity, false));
        }
    }

    private void GenuineTransaction(Account a, int day, long time, int city, bool onTrip)
    {
        var rng = _rng;
        var cats = Catalogue.Categories;
        int merchant;
        if (onTrip)
        {
            merchant = rng.Chance(0.85)
                ? World.PickMerchant(rng, city, rng.PickCumulative(World.CategoryCumulative), false)
                : a.OnlineFavourites.Length > 0 ? rng.Pick(a.OnlineFavourites) : -1;
        }
        else if (rng.Chance(0.78) && a.Favourites.Length > 0)
        {
            merchant = rng.Chance(a.OnlineShare * 0.6) && a.OnlineFavourites.Length > 0 ? rng.Pick(a.OnlineFavourites) : rng.Pick(a.Favourites);
        }
        else
        {
            var cat = rng.PickCumulative(World.CategoryCumulative);
            var online = rng.Chance(Math.Min(1, cats[cat].OnlineShare * a.OnlineShare / 0.3));
            merchant = World.PickMerchant(rng, city, cat, online);
            if (merchant < 0)
            {
                merchant = World.PickMerchant(rng, city, cat, !online);
            }
        }
        if (merchant < 0)
        {
            merchant = World.PickMerchant(rng, city, 0, false);
        }
        var m = World.Merchants[merchant];
        var category = m.Category;
        var spend = a.SpendLevel;
        // Now and then a genuine big-ticket purchase, so a large amount alone is not fraud.
        if (rng.Chance(0.012))
        {
            category = Catalogue.CategoryIndex(rng.Chance(0.8) ? "5732" : "5944");
            var big = World.PickMerchant(rng, city, category, m.Online);
            if (big >= 0)
            {
                merchant = big;
                m = World.Merchants[big];
                spend *= 2.5;
            }
            else
            {
                category = m.Category;
            }
        }
        var amount = Amount(category, spend);
        if (m.Online)
        {
            Emit(Online(a, day, time, merchant, amount, city, onTrip));
            return;
        }
        var channel = Channel.Pos;
        long device = 0;
        if (cats[category].Mcc == "6011")
        {
            channel = Channel.Atm;
        }
        else if (amount < 5000 && rng.Chance(0.6))
        {
            channel = Channel.Contactless;
            if (a.UsesWallet && rng.Chance(0.6))
            {
                device = Phone(a, day);
            }
        }
        else if (cats[category].Mcc is "7011" or "4511" && rng.Chance(0.1))
        {
            channel = Channel.Moto;
        }
        var present = channel != Channel.Moto;
        Emit(new SimTransaction
        {
            Time = time, Account = a.Id, Merchant = merchant, AmountMinor = amount, Channel = channel, CardPresent = present,
            Device = device, Latitude = m.Latitude, Longitude = m.Longitude,
        });
        if (present)
        {
            _cardPresentToday.Add((a.Id, time, m.Latitude, m.Longitude));
        }
    }

    private SimTransaction Online(Account a, int day, long time, int merchant, long amount, int city, bool onTrip)
    {
        var rng = _rng;
        var c = Catalogue.Cities[city];
        var usePhone = rng.Chance(0.6) || a.Devices.Length == 1;
        long device = usePhone ? Phone(a, day) : a.Devices[1 + rng.Next(a.Devices.Length - 1)];
        uint ip;
        if (onTrip)
        {
            ip = rng.Pick(World.MobileIps[c.Country]);
        }
        else
        {
            ip = usePhone && rng.Chance(0.5) ? rng.Pick(World.MobileIps[c.Country]) : a.HomeIp;
        }
        // Not every gateway sends a device fingerprint or a geolocated IP; cleared cookies and new browsers give
        // genuine payments a fingerprint never seen before.
        if (rng.Chance(0.2))
        {
            device = 0;
        }
        else if (rng.Chance(0.02))
        {
            device = World.NewDevice();
        }
        var located = rng.Chance(0.85);
        var baseLat = onTrip ? c.Latitude : a.HomeLatitude;
        var baseLon = onTrip ? c.Longitude : a.HomeLongitude;
        return new SimTransaction
        {
            Time = time, Account = a.Id, Merchant = merchant, AmountMinor = amount, Channel = Channel.Ecommerce,
            Device = device, Ip = ip,
            Latitude = located ? baseLat + rng.Normal(0, 0.08) : double.NaN,
            Longitude = located ? baseLon + rng.Normal(0, 0.1) : double.NaN,
        };
    }

    private static long Phone(Account a, int day) => a.NewPhoneDay >= 0 && day >= a.NewPhoneDay ? a.NewPhone : a.Devices[0];

    private long Amount(int category, double spend)
    {
        var cat = Catalogue.Categories[category];
        var euros = cat.MedianAmount * Math.Pow(spend, 0.8) * Math.Exp(cat.AmountSigma * _rng.Normal());
        if (cat.Mcc == "6011")
        {
            return Math.Max(20, (long)Math.Round(euros / 10) * 10) * 100;
        }
        return Math.Max(50, (long)Math.Round(euros * 100));
    }
}
