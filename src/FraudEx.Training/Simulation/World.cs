namespace FraudEx.Training.Simulation;

/// <summary>A merchant: a category, a place (physical) or none (online), a country and how popular it is.</summary>
public sealed class Merchant
{
    public required int Id { get; init; }
    public required int Category { get; init; }
    public required bool Online { get; init; }
    public required int City { get; init; }
    public required string Country { get; init; }
    public required double Latitude { get; init; }
    public required double Longitude { get; init; }
    public required double Popularity { get; init; }
}

/// <summary>A card holder and the habits that make their genuine behaviour theirs.</summary>
public sealed class Account
{
    public required int Id { get; init; }
    public required int HomeCity { get; init; }
    public required double HomeLatitude { get; init; }
    public required double HomeLongitude { get; init; }
    public required double DailyRate { get; init; }
    public required double SpendLevel { get; init; }
    public required double HourCentre { get; init; }
    public required double HourSpread { get; init; }
    public required double OnlineShare { get; init; }
    public required double WeekendFactor { get; init; }
    public required bool UsesWallet { get; init; }
    public required uint HomeIp { get; init; }
    /// <summary>Phone first, then laptop/tablet; a shared household laptop may appear in two accounts.</summary>
    public required long[] Devices { get; set; }
    public required int[] Favourites { get; init; }
    public required int[] OnlineFavourites { get; init; }
    public required (int Merchant, int DayOfMonth, long AmountMinor)[] Subscriptions { get; init; }
    /// <summary>Day a new phone replaces the old one (genuine new device); -1 for none.</summary>
    public int NewPhoneDay { get; init; } = -1;
    public long NewPhone { get; init; }
    public int TripStart { get; init; } = -1;
    public int TripEnd { get; init; } = -1;
    public int TripCity { get; init; } = -1;
    /// <summary>Day the account was opened, counted from the history's first day: negative (years before) for most
    /// accounts, inside the history for the few opened during it, which pay nothing before that day.</summary>
    public int OpenedDay { get; init; }
}

/// <summary>Accounts, merchants and the indices the generator draws from. Built from the seed alone.</summary>
public sealed class World
{
    public Account[] Accounts { get; private set; } = [];
    public required Merchant[] Merchants { get; init; }
    /// <summary>[city][category] → physical merchant ids and cumulative popularity.</summary>
    public required (int[] Ids, double[] Cumulative)[][] Physical { get; init; }
    /// <summary>[category] → online merchant ids and cumulative popularity.</summary>
    public required (int[] Ids, double[] Cumulative)[] Online { get; init; }
    /// <summary>Carrier-grade NAT addresses per country: many genuine accounts behind one IP.</summary>
    public required Dictionary<string, uint[]> MobileIps { get; init; }
    public required uint[] ProxyIps { get; init; }
    public required double[] CategoryCumulative { get; init; }
    public required double[] HomeCityCumulative { get; init; }
    public required double[] CityCumulative { get; init; }

    private long _nextDevice = 1;

    /// <summary>Device numbers are scrambled when written, so an id says nothing about who made it.</summary>
    public long NewDevice() => _nextDevice++;

    public int PickMerchant(Rng rng, int city, int category, bool online)
    {
        var (ids, cum) = online ? Online[category] : Physical[city][category];
        return ids.Length == 0 ? -1 : ids[rng.PickCumulative(cum)];
    }

