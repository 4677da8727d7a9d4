using FraudEx.Features.Engine;
using static FraudEx.Features.Engine.Tests.TestData;

namespace FraudEx.Features.Engine.Tests;

public sealed class OutOfOrderAndDuplicateTests
{
    [Fact]
    public void LateEvent_IsCountedButDoesNotMovePreviousTransactionFields()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("1", T0, lat: 48.0, lon: 2.0), out _);
        replay.Process(Tx("2", T0 + 30 * Minute, lat: 48.0, lon: 2.0), out _);

        var late = replay.Process(Tx("late", T0 + 10 * Minute, lat: 10.0, lon: 10.0), out _)!;
        var next = replay.Process(Tx("3", T0 + 40 * Minute, lat: 48.0, lon: 2.0), out _)!;

        Assert.True(float.IsNaN(late[I("acct_seconds_since_prev")]));
        Assert.True(float.IsNaN(late[I("acct_distance_km")]));
        Assert.True(float.IsNaN(late[I("acct_speed_kmh")]));
        Assert.Equal(2, late[I("acct_count_1h")]); // its own bucket and earlier: "1" and itself, not "2" (later bucket)
        Assert.Equal(10 * 60, next[I("acct_seconds_since_prev")]); // measured from "2", not from the late event
        Assert.Equal(0, next[I("acct_distance_km")]);              // from "2"'s location, not the late one's
        Assert.Equal(4, next[I("acct_count_1h")]);
        Assert.Equal(4, replay.GetAccount("acct-1")!.TransactionCount);
        Assert.Equal(T0 + 40 * Minute, replay.GetAccount("acct-1")!.LastEventMs);
    }

    [Fact]
    public void EventOlderThanRing_IsCountedInLifetimeOnly_ItsWindowsHoldItAlone()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("1", T0 + 40 * Day), out _);

        var ancient = replay.Process(Tx("old", T0), out _)!;
        var next = replay.Process(Tx("2", T0 + 40 * Day + Minute), out _)!;

        Assert.Equal(1, ancient[I("acct_count_30d")]);
        Assert.Equal(1, ancient[I("acct_count_24h")]);
        Assert.Equal(ancient[I("acct_sum_24h")], ancient[I("acct_mean_24h")]);
        Assert.False(float.IsNaN(ancient[I("acct_mean_30d")]));
        Assert.Equal(2, next[I("acct_count_30d")]);
        Assert.Equal(3, replay.GetAccount("acct-1")!.TransactionCount);
    }

    [Fact]
    public void Duplicate_ReturnsOriginalVectorAndIsNotCounted()
    {
        var replay = new OfflineReplay(DuplicatePolicy.ReturnOriginal);
        var first = replay.Process(Tx("dup", T0, amountMinor: 700), out var d1)!;
        replay.Process(Tx("other", T0 + Minute), out _);

        var again = replay.Process(Tx("dup", T0 + 2 * Minute, amountMinor: 999), out var d2)!;

        Assert.False(d1);
        Assert.True(d2);
        Assert.Same(first, again);
        Assert.Equal(2, replay.GetAccount("acct-1")!.TransactionCount);
        Assert.Equal(2, replay.GetMerchant("m-1")!.TransactionCount);
    }

    [Fact]
    public void Duplicate_IsSkippedInRunByDefault()
    {
        var rows = new OfflineReplay().Run([Tx("a", T0), Tx("a", T0 + 1), Tx("b", T0 + 2)]).ToList();

        Assert.Equal(["a", "b"], rows.Select(r => r.Transaction.TransactionId));
        Assert.Equal(2, rows[1].Vector[I("acct_count_1h")]);
    }

    [Fact]
    public void SameIdOnAnotherAccount_IsAnotherTransaction()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("x", T0, account: "a1"), out _);

        replay.Process(Tx("x", T0 + 1, account: "a2"), out var duplicate);

        Assert.False(duplicate);
    }

    [Fact]
    public void Labels_AreIdempotentPerTransactionId()
    {
        var replay = new OfflineReplay();
        replay.Process(Tx("f", T0), out _);
        var label = new LabelEvent("f", "m-1", "d-1", true, T0, T0 + Day);

        Assert.True(replay.ApplyLabel(label));
        Assert.False(replay.ApplyLabel(label with { IsFraud = false }));
        Assert.Equal(1, replay.GetMerchant("m-1")!.KnownFrauds);
        Assert.Equal(1, replay.GetDevice("d-1")!.KnownFrauds);
    }
}
