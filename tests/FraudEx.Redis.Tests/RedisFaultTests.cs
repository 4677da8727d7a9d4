using System.Diagnostics;
using FraudEx.Testing;

namespace FraudEx.Redis.Tests;

/// <summary>Tests that stop, kill or reconfigure their own server.</summary>
public sealed class RedisFaultTests
{
    [Fact]
    public async Task ServerKilledAndRestarted_FailsFastThenRecovers()
    {
        await using var server = await RedisServer.StartAsync().T();
        var options = RedisOptions.Parse(server.ConnectionString);
        options.ReconnectMinDelay = TimeSpan.FromMilliseconds(20);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
        await using var client = await RedisClient.ConnectAsync(options).T();
        await client.ExecuteAsync("SET", "k", "before").T();

        await server.KillAsync();
        var failures = 0;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await client.ExecuteAsync("PING").T();
            }
            catch (RedisConnectionException)
            {
                failures++;
            }
        }

        sw.Stop();
        await server.StartAgainAsync();
        var pong = await RedisClientTests.RetryAsync(() => client.ExecuteAsync("PING"));

        Assert.Equal(20, failures);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"20 calls against a dead server took {sw.Elapsed}");
        Assert.Equal("PONG", pong.AsString());
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Password_IsSentWithHelloAndWrongOneIsRejected()
    {
        await using var server = await RedisServer.StartAsync(password: "s3cret").T();

        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(server.ConnectionString)).T();
        var pong = await client.ExecuteAsync("PING").T();
        var wrong = RedisOptions.Parse($"127.0.0.1:{server.Port},password=nope");
        var none = RedisOptions.Parse($"127.0.0.1:{server.Port}");

        Assert.Equal("PONG", pong.AsString());
        var ex = await Assert.ThrowsAnyAsync<RedisException>(() => RedisClient.ConnectAsync(wrong).T());
        Assert.Contains("WRONGPASS", ex.Message + ex.InnerException?.Message, StringComparison.Ordinal);
        var noAuth = await Assert.ThrowsAnyAsync<RedisException>(() => RedisClient.ConnectAsync(none).T());
        Assert.Contains("NOAUTH", noAuth.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoServer_ConnectFailsWithConnectionException()
    {
        var options = new RedisOptions { Host = "127.0.0.1", Port = 1, ConnectTimeout = TimeSpan.FromSeconds(1) };

        var ex = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(options).T());

        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
    }
}
