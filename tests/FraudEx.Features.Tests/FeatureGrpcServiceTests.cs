using System.Diagnostics;
using FraudEx.Contracts.V1;
using FraudEx.Features.Engine;
using Grpc.Core;
using FraudEx.Testing;
using Google.Protobuf.WellKnownTypes;
using static FraudEx.Features.Tests.Support;

namespace FraudEx.Features.Tests;

public sealed class FeatureGrpcServiceTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static Transaction Proto(string id, long ms, string account = "acct-1", string merchant = "m-1", long amount = 1000) => new()
    {
        TransactionId = id,
        AccountId = account,
        MerchantId = merchant,
        AmountMinor = amount,
        Currency = "EUR",
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(ms)),
        Channel = Channel.Ecommerce,
        CardPresent = false,
        Country = "DE",
        MerchantCountry = "DE",
    };

    private static ComputeFeaturesRequest Request(params Transaction[] txs)
    {
        var r = new ComputeFeaturesRequest();
        r.Transactions.Add(txs);
        return r;
    }

    [Fact]
    public async Task ComputeFeatures_ReturnsSchemaVersionVectorsAndDuplicates()
    {
        await using var host = await FeatureServiceHost.StartAsync(fixture.Server.ConnectionString, Prefix());

        var first = await host.Client.ComputeFeaturesAsync(Request(Proto("a", T0), Proto("b", T0 + Minute))).T();
        var again = await host.Client.ComputeFeaturesAsync(Request(Proto("b", T0 + Minute))).T();

        Assert.Equal(FeatureSchema.Version, first.SchemaVersion);
        Assert.Equal(["a", "b"], first.Vectors.Select(v => v.TransactionId));
        Assert.All(first.Vectors, v => Assert.Equal(FeatureSchema.Count, v.Values.Count));
        Assert.Equal(2, first.Vectors[1].Values[I("acct_count_1h")]);
        Assert.True(float.IsNaN(first.Vectors[1].Values[I("acct_device_new")]));
        Assert.False(first.Vectors[1].Duplicate);
        Assert.True(again.Vectors[0].Duplicate);
        Assert.Equal(first.Vectors[1].Values, again.Vectors[0].Values);
    }

    [Fact]
    public async Task ComputeFeatures_InvalidTransactions_InvalidArgumentWithFieldViolations()
    {
        await using var host = await FeatureServiceHost.StartAsync(fixture.Server.ConnectionString, Prefix());
        var bad = Proto("", T0, amount: 0);
        bad.Currency = "eur";
        bad.IpAddress = "999.1.1.1";
        var future = Proto("f", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.ComputeFeaturesAsync(Request(Proto("ok", T0), bad, future)).T());
        var empty = await Assert.ThrowsAsync<RpcException>(() => host.Client.ComputeFeaturesAsync(new ComputeFeaturesRequest()).T());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var details = ex.GetRpcStatus()!.Details.Single(d => d.Is(Google.Rpc.BadRequest.Descriptor)).Unpack<Google.Rpc.BadRequest>();
        var fields = details.FieldViolations.Select(f => f.Field).ToHashSet();
        Assert.Contains("transactions[1].transaction_id", fields);
        Assert.Contains("transactions[1].amount_minor", fields);
        Assert.Contains("transactions[1].currency", fields);
        Assert.Contains("transactions[1].ip_address", fields);
        Assert.Contains("transactions[2].timestamp", fields);
        Assert.DoesNotContain(fields, f => f.StartsWith("transactions[0]", StringComparison.Ordinal));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
    }

    [Fact]
    public async Task GetEntityStateAndRecordLabels_WorkOverGrpc()
    {
        await using var host = await FeatureServiceHost.StartAsync(fixture.Server.ConnectionString, Prefix());
        await host.Client.ComputeFeaturesAsync(Request(Proto("x", T0 + 5000, merchant: "shop"))).T();
        var labels = new RecordLabelsRequest();
        labels.Labels.Add(new Label
        {
            TransactionId = "x",
            MerchantId = "shop",
            Kind = LabelKind.Chargeback,
            TransactionTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 5000)),
            LabeledTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 3 * Day)),
        });

        var recorded = await host.Client.RecordLabelsAsync(labels).T();
        var repeated = await host.Client.RecordLabelsAsync(labels).T();
        var merchant = await host.Client.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Merchant, EntityId = "shop" }).T();
        var missing = await host.Client.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Device, EntityId = "none" }).T();
        var invalid = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetEntityStateAsync(new GetEntityStateRequest { EntityId = "shop" }).T());

        Assert.Equal(1, recorded.Applied);
        Assert.Equal(1, repeated.Duplicates);
        Assert.True(merchant.Found);
        Assert.Equal("1", merchant.Fields["known_frauds"]);
        Assert.Equal(T0 + 5000, merchant.LastEventTime.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.True(merchant.SizeBytes > 0);
        Assert.False(missing.Found);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }

    [Fact]
    public async Task TwoServiceInstancesEightWriters_TenThousandTransactionsOnOneAccountCountedExactly()
    {
        const int Total = 10_000;
        const int Writers = 8;
        var prefix = Prefix();
        await using var a = await FeatureServiceHost.StartAsync(fixture.Server.ConnectionString, prefix);
        await using var b = await FeatureServiceHost.StartAsync(fixture.Server.ConnectionString, prefix);
        var hosts = new[] { a, b };

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var ids = Enumerable.Range(0, Total / Writers).Select(k => w + k * Writers);
            foreach (var chunk in ids.Chunk(50))
            {
                var response = await hosts[w % 2].Client.ComputeFeaturesAsync(Request(chunk.Select(n => Proto($"tx-{n}", T0 + n * 10L, merchant: $"m-{n % 7}", amount: 100)).ToArray())).T();
                Assert.DoesNotContain(response.Vectors, v => v.Duplicate);
            }
        })).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(3));

        var account = await a.Client.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "acct-1" }).T();
        var probe = await b.Client.ComputeFeaturesAsync(Request(Proto("probe", T0 + Total * 10L, amount: 100))).T();

        Assert.Equal("10000", account.Fields["transaction_count"]);
        Assert.Equal(Total + 1, probe.Vectors[0].Values[I("acct_count_1h")]);
        Assert.Equal(Total + 1, probe.Vectors[0].Values[I("acct_sum_1h")]);
    }

    [Fact]
    public async Task Start_ConnectsToRedisBeforeTheFirstCall()
    {
        await using var server = await RedisServer.StartAsync().T();
        await using var host = await FeatureServiceHost.StartAsync(server.ConnectionString, Prefix());
        await using var observer = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",name=observer,allowAdmin=true").T();

        var clients = (string)(await observer.GetServer(observer.GetEndPoints()[0]).ExecuteAsync("CLIENT", "LIST").T())!;

        Assert.Contains("name=fraudex-features ", clients, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisDown_UnavailableFastThenRecovers()
    {
        await using var server = await RedisServer.StartAsync().T();
        await using var host = await FeatureServiceHost.StartAsync(server.ConnectionString, Prefix());
        await host.Client.ComputeFeaturesAsync(Request(Proto("a", T0))).T();

        await server.KillAsync();
        var sw = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<RpcException>(() => host.Client.ComputeFeaturesAsync(Request(Proto("b", T0 + 1))).T());
        sw.Stop();
        await server.StartAgainAsync();
        ComputeFeaturesResponse? recovered = null;
        var deadline = Stopwatch.StartNew();
        while (recovered is null && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                recovered = await host.Client.ComputeFeaturesAsync(Request(Proto("c", T0 + 2))).T();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal(StatusCode.Unavailable, down.StatusCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"UNAVAILABLE took {sw.Elapsed}");
        Assert.NotNull(recovered);
        Assert.False(recovered.Vectors[0].Duplicate);
    }
}
