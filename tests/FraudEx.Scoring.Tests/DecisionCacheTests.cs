using FraudEx.Contracts.V1;
using FraudEx.Scoring.Idempotency;

namespace FraudEx.Scoring.Tests;

public sealed class DecisionCacheTests
{
    [Fact]
    public async Task SecondRequest_GetsFirstDecision()
    {
        var cache = new DecisionCache(10);
        Assert.True(cache.TryReserve("t1", out _));
        Assert.False(cache.TryReserve("t1", out var pending));
        Assert.False(pending!.IsCompleted);
        cache.Complete("t1", new ScoreResponse { TransactionId = "t1", Decision = Decision.Review });
        Assert.Equal(Decision.Review, (await pending.WaitAsync(Wait.Timeout)).Decision);
    }

    [Fact]
    public async Task Abandoned_CanBeScoredAgain_AndWaitersFail()
    {
        var cache = new DecisionCache(10);
        Assert.True(cache.TryReserve("t1", out _));
        Assert.False(cache.TryReserve("t1", out var pending));
        cache.Abandon("t1", new TimeoutException());
        await Assert.ThrowsAsync<TimeoutException>(() => pending!.WaitAsync(Wait.Timeout));
        Assert.True(cache.TryReserve("t1", out _));
    }

    [Fact]
    public void Capacity_ForgetsOldestDecided()
    {
        var cache = new DecisionCache(3);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(cache.TryReserve($"t{i}", out _));
            cache.Complete($"t{i}", new ScoreResponse());
        }

        Assert.True(cache.Count <= 4);
        Assert.False(cache.TryReserve("t9", out _));
        Assert.True(cache.TryReserve("t0", out _));
    }

    [Fact]
    public void Capacity_KeepsIdsStillInFlight()
    {
        var cache = new DecisionCache(1);
        Assert.True(cache.TryReserve("a", out _));
        Assert.True(cache.TryReserve("b", out _));
        Assert.False(cache.TryReserve("a", out _));
    }
}