    public static World Build(Rng rng, int accountCount, int days)
    {
        var cities = Catalogue.Cities;
        var cats = Catalogue.Categories;
        var catCum = Cumulative(cats.Select(c => c.VisitWeight));
        var homeCum = Cumulative(cities.Select(c => c.Home ? c.Weight : 0));
        var cityCum = Cumulative(cities.Select(c => c.Home ? c.Weight : c.Weight * 0.6));
        var homeCountries = cities.Where(c => c.Home).Select(c => c.Country).Distinct().ToArray();

        // About one merchant per two accounts, at least enough for every city to have a full high street.
        var merchantCount = Math.Max(1500, accountCount / 2);
        var merchants = new List<Merchant>(merchantCount + 200);
        for (var i = 0; i < merchantCount; i++)
        {
            var cat = rng.PickCumulative(catCum);
            merchants.Add(NewMerchant(rng, merchants.Count, cat, rng.Chance(cats[cat].OnlineShare), cityCum, homeCountries));
        }
        // Every city gets at least two merchants of each physical category, so trips and fraud abroad find shops.
        for (var city = 0; city < cities.Length; city++)
        {
            for (var cat = 0; cat < cats.Length; cat++)
            {
                if (cats[cat].OnlineShare >= 1)
                {
                    continue;
                }
                for (var k = 0; k < 2; k++)
                {
                    merchants.Add(NewMerchant(rng, merchants.Count, cat, false, null, homeCountries, city));
                }
            }
        }
        // Subscription merchants are few and large (streaming services, utilities).
        for (var cat = 0; cat < cats.Length; cat++)
        {
            if (!cats[cat].Recurring)
            {
                continue;
            }
            for (var k = 0; k < 12; k++)
            {
                merchants.Add(NewMerchant(rng, merchants.Count, cat, true, cityCum, homeCountries));
            }
        }
        var all = merchants.ToArray();
        var physical = new (int[], double[])[cities.Length][];
        for (var city = 0; city < cities.Length; city++)
        {
            physical[city] = new (int[], double[])[cats.Length];
            for (var cat = 0; cat < cats.Length; cat++)
            {
                var ids = all.Where(m => !m.Online && m.City == city && m.Category == cat).Select(m => m.Id).ToArray();
                physical[city][cat] = (ids, Cumulative(ids.Select(id => all[id].Popularity)));
            }
        }
        var online = new (int[], double[])[cats.Length];
        for (var cat = 0; cat < cats.Length; cat++)
        {
            var ids = all.Where(m => m.Online && m.Category == cat).Select(m => m.Id).ToArray();
            online[cat] = (ids, Cumulative(ids.Select(id => all[id].Popularity)));
        }

        var mobile = new Dictionary<string, uint[]>();
        foreach (var country in cities.Select(c => c.Country).Distinct())
        {
            var prefix = (uint)(80 + mobile.Count * 3);
            mobile[country] = Enumerable.Range(0, 150).Select(_ => (prefix << 24) | (uint)rng.Next(1 << 24)).ToArray();
        }
        var proxies = Enumerable.Range(0, 400).Select(_ => ((uint)rng.Pick([45, 91, 146, 185, 193]) << 24) | (uint)rng.Next(1 << 24)).ToArray();

        var world = new World
        {
            Merchants = all,
            Physical = physical,
            Online = online,
            MobileIps = mobile,
            ProxyIps = proxies,
            CategoryCumulative = catCum,
            HomeCityCumulative = homeCum,
            CityCumulative = cityCum,
        };
        world.Accounts = BuildAccounts(rng, world, accountCount, days);
        return world;
    }

    private static Merchant NewMerchant(Rng rng, int id, int cat, bool isOnline, double[]? cityCum, string[] homeCountries, int city = -1)
    {
        if (isOnline)
        {
            return new Merchant
            {
                Id = id, Category = cat, Online = true, City = -1, Country = rng.Pick(homeCountries),
                Latitude = double.NaN, Longitude = double.NaN, Popularity = rng.LogNormal(1, 1.1),
            };
        }
        if (city < 0)
        {
            city = rng.PickCumulative(cityCum!);
        }
        var c = Catalogue.Cities[city];
        return new Merchant
        {
            Id = id, Category = cat, Online = false, City = city, Country = c.Country,
            Latitude = c.Latitude + rng.Normal(0, 0.06), Longitude = c.Longitude + rng.Normal(0, 0.09),
            Popularity = rng.LogNormal(1, 0.9),
        };
    }

