using FraudEx.Features.Engine;
using Xunit.Abstractions;
using static FraudEx.Features.Engine.Tests.TestData;

namespace FraudEx.Features.Engine.Tests;

public sealed class EntityStateTests(ITestOutputHelper output)
{
    [Fact]
    public void States_StayBoundedWhateverTheHistory()
    {
        var replay = new OfflineReplay();
        var sizes = new List<(int Tx, int Account, int Merchant, int Device)>();
        var t = T0;
        for (var i = 1; i <= 200_000; i++)
        {
            t += 97_000; // about 200 days of dense history
            replay.Process(
                Tx($"t{i}", t, account: "heavy", merchant: $"m{i % 5000}", amountMinor: 100 + i % 100_000, device: $"d{i % 300}", ip: $"10.0.{i % 250}.1", lat: 48 + i % 7, lon: 2),
                out _);
            if (i % 50_000 == 0)
            {
                sizes.Add((i, replay.GetAccount("heavy")!.Serialize().Length, replay.GetMerchant("m1")!.Serialize().Length, replay.GetDevice("d1")!.Serialize().Length));
            }
        }

        foreach (var s in sizes)
        {
            output.WriteLine($"after {s.Tx} tx: account {s.Account} B, merchant {s.Merchant} B, device {s.Device} B");
        }

        var maxAccount = sizes.Max(s => s.Account);
        Assert.True(maxAccount <= 1100, $"account state {maxAccount} B");
        Assert.True(sizes.Max(s => s.Merchant) <= 400, "merchant state too large");
        Assert.True(sizes.Max(s => s.Device) <= 600, "device state too large");
        Assert.True(sizes[^1].Account <= sizes[0].Account + 64, "account state keeps growing");
    }

    [Fact]
    public void Serialize_RoundTripsEveryKind()
    {
        var replay = new OfflineReplay();
        foreach (var tx in History(500, seed: 5, accounts: 2).Transactions)
        {
            replay.Process(tx with { MerchantId = "m", DeviceId = "d", IpAddress = "ip" }, out _);
        }

        var account = replay.GetAccount("acct-0")!;
        var merchant = replay.GetMerchant("m")!;
        var device = replay.GetDevice("d")!;
        Assert.Equal(account.Serialize(), AccountState.Deserialize(account.Serialize()).Serialize());
        Assert.Equal(merchant.Serialize(), MerchantState.Deserialize(merchant.Serialize()).Serialize());
        Assert.Equal(device.Serialize(), SharedEntityState.Deserialize(device.Serialize()).Serialize());
        Assert.Equal(EntityState.FormatVersion, account.Serialize()[0]);
        output.WriteLine($"typical sizes: account {account.Serialize().Length} B, merchant {merchant.Serialize().Length} B, device {device.Serialize().Length} B");
    }

    [Fact]
    public void SerializeWithReserve_ZeroPrefixThenTheSameBytes_AndClonesAreDeepAndEqual()
    {
        var replay = new OfflineReplay();
        foreach (var tx in History(300, seed: 9, accounts: 1).Transactions)
        {
            replay.Process(tx with { MerchantId = "m", DeviceId = "d" }, out _);
        }

        EntityState[] states = [replay.GetAccount("acct-0")!, replay.GetMerchant("m")!, replay.GetDevice("d")!];
        EntityState[] clones = [((AccountState)states[0]).Clone(), ((MerchantState)states[1]).Clone(), ((SharedEntityState)states[2]).Clone()];
        var before = states.Select(s => s.Serialize()).ToArray();
        for (var k = 0; k < states.Length; k++)
        {
            var plain = states[k].Serialize();
            var reserved = states[k].Serialize(16);
            Assert.Equal(new byte[16], reserved[..16]);
            Assert.Equal(plain, reserved[16..]);
            Assert.Equal(plain, clones[k].Serialize());
        }

        // Compute folds into clones of what it is given: with shallow copies the given states would change too.
        var account = (AccountState)clones[0];
        var (_, folded) = FeatureComputer.Compute(Tx("later", T0 + 400L * 24 * 3600 * 1000, amountMinor: 123_456, merchant: "m", device: "d"),
            new EntityStates(account, (MerchantState)clones[1], (SharedEntityState)clones[2], null));
        Assert.NotEqual(before[0], folded.Account!.Serialize());
        Assert.Equal(before, states.Select(s => s.Serialize()).ToArray());
        Assert.Equal(before, clones.Select(s => s.Serialize()).ToArray());
    }

