using System.Diagnostics;
using FraudEx.Contracts.V1;
using FraudEx.Features;
using FraudEx.Features.Engine;
using FraudEx.Features.Grpc;
using Grpc.Net.Client;
using FraudEx.Scoring.Pipeline;
using FraudEx.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Tests;

/// <summary>
/// The scorer's two feature modes, each as <c>AddScoringServices</c> wires it from configuration, against a real
/// redis-server and (for the remote mode) the real feature service on Kestrel.
/// </summary>
public sealed class FeatureModesTests
{
    private const long T0 = 1772409600000; // 2026-03-02T00:00:00Z
    private const long Day = 86_400_000;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task InProcessAndRemote_SameHistory_BitIdenticalVectorsAndDuplicates()
    {
        await using var redis = await RedisServer.StartAsync().WaitAsync(CallTimeout);
        var inProcessPrefix = "inproc" + Guid.NewGuid().ToString("N")[..8];
        var remotePrefix = "remote" + Guid.NewGuid().ToString("N")[..8];
        await using var featureService = await FeatureServiceHost.StartAsync(redis.ConnectionString, remotePrefix);
        using var inProcessHost = ScorerServices(new()
        {
            ["Scoring:Features:Mode"] = "InProcess",
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Features:KeyPrefix"] = inProcessPrefix,
        });
        using var remoteHost = ScorerServices(new()
        {
            ["Scoring:Features:Mode"] = "Remote",
            ["services:features:grpc:0"] = featureService.Address,
        });
        var inProcess = inProcessHost.Services.GetRequiredService<IFeatureSource>();
        var remote = remoteHost.Services.GetRequiredService<IFeatureSource>();
        // Labels reach the store from the alert side through the feature service in both modes; the in-process
        // side's labels are written by the same store code under its own prefix.
        await using var labelConnection = await FeatureStoreRedis.ConnectAsync(redis.ConnectionString).WaitAsync(CallTimeout);
        var inProcessLabels = new FeatureStore(labelConnection, new FeatureStoreOptions { KeyPrefix = inProcessPrefix });
        var (stream, labels) = History(2000, seed: 41);
        var rng = new Random(7);

        var vectors = new List<(float[] InProcess, float[] Remote, bool InProcessDuplicate, bool RemoteDuplicate, string Id)>();
        var labelIndex = 0;
        for (var i = 0; i < stream.Count;)
        {
            var size = Math.Min(rng.Next(1, 48), stream.Count - i);
            var batch = stream.GetRange(i, size);
            var due = new List<Label>();
            while (labelIndex < labels.Count && labels[labelIndex].LabeledTime.ToDateTimeOffset().ToUnixTimeMilliseconds() <= batch[0].Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds())
            {
                due.Add(labels[labelIndex++]);
            }

            if (due.Count > 0)
            {
                var request = new RecordLabelsRequest();
                request.Labels.Add(due);
                await featureService.Client.RecordLabelsAsync(request).ResponseAsync.WaitAsync(CallTimeout);
                await inProcessLabels.RecordLabelsAsync([.. due.Select(l => TransactionMapper.TryToEvent(l, out var e) ? e : throw new InvalidOperationException())]).WaitAsync(CallTimeout);
            }

            var a = await inProcess.ComputeAsync(batch, CancellationToken.None).AsTask().WaitAsync(CallTimeout);
            var b = await remote.ComputeAsync(batch, CancellationToken.None).AsTask().WaitAsync(CallTimeout);
            Assert.Equal(a.SchemaVersion, b.SchemaVersion);
            for (var k = 0; k < batch.Count; k++)
            {
                vectors.Add((a.Vectors[k], b.Vectors[k], a.Duplicates[k], b.Duplicates[k], batch[k].TransactionId));
            }

            i += size;
        }

        Assert.Equal(stream.Count, vectors.Count);
        Assert.Equal(60, vectors.Count(v => v.InProcessDuplicate));
        Assert.True(labelIndex > 50, $"only {labelIndex} labels were fed");
        foreach (var v in vectors)
        {
            Assert.Equal(v.RemoteDuplicate, v.InProcessDuplicate);
            Assert.Equal(FeatureSchema.Count, v.InProcess.Length);
            for (var f = 0; f < v.InProcess.Length; f++)
            {
                if (BitConverter.SingleToInt32Bits(v.InProcess[f]) != BitConverter.SingleToInt32Bits(v.Remote[f]))
                {
                    Assert.Fail($"{v.Id}: feature {FeatureSchema.Get(f).Name} is {v.InProcess[f]} in process, {v.Remote[f]} remote");
                }
            }
        }

        // The history is not trivial: behavioural features moved and the merchant risk saw labels.
        Assert.Contains(vectors, v => v.InProcess[FeatureSchema.IndexOf("acct_count_24h")] > 3);
        Assert.Contains(vectors, v => v.InProcess[FeatureSchema.IndexOf("merch_lag7_risk_1d")] > 0);
    }

