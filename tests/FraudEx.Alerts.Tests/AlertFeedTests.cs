using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AlertFeedTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task TwoReplicas_EachSeeAlertsCommittedThroughTheOther()
    {
        await using var dataSourceA = await postgres.CreateMigratedDatabaseAsync(nameof(TwoReplicas_EachSeeAlertsCommittedThroughTheOther));
        await using var dataSourceB = NpgsqlDataSource.Create(dataSourceA.ConnectionString);
        using var feedA = Feed(dataSourceA);
        using var feedB = Feed(dataSourceB);
        await feedA.StartAsync(Timeout);
        await feedB.StartAsync(Timeout);
        await Task.WhenAll(feedA.WhenListening, feedB.WhenListening).WaitAsync(Timeout);
        using var watchA = feedA.Subscribe(new WatchAlertsRequest { IncludeUpdates = true });
        using var watchB = feedB.Subscribe(new WatchAlertsRequest());

        var recorded = await new DecisionStore(dataSourceB, TimeProvider.System, NullLogger<DecisionStore>.Instance)
            .RecordAsync(Decisions.Range("feed", 0, 30), Timeout); // three alerts, committed through B
        await new AlertStore(dataSourceA, TimeProvider.System).UpdateAsync(new UpdateAlertRequest
        {
            AlertId = recorded.AlertIds[0].ToString(System.Globalization.CultureInfo.InvariantCulture), ExpectedVersion = 1, Assignee = "kim",
        }, Timeout);

        var seenByA = await ReadAsync(watchA, 4);
        var seenByB = await ReadAsync(watchB, 3);

        Assert.Equal(3, seenByA.Count(e => e.EventType == AlertEventType.Created));
        Assert.Equal("kim", Assert.Single(seenByA, e => e.EventType == AlertEventType.Updated).Alert.Assignee);
        Assert.All(seenByB, e => Assert.Equal(AlertEventType.Created, e.EventType));
        Assert.Equal(recorded.AlertIds.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)), seenByB.Select(e => e.Alert.AlertId));
        await feedA.StopAsync(Timeout);
        await feedB.StopAsync(Timeout);
    }

    [Fact]
    public async Task SlowWatcher_IsDisconnectedWithoutHoldingUpOthers()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(SlowWatcher_IsDisconnectedWithoutHoldingUpOthers));
        using var feed = Feed(dataSource);
        await feed.StartAsync(Timeout);
        await feed.WhenListening.WaitAsync(Timeout);
        using var slow = feed.Subscribe(new WatchAlertsRequest());
        using var fast = feed.Subscribe(new WatchAlertsRequest());
        var store = new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance);
        var alerts = AlertFeed.WatcherCapacity + 500;
        var firstBatch = AlertFeed.MaxEventsPerPass;

        // Two batches, as two RecordDecisions calls would be; the fast watcher reads the first before the second.
        await store.RecordAsync(Decisions.Range("slow", 0, firstBatch, alertEvery: 1), Timeout);
        var seenFirst = await ReadAsync(fast, firstBatch);
        await store.RecordAsync(Decisions.Range("slow", firstBatch, alerts - firstBatch, alertEvery: 1), Timeout);
        var seenSecond = await ReadAsync(fast, alerts - firstBatch);

        Assert.Equal(alerts, seenFirst.Concat(seenSecond).Select(e => e.Alert.AlertId).Distinct().Count());
        // The slow watcher kept what fitted in its buffer, then its stream ended with the overflow error.
        var kept = 0;
        var error = await Assert.ThrowsAsync<WatcherOverflowException>(async () =>
        {
            await foreach (var _ in slow.Events.ReadAllAsync(Timeout))
            {
                kept++;
            }
        });
        Assert.Equal(AlertFeed.WatcherCapacity, kept);
        Assert.NotNull(error);
        Assert.Equal(1, feed.WatcherCount);
        await feed.StopAsync(Timeout);
    }

    private static AlertFeed Feed(NpgsqlDataSource dataSource) =>
        new(dataSource, new AlertStore(dataSource, TimeProvider.System), NullLogger<AlertFeed>.Instance);

    private static async Task<List<WatchAlertsResponse>> ReadAsync(AlertSubscription subscription, int count)
    {
        var events = new List<WatchAlertsResponse>();
        var token = Timeout;
        while (events.Count < count)
        {
            events.Add(await subscription.Events.ReadAsync(token));
        }

        return events;
    }
}
