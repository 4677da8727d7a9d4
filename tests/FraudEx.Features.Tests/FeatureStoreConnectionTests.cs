using System.Diagnostics;
using FraudEx.Features.Engine;
using FraudEx.Testing;
using StackExchange.Redis;
using static FraudEx.Features.Tests.Support;

namespace FraudEx.Features.Tests;

/// <summary>
/// What the store needs from its Redis connection (formerly covered by the hand-written client's own tests): scripts
/// that survive a flushed script cache, a selected database, authentication, and timeouts that fail as "unavailable"
/// and recover. Each test runs its own redis-server where it changes the server.
/// </summary>
public sealed class FeatureStoreConnectionTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task ScriptCacheFlushed_CheckAndSetIsLoadedAgain()
    {
        var prefix = Prefix();
        await using var client = await ConnectAsync(fixture.Server, o => o.AllowAdmin = true);
        var store = Store(client, prefix);
        await store.ComputeAsync([Tx("a", T0)]).T();

        await client.GetServers()[0].ScriptFlushAsync().T();
        var after = await store.ComputeAsync([Tx("b", T0 + Minute)]).T();

        Assert.False(after[0].Duplicate);
        Assert.Equal(2, after[0].Values[I("acct_count_1h")]);
        Assert.Equal("2", (await store.GetEntityStateAsync(EntityKind.Account, "acct-1").T()).Fields["transaction_count"]);
    }

    [Fact]
    public async Task DefaultDatabase_FromConnectionString_HoldsTheKeys()
    {
        var prefix = Prefix();
        await using var db5 = await FeatureStoreRedis.ConnectAsync(fixture.Server.ConnectionString + ",defaultDatabase=5").T();
        var store = Store(db5, prefix);

        await store.ComputeAsync([Tx("a", T0)]).T();

        Assert.True(await db5.GetDatabase(5).KeyExistsAsync($"{prefix}:{{a:acct-1}}:s").T());
        Assert.False(await db5.GetDatabase(0).KeyExistsAsync($"{prefix}:{{a:acct-1}}:s").T());
    }

    [Fact]
    public async Task Password_RightOneWorksWrongOneIsUnavailableNotACrash()
    {
        await using var server = await RedisServer.StartAsync(password: "s3cret").T();
        await using var right = await ConnectAsync(server);
        await using var wrong = await FeatureStoreRedis.ConnectAsync($"127.0.0.1:{server.Port},password=nope,connectTimeout=1000").T();

        var ok = await Store(right, Prefix()).ComputeAsync([Tx("a", T0)]).T();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Store(wrong, Prefix()).ComputeAsync([Tx("a", T0)]).T());

        Assert.False(ok[0].Duplicate);
        Assert.True(FeatureStoreErrors.IsUnavailable(refused), refused.ToString());
    }

    [Fact]
    public async Task SlowRedis_TimesOutAsUnavailableThenRecovers()
    {
        await using var server = await RedisServer.StartAsync(extraArgs: ["--enable-debug-command", "yes"]).T();
        await using var client = await ConnectAsync(server, o => o.SyncTimeout = o.AsyncTimeout = 300);
        await using var admin = await ConnectAsync(server, o => o.AllowAdmin = true);
        var store = Store(client, Prefix());
        await store.ComputeAsync([Tx("a", T0)]).T();

        var sleep = admin.GetDatabase().ExecuteAsync("DEBUG", "SLEEP", "2.5");
        await Task.Delay(100);
        var sw = Stopwatch.StartNew();
        var timedOut = await Assert.ThrowsAnyAsync<Exception>(() => store.ComputeAsync([Tx("b", T0 + 1)]).T());
        sw.Stop();
        await sleep.T();
        IReadOnlyList<ComputedVector>? recovered = null;
        var deadline = Stopwatch.StartNew();
        while (recovered is null && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                recovered = await store.ComputeAsync([Tx("c", T0 + 2)]).T();
            }
            catch (Exception ex) when (FeatureStoreErrors.IsUnavailable(ex))
            {
                await Task.Delay(50);
            }
        }

        Assert.True(FeatureStoreErrors.IsUnavailable(timedOut), timedOut.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2.4), $"the 300 ms timeout took {sw.Elapsed} (the server sleeps 2.5 s)");
        Assert.NotNull(recovered);
        Assert.False(recovered[0].Duplicate);
    }
}
