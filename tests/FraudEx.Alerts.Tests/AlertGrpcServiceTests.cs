using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Google.Rpc;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AlertGrpcServiceTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static CallOptions Call => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task CaseWorkflowOverGrpc_RecordsListsGetsUpdatesAndRefusesWithExactStatuses()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(CaseWorkflowOverGrpc_RecordsListsGetsUpdatesAndRefusesWithExactStatuses), Timeout);
        await using var host = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        var request = new RecordDecisionsRequest();
        request.Decisions.AddRange(Decisions.Range("grpc", 0, 100));

        var first = await host.Client.RecordDecisionsAsync(request, Call);
        var again = await host.Client.RecordDecisionsAsync(request, Call);
        var list = await host.Client.ListAlertsAsync(new ListAlertsRequest { Decision = Decision.Decline, PageSize = 3 }, Call);
        var alert = list.Alerts[0];
        var got = await host.Client.GetAlertAsync(new GetAlertRequest { AlertId = alert.AlertId }, Call);
        var updated = await host.Client.UpdateAlertAsync(new UpdateAlertRequest
        {
            AlertId = alert.AlertId, ExpectedVersion = 1, Status = AlertStatus.InReview, Assignee = "jane",
        }, Call);
        var stale = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpdateAlertAsync(new UpdateAlertRequest
        {
            AlertId = alert.AlertId, ExpectedVersion = 1, Notes = "stale",
        }, Call).ResponseAsync);
        var badMove = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpdateAlertAsync(new UpdateAlertRequest
        {
            AlertId = alert.AlertId, ExpectedVersion = 2, Status = AlertStatus.Closed,
        }, Call).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetAlertAsync(new GetAlertRequest { AlertId = "424242" }, Call).ResponseAsync);

        Assert.Equal((100, 0, 10), (first.Inserted, first.Duplicates, first.AlertsCreated));
        Assert.Equal((0, 100, 0), (again.Inserted, again.Duplicates, again.AlertsCreated));
        Assert.Equal(3, list.Alerts.Count);
        Assert.NotEmpty(list.NextPageToken);
        Assert.Equal(alert, got.Alert);
        Assert.Equal(alert.TransactionId, got.Decision.Transaction.TransactionId);
        Assert.Equal("ACCOUNT_VELOCITY_1H", got.Decision.Reasons[0].Code);
        Assert.Equal(2, updated.Alert.Version);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, badMove.StatusCode);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task InvalidBatch_IsRefusedWithFieldViolationsAndStoresNothing()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(InvalidBatch_IsRefusedWithFieldViolationsAndStoresNothing), Timeout);
        await using var host = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        var request = new RecordDecisionsRequest();
        request.Decisions.AddRange(Decisions.Range("invalid", 0, 3));
        request.Decisions[1].Transaction.Currency = "euro";
        request.Decisions[2].Decision = Decision.Unspecified;

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.RecordDecisionsAsync(request, Call).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() => host.Client.RecordDecisionsAsync(new RecordDecisionsRequest(), Call).ResponseAsync);
        var badList = await Assert.ThrowsAsync<RpcException>(() => host.Client.ListAlertsAsync(new ListAlertsRequest { PageToken = "forged" }, Call).ResponseAsync);
        var list = await host.Client.ListAlertsAsync(new ListAlertsRequest(), Call);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.Details.Single(d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>();
        Assert.Equal(["decisions[1].transaction.currency", "decisions[2].decision"], badRequest.FieldViolations.Select(v => v.Field));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badList.StatusCode);
        Assert.Empty(list.Alerts);
    }

    [Fact]
    public async Task ReportLabelWithFeatureServiceDown_IsStoredAndQueued()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(ReportLabelWithFeatureServiceDown_IsStoredAndQueued), Timeout);
        await using var host = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        var request = new RecordDecisionsRequest();
        request.Decisions.AddRange(Decisions.Range("label", 0, 2));
        await host.Client.RecordDecisionsAsync(request, Call);

        var first = await host.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "label-00000001", Kind = LabelKind.Chargeback, Source = "issuer-chargeback-feed",
        }, Call);
        var repeat = await host.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "label-00000001", Kind = LabelKind.Chargeback, Source = "issuer-chargeback-feed",
        }, Call);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => host.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "never-scored", Kind = LabelKind.Chargeback,
        }, Call).ResponseAsync);
        var noKind = await Assert.ThrowsAsync<RpcException>(() => host.Client.ReportLabelAsync(new ReportLabelRequest
        {
            TransactionId = "label-00000001",
        }, Call).ResponseAsync);

        Assert.True(first.Recorded);
        Assert.False(first.Forwarded);
        Assert.False(repeat.Recorded);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, noKind.StatusCode);
    }

    [Fact]
    public async Task WatchAlertsOnTwoReplicas_BothReceiveANewAlert()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(WatchAlertsOnTwoReplicas_BothReceiveANewAlert), Timeout);
        await using var replicaA = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        await using var replicaB = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var watchA = replicaA.Client.WatchAlerts(new WatchAlertsRequest(), new CallOptions(cancellationToken: cancel.Token));
        using var watchB = replicaB.Client.WatchAlerts(new WatchAlertsRequest { MinScore = 0.9 }, new CallOptions(cancellationToken: cancel.Token));
        await watchA.ResponseHeadersAsync.WaitAsync(Timeout);
        await watchB.ResponseHeadersAsync.WaitAsync(Timeout);

        // Recorded through replica A only: B hears of it through Postgres.
        var request = new RecordDecisionsRequest();
        request.Decisions.Add(Decisions.Make("watch", 1, alertEvery: 1)); // DECLINE, score 0.95+
        request.Decisions.Add(Decisions.Make("watch", 2, alertEvery: 1)); // REVIEW, score 0.7+: below B's minimum
        await replicaA.Client.RecordDecisionsAsync(request, Call);

        var seenByA = new List<WatchAlertsResponse>();
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await watchA.ResponseStream.MoveNext(cancel.Token));
            seenByA.Add(watchA.ResponseStream.Current);
        }

        Assert.True(await watchB.ResponseStream.MoveNext(cancel.Token));
        var seenByB = watchB.ResponseStream.Current;

        Assert.Equal(["watch-00000001", "watch-00000002"], seenByA.Select(e => e.Alert.TransactionId).Order());
        Assert.All(seenByA, e => Assert.Equal(AlertEventType.Created, e.EventType));
        Assert.Equal("watch-00000001", seenByB.Alert.TransactionId);
        Assert.Equal(Decision.Decline, seenByB.Alert.Decision);
    }
}
