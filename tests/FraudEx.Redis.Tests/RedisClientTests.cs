using System.Diagnostics;
using System.Text;
using FraudEx.Testing;

namespace FraudEx.Redis.Tests;

public sealed class RedisClientTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private Task<RedisClient> Connect(Action<RedisOptions>? configure = null)
    {
        var options = RedisOptions.Parse(fixture.Server.ConnectionString);
        configure?.Invoke(options);
        return RedisClient.ConnectAsync(options).T();
    }

    [Fact]
    public async Task SetGet_RoundTripsBinaryValues()
    {
        await using var client = await Connect();
        var value = new byte[] { 0, 13, 10, 255, 36, 42 };

        await client.ExecuteAsync("SET", "rc:bin", value).T();
        var reply = await client.ExecuteAsync("GET", "rc:bin").T();

        Assert.Equal(RedisResultType.BulkString, reply.Type);
        Assert.Equal(value, reply.AsBytes());
    }

    [Fact]
    public async Task Get_MissingKey_IsNull()
    {
        await using var client = await Connect();

        var reply = await client.ExecuteAsync("GET", "rc:missing:" + Guid.NewGuid()).T();

        Assert.True(reply.IsNull);
    }

    [Fact]
    public async Task ErrorReply_ThrowsServerExceptionAndConnectionStaysUsable()
    {
        await using var client = await Connect();
        await client.ExecuteAsync("SET", "rc:str", "x").T();

        var ex = await Assert.ThrowsAsync<RedisServerException>(() => client.ExecuteAsync("LPUSH", "rc:str", "y").T());
        var after = await client.ExecuteAsync("GET", "rc:str").T();

        Assert.Equal("WRONGTYPE", ex.Prefix);
        Assert.Equal("x", after.AsString());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Protocol_Resp2AndResp3_ParseAggregates(int protocol)
    {
        await using var client = await Connect(o => o.Protocol = protocol);
        var key = $"rc:hash:{protocol}";
        await client.ExecuteAsync("HSET", key, "a", "1", "b", "2").T();

        var all = await client.ExecuteAsync("HGETALL", key).T();
        var hello = await client.ExecuteAsync("HELLO").T();

        Assert.Equal(protocol == 3 ? RedisResultType.Map : RedisResultType.Array, all.Type);
        Assert.Equal(4, all.Items.Count);
        var fields = Enumerable.Range(0, hello.Items.Count / 2).ToDictionary(i => hello.Items[2 * i].AsString()!, i => hello.Items[2 * i + 1]);
        Assert.Equal(protocol, fields["proto"].AsInt64());
    }

    [Fact]
    public async Task ConcurrentCallers_ArePipelinedWithoutLosingOrder()
    {
        await using var client = await Connect();
        var key = "rc:counter:" + Guid.NewGuid();

        var tasks = Enumerable.Range(0, 5000).Select(_ => client.ExecuteAsync("INCR", key)).ToArray();
        var replies = await Task.WhenAll(tasks).T();

        Assert.Equal(Enumerable.Range(1, 5000).Select(i => (long)i), replies.Select(r => r.AsInt64()).Order());
        Assert.Equal(5000, (await client.ExecuteAsync("GET", key).T()).AsInt64());
    }

    [Fact]
    public async Task Batch_SendsInOrderAndCompletesEachCommand()
    {
        await using var client = await Connect();
        var batch = client.CreateBatch();
        var sets = Enumerable.Range(0, 1000).Select(i => batch.Execute("SET", $"rc:b:{i}", i)).ToArray();
        var gets = Enumerable.Range(0, 1000).Select(i => batch.Execute("GET", $"rc:b:{i}")).ToArray();

        await batch.SendAsync().T();
        await Task.WhenAll(sets).T();
        var values = await Task.WhenAll(gets).T();

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), values.Select(v => v.AsInt64()));
    }

    [Fact]
    public async Task Eval_AfterScriptFlush_FallsBackToEval()
    {
        await using var client = await Connect();
        var script = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        var key = "rc:script:" + Guid.NewGuid();
        await client.ExecuteAsync("SCRIPT", "FLUSH").T();

        var first = await client.EvalAsync(script, [key], [5]).T();
        var loaded = await client.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1).T();
        await client.ExecuteAsync("SCRIPT", "FLUSH").T();
        var batch = client.CreateBatch();
        var viaBatch = batch.Eval(script, [key], [2]);
        await batch.SendAsync().T();

        Assert.Equal(5, first.AsInt64());
        Assert.Equal(1, loaded.Items[0].AsInt64());
        Assert.Equal(7, (await viaBatch.T()).AsInt64());
    }

    [Fact]
    public async Task Database_IsSelectedOnConnect()
    {
        await using var db3 = await Connect(o => o.Database = 3);
        await using var db0 = await Connect();
        var key = "rc:db:" + Guid.NewGuid();

        await db3.ExecuteAsync("SET", key, "three").T();

        Assert.True((await db0.ExecuteAsync("GET", key).T()).IsNull);
        Assert.Equal("three", (await db3.ExecuteAsync("GET", key).T()).AsString());
    }

    [Fact]
    public async Task SlowReply_TimesOutAndClientRecovers()
    {
        await using var client = await Connect(o =>
        {
            o.CommandTimeout = TimeSpan.FromMilliseconds(300);
            o.ReconnectMinDelay = TimeSpan.FromMilliseconds(20);
        });

        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisTimeoutException>(() => client.ExecuteAsync("DEBUG", "SLEEP", "2").T());
        sw.Stop();
        var pong = await RetryAsync(() => client.ExecuteAsync("PING"));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1.8), $"the 300 ms timeout took {sw.Elapsed} (the server sleeps 2 s)");
        Assert.Equal("PONG", pong.AsString());
    }

    [Fact]
    public async Task Cancellation_CancelsTheWaitButKeepsRepliesInOrder()
    {
        await using var client = await Connect();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var key = "rc:cancel:" + Guid.NewGuid();

        var slow = client.ExecuteAsync("DEBUG", ["SLEEP", "0.3"], cts.Token);
        var next = client.ExecuteAsync("SET", key, "v");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.T());
        Assert.Equal("OK", (await next.T()).AsString());
        Assert.Equal("v", (await client.ExecuteAsync("GET", key).T()).AsString());
    }

    [Fact]
    public async Task Pool_SpreadsCommandsOverConnections()
    {
        await using var client = await Connect(o => o.PoolSize = 3);
        var name = "pool-" + Guid.NewGuid().ToString("N")[..8];
        await using var named = await Connect(o => { o.PoolSize = 3; o.ClientName = name; });

        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => named.ExecuteAsync("PING"))).T();
        var list = (await client.ExecuteAsync("CLIENT", "LIST").T()).AsString()!;

        Assert.Equal(3, list.Split('\n').Count(l => l.Contains("name=" + name, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LargeValue_IsReadAcrossManySocketReads()
    {
        await using var client = await Connect();
        var big = Encoding.ASCII.GetBytes(new string('z', 3 * 1024 * 1024));

        await client.ExecuteAsync("SET", "rc:big", big).T();
        var reply = await client.ExecuteAsync("GET", "rc:big").T();

        Assert.Equal(big.Length, reply.AsBytes()!.Length);
    }

    internal static async Task<RedisResult> RetryAsync(Func<Task<RedisResult>> call)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call().T();
            }
            catch (RedisConnectionException) when (sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(25);
            }
        }
    }
}
