using System.Collections.Concurrent;
using System.Diagnostics;
using FraudEx.Testing;

namespace FraudEx.Redis.Tests;

public sealed class RedisTelemetryTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Batch_OneClientSpanCoversThePipelineWithItsSize()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(fixture.Server.ConnectionString)).T();
        using var parent = new Activity("test.parent").Start();

        var batch = client.CreateBatch();
        var a = batch.Execute("MGET", "rt:a", "rt:b");
        var b = batch.Execute("MGET", "rt:c");
        await batch.SendAsync().T();
        await Task.WhenAll(a, b).T();
        parent.Stop();

        var span = Assert.Single(await Mine(spans, parent));
        Assert.Equal("MGET", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("redis", span.GetTagItem("db.system.name"));
        Assert.Equal(2, span.GetTagItem("db.operation.batch.size"));
    }

    [Fact]
    public async Task ErrorReply_SpanHasErrorStatus()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);
        await using var client = await RedisClient.ConnectAsync(RedisOptions.Parse(fixture.Server.ConnectionString)).T();
        using var parent = new Activity("test.parent").Start();
        await client.ExecuteAsync("SET", "rt:str", "x").T();

        await Assert.ThrowsAsync<RedisServerException>(() => client.ExecuteAsync("LPUSH", "rt:str", "y").T());
        parent.Stop();

        var mine = await Mine(spans, parent, expected: 2);
        var failed = Assert.Single(mine, s => s.DisplayName == "LPUSH");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal(ActivityStatusCode.Unset, Assert.Single(mine, s => s.DisplayName == "SET").Status);
    }

    private static ActivityListener Listen(ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == RedisTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Spans of this test's trace (listeners are process-wide); a pipeline span ends just after its replies.</summary>
    private static async Task<List<Activity>> Mine(ConcurrentQueue<Activity> spans, Activity parent, int expected = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var mine = spans.Where(s => s.TraceId == parent.TraceId).ToList();
            if (mine.Count >= expected || DateTime.UtcNow > deadline)
            {
                return mine;
            }

            await Task.Delay(10);
        }
    }
}
