using FraudEx.Contracts.V1;

namespace FraudEx.Training.Simulation;

public sealed partial class TransactionGenerator
{
    // Share of fraudulent transactions per scenario and the mean number of transactions an episode produces;
    // together with the fraud rate they size the number of episodes.
    private static readonly (FraudScenario Scenario, double Share, double MeanSize)[] Mix =
    [
        (FraudScenario.CardTesting, 0.20, 7.4),
        (FraudScenario.AccountTakeover, 0.16, 3.0),
        (FraudScenario.StolenCard, 0.16, 4.5),
        (FraudScenario.ImpossibleTravel, 0.14, 4.0),
        (FraudScenario.SharedDevice, 0.17, 37.5),
    ];

    private const double CompromisedMerchantShare = 0.17;

    private List<FraudScenario>[] _episodesByDay = [];
    private readonly List<(int Merchant, int From, int To, double PerDay)> _compromised = [];
    private readonly List<FraudEpisode> _episodes = [];
    private int _today;

    /// <summary>Every planned fraud episode: its scenario and the days it runs (start inclusive, end exclusive).</summary>
    public IReadOnlyList<FraudEpisode> Episodes => _episodes;

    /// <summary>Genuine and fraudulent payments at each compromised merchant on the days of its episode.</summary>
    public IReadOnlyList<CompromisedMerchantVolume> CompromisedVolumes =>
        _compromised.Select((c, i) => new CompromisedMerchantVolume(c.Merchant, c.From, c.To, _compromisedGenuine[i], _compromisedFraud[i])).ToList();

    private long[] _compromisedGenuine = [];
    private long[] _compromisedFraud = [];
    private readonly HashSet<int> _victims = [];
    private Rng _fraudRng = null!;

    private void PlanFraud()
    {
        _fraudRng = Rng.Derive(_options.Seed, 2);
        var rng = _fraudRng;
        _episodesByDay = new List<FraudScenario>[_options.Days];
        for (var d = 0; d < _options.Days; d++)
        {
            _episodesByDay[d] = [];
        }
        var genuine = World.Accounts.Sum(a => a.DailyRate * (5 + 2 * a.WeekendFactor) / 7) * _options.Days;
        var frauds = _options.FraudRate * genuine / (1 - _options.FraudRate);
        foreach (var (scenario, share, size) in Mix)
        {
            var episodes = (int)Math.Round(frauds * share / size);
            for (var i = 0; i < episodes; i++)
            {
                var day = rng.Next(_options.Days);
                _episodesByDay[day].Add(scenario);
                _episodes.Add(new FraudEpisode(scenario, day, day + 1));
            }
        }
        // Breached online shops that stay busy: each is one of the busiest 10 % of online shops and keeps its normal
        // genuine volume while stolen card numbers are charged through it for one to three weeks, mixed in at a rate
        // proportional to its popularity (so about the same share of its traffic at every breached shop). About 15
        // frauds per episode, with starts spread over the whole history so that every part of it (the test weeks
        // too) holds several episodes.
        var total = frauds * CompromisedMerchantShare;
        var merchants = Math.Max(1, (int)Math.Round(total / 15));
        var eligible = World.Merchants
            .Where(m => m.Online && Catalogue.Categories[m.Category].Mcc is not ("4511" or "7011" or "4900" or "4899" or "8398" or "4829"))
            .OrderByDescending(m => m.Popularity).ToArray();
        var candidates = eligible.Take(Math.Max(1, eligible.Length / 10)).ToArray();
        var picked = new List<(Merchant Merchant, int Length)>();
        var used = new HashSet<int>();
        for (var i = 0; i < merchants && candidates.Length > 0; i++)
        {
            var merchant = rng.Pick(candidates);
            for (var attempt = 0; attempt < 50 && !used.Add(merchant.Id); attempt++)
            {
                merchant = rng.Pick(candidates);
            }
            picked.Add((merchant, Math.Min(_options.Days - 1, rng.Between(8, 20))));
        }
        var weight = total / Math.Max(1e-9, picked.Sum(p => p.Merchant.Popularity * p.Length));
        for (var i = 0; i < picked.Count; i++)
        {
            var (merchant, length) = picked[i];
            var first = Math.Min(2, _options.Days - 1);
            var last = Math.Max(first, _options.Days - 4);
            var from = Math.Min(last, first + (int)((last - first) * (i + rng.Uniform(0, 1)) / picked.Count));
            var to = Math.Min(_options.Days, from + length);
            _compromised.Add((merchant.Id, from, to, merchant.Popularity * weight));
            _episodes.Add(new FraudEpisode(FraudScenario.CompromisedMerchant, from, to));
        }
        _compromisedGenuine = new long[_compromised.Count];
        _compromisedFraud = new long[_compromised.Count];
    }

