using FraudEx.Features.Engine;
using FraudEx.Testing;
using StackExchange.Redis;

namespace FraudEx.Features.Tests;

/// <summary>One shared redis-server for the tests that do not stop it; every test uses its own key prefix.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

internal static class Support
{
    public const long T0 = 1772409600000; // 2026-03-02T00:00:00Z
    public const long Minute = 60_000;
    public const long Hour = 60 * Minute;
    public const long Day = 24 * Hour;

    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public static Task<T> T<T>(this Task<T> task) => task.WaitAsync(CallTimeout);

    public static Task T(this Task task) => task.WaitAsync(CallTimeout);

    public static Task<T> T<T>(this global::Grpc.Core.AsyncUnaryCall<T> call) => call.ResponseAsync.WaitAsync(CallTimeout);

    public static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A connection as the store's hosts make it (fail fast while Redis is down), reconnecting quickly.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisServer server, Action<ConfigurationOptions>? configure = null) =>
        await FeatureStoreRedis.ConnectAsync(server.ConnectionString, o =>
        {
            o.ReconnectRetryPolicy = new ExponentialRetry(20, 200);
            configure?.Invoke(o);
        }).T();

    public static FeatureStore Store(IConnectionMultiplexer client, string prefix, Action<FeatureStoreOptions>? configure = null)
    {
        var options = new FeatureStoreOptions { KeyPrefix = prefix };
        configure?.Invoke(options);
        return new FeatureStore(client, options);
    }

    public static TransactionEvent Tx(string id, long ms, string account = "acct-1", string merchant = "m-1", long amountMinor = 1000, string? device = null, string? ip = null) =>
        new(id, account, merchant, "5411", amountMinor, "EUR", ms, PaymentChannel.Ecommerce, false, device, ip, null, null, "DE", "DE");

    public static int I(string name) => FeatureSchema.IndexOf(name);

    /// <summary>A deterministic, varied history with labels known 7 days after their transaction.</summary>
    public static (List<TransactionEvent> Transactions, List<LabelEvent> Labels) History(int count, int seed, int accounts = 25)
    {
        var rng = new Random(seed);
        var txs = new List<TransactionEvent>(count);
        var labels = new List<LabelEvent>();
        var t = T0;
        for (var i = 0; i < count; i++)
        {
            t += rng.Next(1, 20 * 60_000);
            var acct = $"acct-{rng.Next(accounts)}";
            var merchant = $"m-{rng.Next(40)}";
            var device = rng.NextDouble() < 0.7 ? $"dev-{rng.Next(30)}" : null;
            var ip = rng.NextDouble() < 0.6 ? $"10.0.{rng.Next(4)}.{rng.Next(20)}" : null;
            double? lat = rng.NextDouble() < 0.5 ? 40 + rng.NextDouble() * 10 : null;
            double? lon = lat.HasValue ? rng.NextDouble() * 20 : null;
            var tx = new TransactionEvent($"tx-{i}", acct, merchant, rng.NextDouble() < 0.9 ? "5411" : "", rng.Next(100, 500_000), "EUR", t,
                (PaymentChannel)rng.Next(0, 7), rng.NextDouble() < 0.5, device, ip, lat, lon, "DE", rng.NextDouble() < 0.8 ? "DE" : "FR");
            txs.Add(tx);
            if (rng.NextDouble() < 0.08)
            {
                labels.Add(new LabelEvent(tx.TransactionId, merchant, device, rng.NextDouble() < 0.8, t, t + 7 * Day));
            }
        }

        return (txs, labels);
    }

    public static void BitEqual(float[] expected, float[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{context}: feature {FeatureSchema.Get(i).Name} differs: {expected[i]} vs {actual[i]}");
            }
        }
    }
}
