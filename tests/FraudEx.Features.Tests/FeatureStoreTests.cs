using System.Diagnostics;
using FraudEx.Features.Engine;
using static FraudEx.Features.Tests.Support;

namespace FraudEx.Features.Tests;

public sealed class FeatureStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrency_TwoStoresEightWritersOneAccount_CountsAreExact(bool coalesce)
    {
        const int Writers = 8;
        const int Total = 10_000;
        const int BatchSize = 25;
        var prefix = Prefix();
        await using var clientA = await ConnectAsync(fixture.Server);
        await using var clientB = await ConnectAsync(fixture.Server);
        // Without coalescing every writer races every other on the account's check-and-set; with it, writers of one
        // store are combined and only the two stores race.
        FeatureStore[] stores = [Store(clientA, prefix, o => o.CoalesceConcurrentBatches = coalesce), Store(clientB, prefix, o => o.CoalesceConcurrentBatches = coalesce)];

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var store = stores[w % 2];
            var mine = Enumerable.Range(0, Total / Writers).Select(k => w + k * Writers).ToList();
            var duplicates = 0;
            foreach (var chunk in mine.Chunk(BatchSize))
            {
                var batch = chunk.Select(n => Tx($"tx-{n}", T0 + n * 100L, merchant: $"m-{n % 10}", device: $"d-{n % 3}", ip: "192.0.2.1", amountMinor: 100)).ToList();
                var vectors = await store.ComputeAsync(batch).T();
                duplicates += vectors.Count(v => v.Duplicate);
            }

            return duplicates;
        })).ToArray();
        var duplicatesSeen = await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(3));

        var account = await stores[0].GetEntityStateAsync(EntityKind.Account, "acct-1").T();
        var merchantTotal = 0L;
        for (var m = 0; m < 10; m++)
        {
            merchantTotal += long.Parse((await stores[1].GetEntityStateAsync(EntityKind.Merchant, $"m-{m}").T()).Fields["transaction_count"], System.Globalization.CultureInfo.InvariantCulture);
        }

        var ip = await stores[0].GetEntityStateAsync(EntityKind.Ip, "192.0.2.1").T();
        var probe = (await stores[1].ComputeAsync([Tx("probe", T0 + Total * 100L, amountMinor: 100)]).T())[0].Values;

        Assert.All(duplicatesSeen, d => Assert.Equal(0, d));
        Assert.Equal(Total.ToString(System.Globalization.CultureInfo.InvariantCulture), account.Fields["transaction_count"]);
        Assert.Equal(Total, merchantTotal);
        Assert.Equal(Total.ToString(System.Globalization.CultureInfo.InvariantCulture), ip.Fields["transaction_count"]);
        Assert.Equal(Total + 1, probe[I("acct_count_24h")]);
        Assert.Equal(Total + 1, probe[I("acct_count_30d")]);
        Assert.Equal((Total + 1) * 1.0f, probe[I("acct_sum_24h")]);
    }

    [Fact]
    public async Task Idempotency_RepeatedBatchReturnsOriginalVectorsAndCountsOnce()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        List<TransactionEvent> batch = [Tx("a", T0), Tx("b", T0 + Minute, amountMinor: 5000), Tx("a", T0 + 2 * Minute, amountMinor: 99)];

        var first = await store.ComputeAsync(batch).T();
        var second = await store.ComputeAsync(batch).T();
        var account = await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T();

        Assert.Equal([false, false, true], first.Select(v => v.Duplicate));
        Assert.Same(first[0].Values, first[2].Values);
        Assert.All(second, v => Assert.True(v.Duplicate));
        for (var i = 0; i < batch.Count; i++)
        {
            BitEqual(first[i].Values, second[i].Values, $"row {i}");
        }

        Assert.Equal("2", account.Fields["transaction_count"]);
    }

    [Fact]
    public async Task Labels_AreIdempotentAndFeedMerchantRiskFromWhenRecorded()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        await store.ComputeAsync([Tx("f", T0 + Hour, account: "a1", merchant: "term"), Tx("g", T0 + 2 * Hour, account: "a2", merchant: "term")]).T();
        var before = (await store.ComputeAsync([Tx("h", T0 + 7 * Day, account: "a3", merchant: "term")]).T())[0].Values;
        LabelEvent[] labels = [new("f", "term", "dev-9", true, T0 + Hour, T0 + 7 * Day + Hour)];

        var first = await store.RecordLabelsAsync(labels).T();
        var again = await store.RecordLabelsAsync([labels[0], labels[0] with { IsFraud = false }]).T();
        var after = (await store.ComputeAsync([Tx("i", T0 + 7 * Day + 2 * Hour, account: "a4", merchant: "term", device: "dev-9")]).T())[0].Values;
        var merchant = await store.GetEntityStateAsync(EntityKind.Merchant, "term").T();

        Assert.Equal((1, 0), first);
        Assert.Equal((0, 2), again);
        Assert.Equal(0, before[I("merch_lag7_risk_1d")]);
        Assert.Equal(0.5f, after[I("merch_lag7_risk_1d")]);
        Assert.Equal(1, after[I("device_known_frauds")]);
        Assert.Equal("1", merchant.Fields["known_frauds"]);
    }

    [Fact]
    public async Task PointInTime_LaterTransactionsDoNotChangeEarlierVectors()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        var early = (await store.ComputeAsync([Tx("e1", T0), Tx("e2", T0 + Minute)]).T()).Select(v => v.Values).ToList();

        await store.ComputeAsync([Tx("l1", T0 + 2 * Minute, amountMinor: 900_000), Tx("l2", T0 + 3 * Minute, merchant: "m-2")]).T();
        var replayed = (await store.ComputeAsync([Tx("e1", T0), Tx("e2", T0 + Minute)]).T()).Select(v => v.Values).ToList();
        var fresh = new OfflineReplay().Run([Tx("e1", T0), Tx("e2", T0 + Minute)]).Select(r => r.Vector).ToList();

        for (var i = 0; i < 2; i++)
        {
            BitEqual(early[i], replayed[i], $"remembered {i}");
            BitEqual(fresh[i], early[i], $"offline {i}");
        }

        Assert.Equal(2, early[1][I("acct_count_1h")]);
    }

    [Fact]
    public async Task ReplayEquivalence_ServiceAndOfflineGiveBitIdenticalVectors()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        var (txs, labels) = History(3000, seed: 17);
        var rng = new Random(5);

        // Resend some transactions later in the stream: both sides must call them duplicates with the original vector.
        var stream = new List<TransactionEvent>(txs);
        for (var k = 0; k < 100; k++)
        {
            var pos = rng.Next(1, stream.Count);
            stream.Insert(pos, stream[rng.Next(pos)] with { });
        }

        var offline = new OfflineReplay(DuplicatePolicy.ReturnOriginal).Run(stream, labels).ToList();

        var online = new List<ComputedVector>();
        var labelIndex = 0;
        var i = 0;
        while (i < stream.Count)
        {
            var size = Math.Min(rng.Next(1, 64), stream.Count - i);
            var batch = stream.GetRange(i, size);

            // Labels known before the batch's first transaction are recorded first, as the alert side would.
            var due = new List<LabelEvent>();
            while (labelIndex < labels.Count && labels[labelIndex].LabelKnownMs <= batch[0].TimestampMs)
            {
                due.Add(labels[labelIndex++]);
            }

            if (due.Count > 0)
            {
                await store.RecordLabelsAsync(due).T();
            }

            // A label due inside the batch must be applied between its transactions: split there.
            var cut = batch.FindIndex(t => labelIndex < labels.Count && labels[labelIndex].LabelKnownMs <= t.TimestampMs);
            if (cut > 0)
            {
                batch = batch.GetRange(0, cut);
            }

            online.AddRange(await store.ComputeAsync(batch).T());
            i += batch.Count;
        }

        Assert.Equal(offline.Count, online.Count);
        Assert.Equal(100, online.Count(v => v.Duplicate));
        for (var k = 0; k < offline.Count; k++)
        {
            Assert.Equal(offline[k].Duplicate, online[k].Duplicate);
            BitEqual(offline[k].Vector, online[k].Values, $"row {k} ({offline[k].Transaction.TransactionId})");
        }
    }

    [Fact]
    public async Task GetEntityState_ShowsReadableStateOrNotFound()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        await store.ComputeAsync([Tx("x", T0 + 90_000, amountMinor: 4200, device: "dev-1")]).T();

        var account = await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T();
        var device = await store.GetEntityStateAsync(EntityKind.Device, "dev-1").T();
        var unknown = await store.GetEntityStateAsync(EntityKind.Ip, "203.0.113.1").T();

        Assert.True(account.Found);
        Assert.Equal(T0 + 90_000, account.LastEventMs);
        Assert.Equal("1", account.Fields["transaction_count"]);
        Assert.Equal("1", account.Fields["version"]);
        Assert.Contains("sum=42", account.Fields["buckets_1h"], StringComparison.Ordinal);
        Assert.InRange(account.SizeBytes, 20, 2000);
        Assert.True(device.Found);
        Assert.False(unknown.Found);
    }

    [Fact]
    public async Task IdleEntities_Expire()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix, o => o.EntityIdleTtl = TimeSpan.FromSeconds(1));
        await store.ComputeAsync([Tx("x", T0)]).T();
        var ttl = long.Parse((await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T()).Fields["expires_in_ms"], System.Globalization.CultureInfo.InvariantCulture);

        await Task.Delay(1300);
        var after = await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T();

        Assert.InRange(ttl, 1, 1000);
        Assert.False(after.Found);
    }

    [Fact]
    public async Task Pipeline_ManyConcurrentCallersOneAccount_EveryTransactionSeesADistinctHistory()
    {
        // Up to four combined batches are in flight at once, each reading before the previous one has written. Each
        // must still fold on its predecessor's result (through the write overlay, or after a conflict), so every
        // transaction sees a distinct prior count.
        const int Callers = 16;
        const int Batches = 15;
        const int BatchSize = 10;
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix, o => o.MaxConcurrentBatches = 4);

        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var counts = new List<float>();
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, BatchSize)
                    .Select(k => Tx($"p-{c}-{b}-{k}", T0 + (((c * Batches) + b) * BatchSize + k) * 1000L, merchant: $"m-{k % 3}", device: "d-shared"))
                    .ToList();
                counts.AddRange((await store.ComputeAsync(batch).T()).Select(v => v.Values[I("acct_count_24h")]));
            }

            return counts;
        })).ToArray();
        var seen = (await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(2))).SelectMany(c => c).Order().ToArray();
        var account = await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T();

        const int Total = Callers * Batches * BatchSize;
        Assert.Equal(Enumerable.Range(1, Total).Select(n => (float)n), seen);
        Assert.Equal(Total.ToString(System.Globalization.CultureInfo.InvariantCulture), account.Fields["transaction_count"]);
    }

    [Fact]
    public async Task CorruptStoredState_FailsWithoutWritingAnything()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        await store.ComputeAsync([Tx("x", T0, merchant: "m-ok")]).T();
        await client.GetDatabase().StringSetAsync($"{prefix}:{{a:acct-1}}:s", "garbage-garbage").T();

        var ex = await Assert.ThrowsAsync<FeatureStoreCorruptStateException>(() => store.ComputeAsync([Tx("y", T0 + Minute, merchant: "m-ok")]).T());
        var merchant = await store.GetEntityStateAsync(EntityKind.Merchant, "m-ok").T();

        Assert.Contains("{a:acct-1}", ex.Key, StringComparison.Ordinal);
        Assert.Equal("1", merchant.Fields["transaction_count"]);
    }

    [Fact]
    public async Task CoalescedCallers_CorruptEntityFailsOnlyItsOwnCaller()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);
        await client.GetDatabase().StringSetAsync($"{prefix}:{{a:bad}}:s", "not-a-state").T();

        var calls = Enumerable.Range(0, 40)
            .Select(i => store.ComputeAsync([Tx($"t{i}", T0 + i, account: i == 20 ? "bad" : $"good-{i}")]))
            .ToArray();
        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c.T();
                return "ok";
            }
            catch (FeatureStoreCorruptStateException)
            {
                return "corrupt";
            }
        }));

        Assert.Equal("corrupt", outcomes[20]);
        Assert.Equal(39, outcomes.Count(o => o == "ok"));
        Assert.Equal("1", (await store.GetEntityStateAsync(EntityKind.Account, "good-39").T()).Fields["transaction_count"]);
    }

    [Fact]
    public async Task CoalescedCallers_SameIdTwiceIsOneTransaction()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => store.ComputeAsync([Tx(i % 2 == 0 ? "same" : $"other-{i}", T0 + i)]))).T();

        var same = results.Where((_, i) => i % 2 == 0).Select(r => r[0]).ToList();
        Assert.Equal(1, same.Count(v => !v.Duplicate));
        Assert.All(same, v => BitEqual(same[0].Values, v.Values, "same id"));
        Assert.Equal("16", (await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T()).Fields["transaction_count"]);
    }

    [Fact]
    public async Task SameIdsFromTwoStoresAtOnce_AreCountedOnce()
    {
        // Both stores read "not seen" for the same ids; the claim in the write script lets exactly one of them count
        // each id, the other re-reads and returns it as a duplicate.
        var prefix = Prefix();
        await using var clientA = await ConnectAsync(fixture.Server);
        await using var clientB = await ConnectAsync(fixture.Server);
        FeatureStore[] stores = [Store(clientA, prefix, o => o.CoalesceConcurrentBatches = false), Store(clientB, prefix, o => o.CoalesceConcurrentBatches = false)];
        var ids = Enumerable.Range(0, 400).ToList();

        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var seen = new List<ComputedVector>();
            foreach (var chunk in ids.Chunk(20))
            {
                seen.AddRange(await stores[w % 2].ComputeAsync(chunk.Select(n => Tx($"same-{n}", T0 + n * 1000L, account: $"acct-{n % 5}", merchant: "m-1")).ToList()).T());
            }

            return seen;
        }))).WaitAsync(TimeSpan.FromMinutes(2));

        var firsts = runs.SelectMany(r => r).Where(v => !v.Duplicate).Select(v => v.TransactionId).ToList();
        Assert.Equal(400, firsts.Count);
        Assert.Equal(400, firsts.Distinct().Count());
        var merchant = await stores[0].GetEntityStateAsync(EntityKind.Merchant, "m-1").T();
        Assert.Equal("400", merchant.Fields["transaction_count"]);

        // Once the writes have settled, the remembered vector of every id is the one its counting writer returned.
        var originals = runs.SelectMany(r => r).Where(v => !v.Duplicate).ToDictionary(v => v.TransactionId, v => v.Values);
        var resent = await stores[1].ComputeAsync(ids.Select(n => Tx($"same-{n}", T0 + n * 1000L, account: $"acct-{n % 5}", merchant: "m-1")).ToList()).T();
        Assert.All(resent, v =>
        {
            Assert.True(v.Duplicate);
            BitEqual(originals[v.TransactionId], v.Values, v.TransactionId);
        });
    }

    [Fact]
    public async Task IdsWithKeySyntax_DoNotCollide()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server);
        var store = Store(client, prefix);

        await store.ComputeAsync([Tx("Y}:s", T0, account: "X")]).T();
        var other = await store.ComputeAsync([Tx("t", T0 + 1, account: "X}:t:Y")]).T();

        Assert.False(other[0].Duplicate);
        Assert.Equal("1", (await store.GetEntityStateAsync(EntityKind.Account, "X}:t:Y").T()).Fields["transaction_count"]);
    }
}