    /// <summary>Counts payments at compromised merchants during their episodes (genuine and fraudulent).</summary>
    private void CountAtCompromised(SimTransaction tx, long day)
    {
        for (var i = 0; i < _compromised.Count; i++)
        {
            var c = _compromised[i];
            if (c.Merchant == tx.Merchant && day >= c.From && day < c.To)
            {
                if (tx.Scenario == FraudScenario.None)
                {
                    _compromisedGenuine[i]++;
                }
                else if (tx.Scenario == FraudScenario.CompromisedMerchant)
                {
                    _compromisedFraud[i]++;
                }
            }
        }
    }

    private void FraudDay(int day, long dayStart)
    {
        _today = day;
        foreach (var scenario in _episodesByDay[day])
        {
            switch (scenario)
            {
                case FraudScenario.CardTesting: CardTesting(dayStart); break;
                case FraudScenario.AccountTakeover: AccountTakeover(dayStart); break;
                case FraudScenario.StolenCard: StolenCard(dayStart); break;
                case FraudScenario.ImpossibleTravel: ImpossibleTravel(); break;
                case FraudScenario.SharedDevice: SharedDevice(dayStart); break;
            }
        }
        foreach (var (merchant, from, to, perDay) in _compromised)
        {
            if (day >= from && day < to)
            {
                CompromisedMerchant(merchant, dayStart, perDay);
            }
        }
    }