    [Fact]
    public async Task InProcess_RedisDown_FailsFastAsUnavailableThenRecovers()
    {
        await using var redis = await RedisServer.StartAsync().WaitAsync(CallTimeout);
        using var host = ScorerServices(new()
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Features:KeyPrefix"] = "down" + Guid.NewGuid().ToString("N")[..8],
        });
        var source = host.Services.GetRequiredService<IFeatureSource>();
        var (stream, _) = History(3, seed: 1);
        await source.ComputeAsync([stream[0]], CancellationToken.None).AsTask().WaitAsync(CallTimeout);

        await redis.KillAsync();
        var sw = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<FeaturesUnavailableException>(() => source.ComputeAsync([stream[1]], CancellationToken.None).AsTask().WaitAsync(CallTimeout));
        sw.Stop();
        await redis.StartAgainAsync();
        FeatureBatch? recovered = null;
        var deadline = Stopwatch.StartNew();
        while (recovered is null && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                recovered = await source.ComputeAsync([stream[2]], CancellationToken.None).AsTask().WaitAsync(CallTimeout);
            }
            catch (FeaturesUnavailableException)
            {
                await Task.Delay(50);
            }
        }

        Assert.IsType<StoreFeatureSource>(source);
        Assert.Equal(DegradedReason.FeaturesUnavailable, down.Reason);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"a call against a dead Redis took {sw.Elapsed}");
        Assert.NotNull(recovered);
        Assert.False(recovered.Duplicates[0]);
    }

    [Fact]
    public void Mode_DefaultsToInProcessWithRedisAndToRemoteWithout()
    {
        using var withRedis = ScorerServices(new() { ["ConnectionStrings:redis"] = "127.0.0.1:1,connectTimeout=200" });
        using var without = ScorerServices(new() { ["services:features:grpc:0"] = "http://127.0.0.1:1" });

        Assert.IsType<StoreFeatureSource>(withRedis.Services.GetRequiredService<IFeatureSource>());
        Assert.IsType<FeatureServiceSource>(without.Services.GetRequiredService<IFeatureSource>());
        var ex = Assert.Throws<InvalidOperationException>(() => ScorerServices(new() { ["Scoring:Features:Mode"] = "InProcess" }));
        Assert.Contains("ConnectionStrings:redis", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InProcess_RedisTracing_OnlyWhenTelemetryIsExported()
    {
        // Aspire's StackExchange.Redis tracing profiles every command and holds it until its next flush: without an
        // OTLP endpoint nobody would receive those spans, so no tracing pipeline may be built for them.
        const string Redis = "127.0.0.1:1,connectTimeout=200";
        using var quiet = ScorerServices(new() { ["ConnectionStrings:redis"] = Redis });
        using var exported = ScorerServices(new() { ["ConnectionStrings:redis"] = Redis, ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1" });

        Assert.Null(quiet.Services.GetService<TracerProvider>());
        Assert.NotNull(exported.Services.GetService<TracerProvider>());
    }

    /// <summary>The scorer's services exactly as its Program wires them (not started: only what a test resolves is built).</summary>
    private static IHost ScorerServices(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        builder.AddScoringServices();
        return builder.Build();
    }

    /// <summary>A deterministic history: 25 accounts, 40 merchants, devices and IPs, 60 resends, labels known a week later.</summary>
    private static (List<Transaction> Stream, List<Label> Labels) History(int count, int seed)
    {
        var rng = new Random(seed);
        var txs = new List<Transaction>(count);
        var labels = new List<Label>();
        var t = T0;
        for (var i = 0; i < count; i++)
        {
            t += rng.Next(1, 20 * 60_000);
            var tx = new Transaction
            {
                TransactionId = $"tx-{i}",
                AccountId = $"acct-{rng.Next(25)}",
                MerchantId = $"m-{rng.Next(40)}",
                MerchantCategoryCode = rng.NextDouble() < 0.9 ? "5411" : "",
                AmountMinor = rng.Next(100, 500_000),
                Currency = "EUR",
                Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(t)),
                Channel = (Channel)rng.Next(1, 7),
                CardPresent = rng.NextDouble() < 0.5,
                DeviceId = rng.NextDouble() < 0.7 ? $"dev-{rng.Next(30)}" : "",
                IpAddress = rng.NextDouble() < 0.6 ? $"10.0.{rng.Next(4)}.{rng.Next(20)}" : "",
                Country = "DE",
                MerchantCountry = rng.NextDouble() < 0.8 ? "DE" : "FR",
            };
            if (rng.NextDouble() < 0.5)
            {
                tx.Location = new GeoPoint { Latitude = 40 + rng.NextDouble() * 10, Longitude = rng.NextDouble() * 20 };
            }

            txs.Add(tx);
            if (rng.NextDouble() < 0.08)
            {
                labels.Add(new Label
                {
                    TransactionId = tx.TransactionId,
                    MerchantId = tx.MerchantId,
                    DeviceId = tx.DeviceId,
                    Kind = rng.NextDouble() < 0.8 ? LabelKind.Chargeback : LabelKind.FalsePositive,
                    TransactionTime = tx.Timestamp,
                    LabeledTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(t + 7 * Day)),
                });
            }
        }

        for (var k = 0; k < Math.Min(60, count / 3); k++)
        {
            var pos = rng.Next(1, txs.Count);
            txs.Insert(pos, txs[rng.Next(pos)].Clone());
        }

        return (txs, labels.OrderBy(l => l.LabeledTime.ToDateTimeOffset()).ToList());
    }

    /// <summary>The feature service as its Program wires it, on real Kestrel at a loopback port of its own.</summary>
    private sealed class FeatureServiceHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly GrpcChannel _channel;

        private FeatureServiceHost(WebApplication app)
        {
            _app = app;
            Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _channel = GrpcChannel.ForAddress(Address);
            Client = new FeatureService.FeatureServiceClient(_channel);
        }

        public string Address { get; }

        public FeatureService.FeatureServiceClient Client { get; }

        public static async Task<FeatureServiceHost> StartAsync(string redisConnectionString, string keyPrefix)
        {
            var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redisConnectionString,
                ["Features:KeyPrefix"] = keyPrefix,
            });
            builder.Logging.ClearProviders();
            builder.AddServiceDefaults(defaultPort: 0);
            builder.AddFeatureServices();
            var app = builder.Build();
            app.MapGrpcService<FeatureGrpcService>();
            app.MapDefaultEndpoints();
            await app.StartAsync().WaitAsync(CallTimeout);
            return new FeatureServiceHost(app);
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await _app.StopAsync().WaitAsync(CallTimeout);
            await _app.DisposeAsync();
        }
    }
}