    private static Account[] BuildAccounts(Rng rng, World w, int count, int days)
    {
        var cats = Catalogue.Categories;
        var accounts = new Account[count];
        for (var i = 0; i < count; i++)
        {
            var city = rng.PickCumulative(w.HomeCityCumulative);
            var c = Catalogue.Cities[city];
            var nightOwl = rng.Chance(0.12);
            var deviceCount = rng.Between(1, 3);
            var devices = new long[deviceCount];
            for (var d = 0; d < deviceCount; d++)
            {
                devices[d] = w.NewDevice();
            }
            // A household laptop shared with an earlier account of the same city: genuine multi-account devices.
            if (i > 0 && deviceCount > 1 && rng.Chance(0.08))
            {
                var other = accounts[rng.Next(i)];
                if (other.HomeCity == city && other.Devices.Length > 1)
                {
                    devices[1] = other.Devices[1];
                }
            }
            var favourites = new List<int>();
            var favCount = rng.Between(6, 20);
            for (var k = 0; k < favCount * 3 && favourites.Count < favCount; k++)
            {
                var m = w.PickMerchant(rng, city, rng.PickCumulative(w.CategoryCumulative), false);
                if (m >= 0 && !favourites.Contains(m))
                {
                    favourites.Add(m);
                }
            }
            var onlineFav = new List<int>();
            var onlineCount = rng.Between(2, 8);
            for (var k = 0; k < onlineCount * 3 && onlineFav.Count < onlineCount; k++)
            {
                var m = w.PickMerchant(rng, city, rng.PickCumulative(w.CategoryCumulative), true);
                if (m >= 0 && !onlineFav.Contains(m))
                {
                    onlineFav.Add(m);
                }
            }
            var subs = new List<(int, int, long)>();
            var subCount = rng.Between(0, 3);
            for (var k = 0; k < subCount; k++)
            {
                var cat = rng.Chance(0.6) ? Catalogue.CategoryIndex("4899") : Catalogue.CategoryIndex("4900");
                var m = w.PickMerchant(rng, city, cat, true);
                var amount = (long)Math.Round(rng.LogNormal(cats[cat].MedianAmount, cats[cat].AmountSigma) * 100);
                subs.Add((m, rng.Between(1, 28), Math.Max(99, amount)));
            }
            var newPhoneDay = rng.Chance(0.08) ? rng.Next(days) : -1;
            int tripStart = -1, tripEnd = -1, tripCity = -1;
            if (rng.Chance(0.35))
            {
                tripStart = rng.Next(Math.Max(1, days - 2));
                tripEnd = tripStart + rng.Between(2, 8);
                do
                {
                    tripCity = rng.PickCumulative(w.CityCumulative);
                }
                while (tripCity == city);
            }
            accounts[i] = new Account
            {
                Id = i,
                HomeCity = city,
                HomeLatitude = c.Latitude + rng.Normal(0, 0.05),
                HomeLongitude = c.Longitude + rng.Normal(0, 0.07),
                DailyRate = Math.Clamp(rng.LogNormal(0.75, 0.7), 0.08, 8),
                SpendLevel = rng.LogNormal(1, 0.45),
                HourCentre = nightOwl ? rng.Normal(21.5, 1.5) : rng.Normal(13.5, 2.5),
                HourSpread = rng.Uniform(2, 4),
                OnlineShare = rng.Uniform(0.05, 0.55),
                WeekendFactor = rng.Uniform(0.6, 1.5),
                UsesWallet = rng.Chance(0.4),
                HomeIp = ((uint)rng.Between(60, 220) << 24) | (uint)rng.Next(1 << 24),
                Devices = devices,
                Favourites = favourites.ToArray(),
                OnlineFavourites = onlineFav.ToArray(),
                Subscriptions = subs.ToArray(),
                NewPhoneDay = newPhoneDay,
                NewPhone = newPhoneDay >= 0 ? w.NewDevice() : 0,
                TripStart = tripStart,
                TripEnd = tripEnd,
                TripCity = tripCity,
                // Card holders of years' standing (median about five years), and 4 % of accounts opened during
                // the history.
                OpenedDay = rng.Chance(0.04) ? rng.Between(1, Math.Max(1, days - 1)) : -(int)Math.Clamp(rng.LogNormal(5 * 365, 0.8), 30, 40 * 365),
            };
        }
        return accounts;
    }

    public static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = new List<double>();
        var sum = 0.0;
        foreach (var x in weights)
        {
            sum += x;
            list.Add(sum);
        }
        return list.ToArray();
    }
}
