using System.Diagnostics;
using FraudEx.Features.Engine;
using FraudEx.Testing;
using static FraudEx.Features.Tests.Support;

namespace FraudEx.Features.Tests;

/// <summary>Tests that kill or stop their own redis-server.</summary>
public sealed class FeatureStoreFaultTests
{
    [Fact]
    public async Task RedisKilledAndRestartedMidRun_ErrorsWhileDownThenExactRecovery()
    {
        await using var server = await RedisServer.StartAsync(persistent: true).T();
        var prefix = Prefix();
        await using var client = await ConnectAsync(server, o => o.SyncTimeout = o.AsyncTimeout = 500);
        var store = Store(client, prefix);
        const int Writers = 4;
        const int PerWriter = 600;
        var errors = 0;
        var slowestFailure = TimeSpan.Zero;
        using var reachedThird = new CountdownEvent(Writers);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Each writer owns one account and retries a failed batch until it succeeds: with idempotent ids, every
        // transaction must end up counted exactly once whatever the kill interrupted.
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < PerWriter; n += 10)
            {
                if (n == PerWriter / 3)
                {
                    // Every writer has work left when Redis dies, so every writer meets the outage.
                    reachedThird.Signal();
                    await killed.Task.T();
                }

                var batch = Enumerable.Range(n, 10).Select(k => Tx($"w{w}-{k}", T0 + k * 1000L, account: $"acct-{w}", merchant: $"m-{w}", amountMinor: 100)).ToList();
                while (true)
                {
                    var sw = Stopwatch.StartNew();
                    try
                    {
                        await store.ComputeAsync(batch).T();
                        break;
                    }
                    catch (Exception ex) when (FeatureStoreErrors.IsUnavailable(ex))
                    {
                        Interlocked.Increment(ref errors);
                        lock (server)
                        {
                            slowestFailure = sw.Elapsed > slowestFailure ? sw.Elapsed : slowestFailure;
                        }

                        await Task.Delay(10);
                    }
                }
            }
        })).ToArray();

        Assert.True(reachedThird.Wait(CallTimeout), "writers did not get going");
        await server.KillAsync();
        killed.SetResult();
        await Task.Delay(300);
        await server.StartAgainAsync();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(errors > 0, "no call failed while Redis was down");
        // "Fast" means no hang behind a dead server (the call timeout here is 30 s); the bound leaves room for a machine
        // shared with other builds.
        Assert.True(slowestFailure < TimeSpan.FromSeconds(5), $"a failing call took {slowestFailure}");
        for (var w = 0; w < Writers; w++)
        {
            var account = await store.GetEntityStateAsync(EntityKind.Account, $"acct-{w}").T();
            var merchant = await store.GetEntityStateAsync(EntityKind.Merchant, $"m-{w}").T();
            Assert.Equal(PerWriter.ToString(System.Globalization.CultureInfo.InvariantCulture), account.Fields["transaction_count"]);
            Assert.Equal(PerWriter.ToString(System.Globalization.CultureInfo.InvariantCulture), merchant.Fields["transaction_count"]);
        }

        var resent = await store.ComputeAsync(Enumerable.Range(0, PerWriter).Select(k => Tx($"w1-{k}", T0 + k * 1000L, account: "acct-1", merchant: "m-1")).ToList()).T();
        Assert.All(resent, v => Assert.True(v.Duplicate));
    }

    [Fact]
    public async Task RedisDown_FailsFastWithConnectionError()
    {
        await using var server = await RedisServer.StartAsync().T();
        await using var client = await ConnectAsync(server);
        var store = Store(client, Prefix());
        await store.ComputeAsync([Tx("a", T0)]).T();

        await server.StopAsync();
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<StackExchange.Redis.RedisConnectionException>(() => store.ComputeAsync([Tx("b", T0 + 1)]).T());
        await Assert.ThrowsAnyAsync<StackExchange.Redis.RedisConnectionException>(() => store.ComputeAsync([Tx("c", T0 + 2)]).T());
        sw.Stop();

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"two calls against a stopped Redis took {sw.Elapsed}");
    }
}
