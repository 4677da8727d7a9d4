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

    [Fact]
    public async Task Decided_ReplaysAnEqualResponseFromItsBytes()
    {
        var cache = new DecisionCache(10);
        var decided = new ScoreResponse
        {
            TransactionId = "t1",
            Decision = Decision.Decline,
            Score = 0.875,
            ModelVersion = "2.0.0",
            Reasons = { new Reason { Code = "AMOUNT_HIGH", Description = "amount far above the account's usual", Contribution = 0.4 } },
            RulesFired = { "RULE_BLOCKED_ACCOUNT" },
        };
        Assert.True(cache.TryReserve("t1", out _));
        Assert.False(cache.TryReserve("t1", out var waiting));
        cache.Complete("t1", decided);

        Assert.False(cache.TryReserve("t1", out var replayed));
        var fromBytes = await replayed!.WaitAsync(Wait.Timeout);
        Assert.Equal(decided, fromBytes);
        Assert.NotSame(decided, fromBytes);
        Assert.Same(decided, await waiting!.WaitAsync(Wait.Timeout));
    }

    [Fact]
    public void Abandon_OfADecidedId_KeepsItsDecision()
    {
        var cache = new DecisionCache(10);
        Assert.True(cache.TryReserve("t1", out _));
        cache.Complete("t1", new ScoreResponse { TransactionId = "t1", Decision = Decision.Approve });
        cache.Abandon("t1", new TimeoutException());
        Assert.False(cache.TryReserve("t1", out _));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task FullArena_ForgetsOldestDecided_AndReplaysTheRestIntact()
    {
        // 1,024 bytes hold about seven of these responses; the ring of ids (1,000) is never the bound here.
        var cache = new DecisionCache(1_000, 1_024);
        var responses = new List<ScoreResponse>();
        for (var i = 0; i < 40; i++)
        {
            var response = new ScoreResponse
            {
                TransactionId = $"t{i}",
                Decision = Decision.Review,
                Score = i / 40.0,
                Reasons = { new Reason { Code = "AMOUNT_HIGH", Description = new string((char)('a' + (i % 26)), 60 + (i % 17)), Contribution = i } },
            };
            responses.Add(response);
            Assert.True(cache.TryReserve(response.TransactionId, out _));
            cache.Complete(response.TransactionId, response);
        }

        // Written over as the arena went round (several times, at varying offsets): scored again, not replayed.
        Assert.True(cache.TryReserve("t0", out _));
        Assert.True(cache.TryReserve("t20", out _));
        for (var i = 36; i < 40; i++)
        {
            Assert.False(cache.TryReserve($"t{i}", out var replayed));
            Assert.Equal(responses[i], await replayed!.WaitAsync(Wait.Timeout));
        }
    }

    [Fact]
    public void OversizedResponse_IsAnswered_NotKept()
    {
        var cache = new DecisionCache(10, 1_024);
        Assert.True(cache.TryReserve("big", out _));
        cache.Complete("big", new ScoreResponse { TransactionId = "big", ModelVersion = new string('v', 200) });
        Assert.True(cache.TryReserve("big", out _));
    }
}
