using FraudEx.Features.Engine;
using static FraudEx.Features.Engine.Tests.TestData;

namespace FraudEx.Features.Engine.Tests;

public sealed class FeatureComputerTests
{
    [Fact]
    public void Compute_FirstTransaction_GivesContextAndSingleCounts()
    {
        var tx = Tx("t1", T0 + 3 * Hour + 5 * Minute, amountMinor: 12_345);

        var (v, updated) = FeatureComputer.Compute(tx, EntityStates.Empty);

        Assert.Equal(FeatureSchema.Count, v.Length);
        Assert.Equal((float)Math.Log(1 + 123.45), v[I("amount_log")]);
        Assert.Equal(3, v[I("hour_of_day")]);
        Assert.Equal(0, v[I("is_weekend")]);
        Assert.Equal(1, v[I("is_night")]);
        Assert.Equal(2, v[I("channel")]);
        Assert.Equal(0, v[I("card_present")]);
        Assert.Equal(6, v[I("mcc_group")]);
        Assert.Equal(0, v[I("country_mismatch")]);
        Assert.Equal(1, v[I("acct_count_1h")]);
        Assert.Equal(123.45f, v[I("acct_sum_1h")]);
        Assert.Equal(1, v[I("acct_count_30d")]);
        Assert.Equal(1, v[I("acct_merchant_new")]);
        Assert.True(float.IsNaN(v[I("acct_seconds_since_prev")]));
        Assert.True(float.IsNaN(v[I("acct_amount_zscore")]));
        Assert.True(float.IsNaN(v[I("acct_amount_ratio_to_max")]));
        Assert.Equal(1, v[I("merch_count_24h")]);
        Assert.Equal(0, v[I("merch_lag7_risk_30d")]);
        Assert.Equal((float)(0.2 / 21), v[I("merch_fraud_rate_smoothed")]);
        Assert.Equal(1, updated.Account!.TransactionCount);
        Assert.Equal(1, updated.Merchant!.TransactionCount);
    }

    [Fact]
    public void Compute_MissingDeviceIpLocationMccCountry_GiveNaN()
    {
        var tx = new TransactionEvent("t1", "a", "m", "", 500, "USD", T0);

        var (v, updated) = FeatureComputer.Compute(tx, EntityStates.Empty);

        foreach (var name in new[]
        {
            "channel", "card_present", "mcc_group", "country_mismatch", "acct_device_new", "acct_distance_km",
            "acct_speed_kmh", "device_distinct_accounts_24h", "device_known_frauds", "ip_distinct_accounts_24h", "ip_count_24h",
        })
        {
            Assert.True(float.IsNaN(v[I(name)]), name);
        }

        Assert.Null(updated.Device);
        Assert.Null(updated.Ip);
    }