    [Fact]
    public void Load_IntoAStateThatHeldAnotherEntity_EqualsAFreshRead()
    {
        // A long, busy history (full rings and recent sets, a location) and a short one (one transaction, no location,
        // no device): loading the short one into a state that held the busy one must leave nothing of it behind.
        var busy = new OfflineReplay();
        foreach (var tx in History(400, seed: 3, accounts: 1).Transactions)
        {
            busy.Process(tx with { MerchantId = "m", DeviceId = "d", Latitude = 48.1, Longitude = 2.3 }, out _);
        }

        var (_, sparse) = FeatureComputer.Compute(Tx("one", T0, account: "a", merchant: "m", device: "d"), EntityStates.Empty);
        (EntityState Busy, EntityState Sparse)[] pairs =
        [
            (busy.GetAccount("acct-0")!, sparse.Account!),
            (busy.GetMerchant("m")!, sparse.Merchant!),
            (busy.GetDevice("d")!, sparse.Device!),
        ];

        foreach (var (full, small) in pairs)
        {
            var reused = full switch
            {
                AccountState a => (EntityState)a.Clone(),
                MerchantState m => m.Clone(),
                _ => ((SharedEntityState)full).Clone(),
            };
            reused.Load(small.Serialize());
            Assert.Equal(small.Serialize(), reused.Serialize());
            Assert.Equal(small.Describe(), reused.Describe());

            reused.Load(full.Serialize());
            Assert.Equal(full.Serialize(), reused.Serialize());
        }

        // A state that has seen nothing (empty rings) loaded over the busy ones, then one transaction folded in: the
        // same vector and states as from nothing at all.
        var account = busy.GetAccount("acct-0")!.Clone();
        var merchant = busy.GetMerchant("m")!.Clone();
        var device = busy.GetDevice("d")!.Clone();
        account.Load(new AccountState().Serialize());
        merchant.Load(new MerchantState().Serialize());
        device.Load(new SharedEntityState().Serialize());
        var next = Tx("next", T0 + 3_600_000, account: "a", merchant: "m", device: "d", amountMinor: 777);
        var (fromReused, reusedStates) = FeatureComputer.Compute(next, new EntityStates(account, merchant, device, null));
        var (fromNothing, freshStates) = FeatureComputer.Compute(next, new EntityStates(new AccountState(), new MerchantState(), new SharedEntityState(), null));
        BitEqual(fromNothing, fromReused, "vector folded on a reused empty state");
        Assert.Equal(freshStates.Account!.Serialize(), reusedStates.Account!.Serialize());
        Assert.Equal(freshStates.Merchant!.Serialize(), reusedStates.Merchant!.Serialize());
        Assert.Equal(freshStates.Device!.Serialize(), reusedStates.Device!.Serialize());
    }

    [Fact]
    public void Deserialize_CorruptOrForeignBytes_ThrowFormatException()
    {
        var (_, states) = FeatureComputer.Compute(Tx("t", T0), EntityStates.Empty);
        var bytes = states.Account!.Serialize();

        Assert.Throws<FormatException>(() => AccountState.Deserialize(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Throws<FormatException>(() => AccountState.Deserialize([.. bytes, 0]));
        var wrongVersion = (byte[])bytes.Clone();
        wrongVersion[0] = 99;
        Assert.Throws<FormatException>(() => AccountState.Deserialize(wrongVersion));
        Assert.Throws<FormatException>(() => MerchantState.Deserialize([]));
    }

    [Fact]
    public void Describe_ShowsReadableFields()
    {
        var (_, states) = FeatureComputer.Compute(Tx("t", T0, amountMinor: 4200), EntityStates.Empty);

        var fields = states.Account!.Describe();

        Assert.Equal("1", fields["transaction_count"]);
        Assert.Equal("2026-03-02T00:00:00.000Z", fields["last_event_time"]);
        Assert.Contains("count=1 sum=42", fields["buckets_1h"], StringComparison.Ordinal);
    }

    [Fact]
    public void Mapper_MapsTheContract()
    {
        var proto = new FraudEx.Contracts.V1.Transaction
        {
            TransactionId = "t",
            AccountId = "a",
            MerchantId = "m",
            MerchantCategoryCode = "7995",
            AmountMinor = 500,
            Currency = "JPY",
            Timestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 1234)),
            Channel = FraudEx.Contracts.V1.Channel.Atm,
            CardPresent = true,
            Location = new FraudEx.Contracts.V1.GeoPoint { Latitude = 1.5, Longitude = -2.5 },
            Country = "JP",
            MerchantCountry = "US",
        };

        var tx = TransactionMapper.ToEvent(proto);
        var (v, _) = FeatureComputer.Compute(tx, EntityStates.Empty);

        Assert.Equal(T0 + 1234, tx.TimestampMs);
        Assert.Null(tx.DeviceId);
        Assert.Null(tx.IpAddress);
        Assert.Equal(1.5, tx.Latitude);
        Assert.Equal((float)Math.Log(501), v[I("amount_log")]);
        Assert.Equal(12, v[I("mcc_group")]);
        Assert.Equal(3, v[I("channel")]);
        Assert.Equal(1, v[I("country_mismatch")]);
    }
}