    private int Victim()
    {
        var rng = _fraudRng;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var a = rng.Next(World.Accounts.Length);
            if (World.Accounts[a].OpenedDay <= _today && _victims.Add(a))
            {
                return a;
            }
        }
        return rng.Next(World.Accounts.Length);
    }

    /// <summary>A city other than <paramref name="avoidCity"/>, in another country with probability <paramref name="abroad"/>.</summary>
    private int OtherCity(int avoidCity, double abroad)
    {
        var rng = _fraudRng;
        var country = Catalogue.Cities[avoidCity].Country;
        var wantAbroad = rng.Chance(abroad);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var c = rng.PickCumulative(World.CityCumulative);
            if (c != avoidCity && (Catalogue.Cities[c].Country != country) == wantAbroad)
            {
                return c;
            }
        }
        return (avoidCity + 1) % Catalogue.Cities.Length;
    }

    private SimTransaction Fraud(FraudScenario scenario, int account, long time, int merchant, long amount, Channel channel,
        long device, uint ip, double lat, double lon) => new()
        {
            Time = time, Account = account, Merchant = merchant, AmountMinor = amount, Channel = channel,
            CardPresent = channel is Channel.Pos or Channel.Atm or Channel.Contactless,
            Device = device, Ip = ip, Latitude = lat, Longitude = lon, Scenario = scenario,
        };

    private int OnlineMerchant(params string[] mccs)
    {
        var rng = _fraudRng;
        var m = World.PickMerchant(rng, 0, Catalogue.CategoryIndex(rng.Pick(mccs)), true);
        return m >= 0 ? m : World.PickMerchant(rng, 0, Catalogue.CategoryIndex("5999"), true);
    }

    private int ShopIn(int city, params string[] mccs)
    {
        var rng = _fraudRng;
        var m = World.PickMerchant(rng, city, Catalogue.CategoryIndex(rng.Pick(mccs)), false);
        return m >= 0 ? m : World.PickMerchant(rng, city, 0, false);
    }

    /// <summary>Bursts of tiny amounts at online merchants new to the card, from a fresh device, often at night;
    /// sometimes followed by a cash-out once a card is known to work.</summary>
    private void CardTesting(long dayStart)
    {
        var rng = _fraudRng;
        var a = World.Accounts[Victim()];
        var t = dayStart + (rng.Chance(0.35) ? rng.Between(0, 6 * 3600) : rng.Between(0, 86_399));
        var device = rng.Chance(0.7) ? World.NewDevice() : 0;
        var home = Catalogue.Cities[a.HomeCity];
        // Testers hide behind residential and mobile addresses of the victim's country as often as behind proxies abroad.
        var domestic = rng.Chance(0.5);
        var ip = domestic ? rng.Pick(World.MobileIps[home.Country]) : rng.Pick(World.ProxyIps);
        var city = domestic ? home : Catalogue.Cities[OtherCity(a.HomeCity, 0.7)];
        var n = rng.Between(2, 12);
        for (var i = 0; i < n; i++)
        {
            var amount = rng.Chance(0.3) ? 100 : rng.Between(50, 299);
            Emit(Fraud(FraudScenario.CardTesting, a.Id, t, OnlineMerchant("5815", "5816", "8398", "5999"), amount,
                Channel.Ecommerce, device, ip, city.Latitude + rng.Normal(0, 0.1), city.Longitude + rng.Normal(0, 0.1)));
            t += rng.Between(10, 600);
        }
        if (rng.Chance(0.4))
        {
            t += rng.Between(1800, 6 * 3600);
            var amount = (long)(rng.LogNormal(400, 0.6) * 100);
            Emit(Fraud(FraudScenario.CardTesting, a.Id, t, OnlineMerchant("5732", "5947"), amount, Channel.Ecommerce, device, ip,
                city.Latitude + rng.Normal(0, 0.1), city.Longitude + rng.Normal(0, 0.1)));
        }
    }

    /// <summary>Someone else logs in: a device never seen on the account, far from home, and amounts well above
    /// the holder's habit at merchants that turn into cash.</summary>
    private void AccountTakeover(long dayStart)
    {
        var rng = _fraudRng;
        var a = World.Accounts[Victim()];
        var t = dayStart + rng.Between(0, 86_399);
        var device = World.NewDevice();
        var home = Catalogue.Cities[a.HomeCity];
        // Half the takeovers come through a residential proxy near the victim, so location alone does not give them away.
        var nearby = rng.Chance(0.5);
        var ip = nearby ? rng.Pick(World.MobileIps[home.Country]) : rng.Pick(World.ProxyIps);
        var city = nearby ? home : Catalogue.Cities[OtherCity(a.HomeCity, 0.7)];
        double Lat() => city.Latitude + rng.Normal(0, 0.1);
        double Lon() => city.Longitude + rng.Normal(0, 0.1);
        if (rng.Chance(0.5))
        {
            Emit(Fraud(FraudScenario.AccountTakeover, a.Id, t, OnlineMerchant("5815", "5999"), rng.Between(100, 1500),
                Channel.Ecommerce, device, ip, Lat(), Lon()));
        }
        var k = rng.Between(1, 4);
        for (var i = 0; i < k; i++)
        {
            t += rng.Between(300, 3 * 3600);
            var amount = (long)(Math.Max(80, 40 * a.SpendLevel * rng.Uniform(2.5, 10)) * 100);
            Emit(Fraud(FraudScenario.AccountTakeover, a.Id, t, OnlineMerchant("4829", "5732", "5947", "5944", "5651"), amount,
                Channel.Ecommerce, device, ip, Lat(), Lon()));
        }
    }

    /// <summary>A physical card stolen in the holder's city: several high-value card-present purchases at
    /// electronics and jewellery shops within the hour, before the card is blocked.</summary>
    private void StolenCard(long dayStart)
    {
        var rng = _fraudRng;
        var a = World.Accounts[Victim()];
        var city = rng.Chance(0.8) ? a.HomeCity : OtherCity(a.HomeCity, 0);
        var t = dayStart + rng.Between(9 * 3600, 21 * 3600);
        var k = rng.Between(2, 7);
        for (var i = 0; i < k; i++)
        {
            var m = ShopIn(city, "5732", "5732", "5944", "5651", "5947");
            var mcc = Catalogue.Categories[World.Merchants[m].Category].Mcc;
            var amount = (long)(Math.Max(60, rng.LogNormal(mcc == "5944" ? 600 : 350, 0.7)) * 100);
            Emit(Fraud(FraudScenario.StolenCard, a.Id, t, m, amount, Channel.Pos, 0, 0,
                World.Merchants[m].Latitude, World.Merchants[m].Longitude));
            t += rng.Between(300, 1800);
        }
    }

    /// <summary>A skimmed card cloned and used in person far away, within hours of the genuine card being used
    /// at home: an implied speed no traveller reaches.</summary>
    private void ImpossibleTravel()
    {
        var rng = _fraudRng;
        if (_cardPresentToday.Count == 0)
        {
            return;
        }
        var (accountId, homeTime, lat, lon) = _cardPresentToday[rng.Next(_cardPresentToday.Count)];
        if (!_victims.Add(accountId))
        {
            return;
        }
        var a = World.Accounts[accountId];
        int city;
        var attempts = 0;
        var minKm = rng.Chance(0.3) ? 400 : 1500;
        do
        {
            city = OtherCity(a.HomeCity, minKm > 1000 ? 0.9 : 0.5);
        }
        while (Catalogue.DistanceKm(lat, lon, Catalogue.Cities[city].Latitude, Catalogue.Cities[city].Longitude) < minKm && ++attempts < 50);
        var t = homeTime + rng.Between(1800, 10 * 3600);
        var k = rng.Between(2, 6);
        for (var i = 0; i < k; i++)
        {
            var atm = rng.Chance(0.5);
            var m = atm ? ShopIn(city, "6011") : ShopIn(city, "5732", "5651", "5944");
            var amount = atm ? rng.Between(10, 50) * 1000L : (long)(rng.LogNormal(300, 0.6) * 100);
            Emit(Fraud(FraudScenario.ImpossibleTravel, a.Id, t, m, amount, atm ? Channel.Atm : Channel.Pos, 0, 0,
                World.Merchants[m].Latitude, World.Merchants[m].Longitude));
            t += rng.Between(300, 2400);
        }
    }

    /// <summary>A breached online checkout charging card numbers from a dump among its genuine customers: ordinary
    /// amounts, cards that never shopped there, often without device data, a third of them at night.</summary>
    private void CompromisedMerchant(int merchant, long dayStart, double perDay)
    {
        var rng = _fraudRng;
        var n = rng.Poisson(perDay);
        var median = Catalogue.Categories[World.Merchants[merchant].Category].MedianAmount * 1.2;
        for (var i = 0; i < n; i++)
        {
            var account = rng.Next(World.Accounts.Length);
            for (var attempt = 0; attempt < 20 && World.Accounts[account].OpenedDay > _today; attempt++)
            {
                account = rng.Next(World.Accounts.Length);
            }
            var t = dayStart + (rng.Chance(0.35) ? rng.Between(0, 7 * 3600) : rng.Between(7 * 3600, 86_399));
            var amount = Math.Max(500, (long)(rng.LogNormal(median, 0.6) * 100));
            var home = Catalogue.Cities[World.Accounts[account].HomeCity];
            var device = rng.Chance(0.5) ? World.NewDevice() : 0;
            var ip = rng.Chance(0.5) ? rng.Pick(World.ProxyIps) : rng.Pick(World.MobileIps[home.Country]);
            Emit(Fraud(FraudScenario.CompromisedMerchant, account, t, merchant, amount, Channel.Ecommerce, device, ip, double.NaN, double.NaN));
        }
    }

    /// <summary>One device of a fraud ring (an emulator farm) working through a list of stolen cards: each card
    /// used once or twice from the same device and a handful of proxy IPs over a day or two.</summary>
    private void SharedDevice(long dayStart)
    {
        var rng = _fraudRng;
        var device = World.NewDevice();
        uint[] ips = [rng.Pick(World.ProxyIps), rng.Pick(World.ProxyIps), rng.Pick(World.ProxyIps)];
        var city = Catalogue.Cities[rng.PickCumulative(World.CityCumulative)];
        var window = rng.Between(6 * 3600, 72 * 3600);
        var t0 = dayStart + rng.Between(0, 86_399);
        var cards = rng.Between(10, 40);
        for (var c = 0; c < cards; c++)
        {
            var a = Victim();
            var uses = rng.Between(1, 2);
            // Farms reset their fingerprint now and then; the proxies stay.
            var cardDevice = rng.Chance(0.65) ? device : World.NewDevice();
            var t = t0 + rng.Between(0, window);
            for (var u = 0; u < uses; u++)
            {
                var amount = (long)(Math.Max(20, rng.LogNormal(220, 0.7)) * 100);
                Emit(Fraud(FraudScenario.SharedDevice, a, t, OnlineMerchant("5732", "5947", "5651", "5816", "4829"), amount,
                    Channel.Ecommerce, cardDevice, rng.Pick(ips), city.Latitude + rng.Normal(0, 0.1), city.Longitude + rng.Normal(0, 0.1)));
                t += rng.Between(60, 1800);
            }
        }
    }
}