    [Fact]
    public void Compute_DoesNotChangeItsInputStates()
    {
        var (_, s1) = FeatureComputer.Compute(Tx("t1", T0, device: "d", ip: "1.2.3.4"), EntityStates.Empty);
        var before = new[] { s1.Account!.Serialize(), s1.Merchant!.Serialize(), s1.Device!.Serialize(), s1.Ip!.Serialize() };

        FeatureComputer.Compute(Tx("t2", T0 + Minute, device: "d", ip: "1.2.3.4"), s1);

        var after = new[] { s1.Account!.Serialize(), s1.Merchant!.Serialize(), s1.Device!.Serialize(), s1.Ip!.Serialize() };
        for (var i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i], after[i]);
        }
    }

    [Fact]
    public void Windows_CountAndSumOnlyTheirSpan()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("a", T0 - 10 * Day, amountMinor: 100), out _);     // outside 7d, inside 30d
        replay.Process(Tx("b", T0 - 3 * Day, amountMinor: 200), out _);      // inside 7d
        replay.Process(Tx("c", T0 - 5 * Hour, amountMinor: 300), out _);     // inside 24h
        replay.Process(Tx("d", T0 + 30 * Minute, amountMinor: 400), out _);  // inside 1h

        var v = replay.Process(Tx("e", T0 + 50 * Minute, amountMinor: 500), out _)!;

        Assert.Equal(2, v[I("acct_count_1h")]);
        Assert.Equal(9f, v[I("acct_sum_1h")]);
        Assert.Equal(3, v[I("acct_count_24h")]);
        Assert.Equal(12f, v[I("acct_sum_24h")]);
        Assert.Equal(4f, v[I("acct_mean_24h")]);
        Assert.Equal(4, v[I("acct_count_7d")]);
        Assert.Equal(14f, v[I("acct_sum_7d")]);
        Assert.Equal(5, v[I("acct_count_30d")]);
        Assert.Equal(3f, v[I("acct_mean_30d")]);
        Assert.Equal(20 * 60, v[I("acct_seconds_since_prev")]);
        Assert.Equal(5f / 4f, v[I("acct_amount_ratio_to_max")]);
        // Today 9.00; the 29 days before hold 6.00 over the 10 days since the first payment, a mean of 0.60 a day
        // floored at 1.00.
        Assert.Equal(9f, v[I("acct_spend_today_ratio_30d")]);
    }

    [Fact]
    public void SpendTodayRatio_ComparesTodayWithTheDailyMeanSinceTheFirstDay()
    {
        var replay = new OfflineReplay();
        var first = replay.Process(Tx("a", T0 - 2 * Day, amountMinor: 10_000), out _)!;
        var sameDay = replay.Process(Tx("b", T0 - 2 * Day + Hour, amountMinor: 10_000), out _)!;
        replay.Process(Tx("c", T0 + Hour, amountMinor: 6_000), out _);

        var v = replay.Process(Tx("d", T0 + 2 * Hour, amountMinor: 4_000), out _)!;

        Assert.True(float.IsNaN(first[I("acct_spend_today_ratio_30d")]));
        Assert.True(float.IsNaN(sameDay[I("acct_spend_today_ratio_30d")]));
        // 100.00 today against 200.00 over the 2 days since the first payment.
        Assert.Equal(1f, v[I("acct_spend_today_ratio_30d")]);
    }

    [Fact]
    public void AccountHistory_FlagsNewMerchantsDevicesAndDistinctCounts()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("1", T0, merchant: "m1", device: "d1"), out _);
        replay.Process(Tx("2", T0 + Hour, merchant: "m2", device: "d1"), out _);

        var again = replay.Process(Tx("3", T0 + 2 * Hour, merchant: "m1", device: "d1"), out _)!;
        var fresh = replay.Process(Tx("4", T0 + 3 * Hour, merchant: "m3", device: "d2"), out _)!;
        var nextDay = replay.Process(Tx("5", T0 + 2 * Day, merchant: "m3", device: "d2"), out _)!;

        Assert.Equal(0, again[I("acct_merchant_new")]);
        Assert.Equal(0, again[I("acct_device_new")]);
        Assert.Equal(2, again[I("acct_distinct_merchants_24h")]);
        Assert.Equal(1, fresh[I("acct_merchant_new")]);
        Assert.Equal(1, fresh[I("acct_device_new")]);
        Assert.Equal(3, fresh[I("acct_distinct_merchants_24h")]);
        Assert.Equal(1, nextDay[I("acct_distinct_merchants_24h")]);
    }

    [Fact]
    public void Location_GivesDistanceAndImpossibleTravelSpeed()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("1", T0, lat: 48.8566, lon: 2.3522), out _);             // Paris
        replay.Process(Tx("2", T0 + 5 * Minute), out _);                           // no location

        var v = replay.Process(Tx("3", T0 + 10 * Minute, lat: 52.52, lon: 13.405), out _)!; // Berlin

        Assert.InRange(v[I("acct_distance_km")], 870f, 885f);
        Assert.InRange(v[I("acct_speed_kmh")], 5200f, 5320f);
    }

    [Fact]
    public void ZScore_UsesEarlierTransactionsOnly()
    {
        var replay = new OfflineReplay();
        for (var i = 0; i < 10; i++)
        {
            replay.Process(Tx($"n{i}", T0 + i * Hour, amountMinor: 1000 + i * 10), out _);
        }

        var usual = replay.Process(Tx("u", T0 + 11 * Hour, amountMinor: 1040), out _)!;
        var big = replay.Process(Tx("b", T0 + 12 * Hour, amountMinor: 100_000), out _)!;

        Assert.InRange(usual[I("acct_amount_zscore")], -1f, 1f);
        Assert.True(big[I("acct_amount_zscore")] > 10, $"z = {big[I("acct_amount_zscore")]}");
        Assert.True(big[I("acct_amount_ratio_to_max")] > 90);
    }

    [Fact]
    public void DeviceAndIp_CountDistinctAccounts()
    {
        var replay = new OfflineReplay();
        for (var i = 0; i < 20; i++)
        {
            replay.Process(Tx($"t{i}", T0 + i * Minute, account: $"card-{i}", device: "shared", ip: "203.0.113.9"), out _);
        }

        var v = replay.Process(Tx("t-last", T0 + Hour, account: "card-3", device: "shared", ip: "203.0.113.9"), out _)!;

        Assert.Equal(20, v[I("device_distinct_accounts_24h")]);
        Assert.Equal(20, v[I("ip_distinct_accounts_24h")]);
        Assert.Equal(21, v[I("ip_count_24h")]);
    }

    [Fact]
    public void SameInputs_GiveBitIdenticalVectors()
    {
        var (txs, labels) = History(3000, seed: 7);

        var first = new OfflineReplay().Run(txs, labels).Select(r => r.Vector).ToList();
        var second = new OfflineReplay().Run(txs, labels).Select(r => r.Vector).ToList();

        Assert.Equal(txs.Count, first.Count);
        for (var i = 0; i < first.Count; i++)
        {
            BitEqual(first[i], second[i], $"row {i}");
        }
    }

    [Fact]
    public void SerializedStates_ContinueBitIdentically()
    {
        // The service stores states as bytes between calls; the replay keeps objects. Both must agree bit for bit.
        var (txs, _) = History(2000, seed: 11, accounts: 3);
        var objects = new Dictionary<string, EntityStates>();
        var bytes = new Dictionary<string, (byte[]? A, byte[]? M)>();
        foreach (var tx in txs)
        {
            var key = tx.AccountId + "|" + tx.MerchantId;
            var current = objects.GetValueOrDefault(key) ?? EntityStates.Empty;
            var (v1, next) = FeatureComputer.Compute(tx with { DeviceId = null, IpAddress = null }, current);
            objects[key] = next;

            var stored = bytes.GetValueOrDefault(key);
            var restored = new EntityStates(
                stored.A is null ? null : AccountState.Deserialize(stored.A),
                stored.M is null ? null : MerchantState.Deserialize(stored.M),
                null,
                null);
            var (v2, next2) = FeatureComputer.Compute(tx with { DeviceId = null, IpAddress = null }, restored);
            bytes[key] = (next2.Account!.Serialize(), next2.Merchant!.Serialize());

            BitEqual(v1, v2, tx.TransactionId);
            Assert.Equal(next.Account!.Serialize(), bytes[key].A);
        }
    }
}
