using System.Globalization;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AlertStoreTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    [Fact]
    public async Task KeysetPagesOverFiftyThousandAlerts_HaveNoDuplicatesOrGaps()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(KeysetPagesOverFiftyThousandAlerts_HaveNoDuplicatesOrGaps));
        var decisions = new DecisionStore(dataSource, new SteppingClock(), NullLogger<DecisionStore>.Instance);
        // Every decision opens an alert; batches of 5,000 share a created_at, so the tie-break on alert_id is exercised.
        for (var start = 0; start < 50_000; start += 5_000)
        {
            await decisions.RecordAsync(Decisions.Range("page", start, 5_000, alertEvery: 1), Timeout);
        }

        var store = new AlertStore(dataSource, TimeProvider.System);
        var seen = new List<long>();
        var request = new ListAlertsRequest { PageSize = 1000 };
        var pages = 0;
        do
        {
            var page = await store.ListAsync(request, Timeout);
            seen.AddRange(page.Alerts.Select(a => long.Parse(a.AlertId, CultureInfo.InvariantCulture)));
            request.PageToken = page.NextPageToken;
            request.PageSize = pages % 2 == 0 ? 777 : 1000;
            pages++;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(50_000, seen.Count);
        Assert.Equal(50_000, seen.Distinct().Count());
        var all = await AllAlertIdsNewestFirstAsync(dataSource);
        Assert.Equal(all, seen);
    }

    [Fact]
    public async Task Filters_CombineAndPageWithinTheFilter()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(Filters_CombineAndPageWithinTheFilter));
        var clock = new SteppingClock();
        var decisions = new DecisionStore(dataSource, clock, NullLogger<DecisionStore>.Instance);
        for (var start = 0; start < 3000; start += 500)
        {
            await decisions.RecordAsync(Decisions.Range("filter", start, 500, alertEvery: 2), Timeout);
        }

        var store = new AlertStore(dataSource, TimeProvider.System);
        var request = new ListAlertsRequest
        {
            Decision = Decision.Decline,
            Status = AlertStatus.Open,
            MinScore = 0.955,
            AccountId = "acct-4",
            CreatedAfter = Timestamp.FromDateTime(SteppingClock.Start.AddMinutes(1)),
            PageSize = 1,
        };
        var found = new List<Alert>();
        do
        {
            var page = await store.ListAsync(request, Timeout);
            found.AddRange(page.Alerts);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        var expected = await Sql.ScalarAsync(dataSource,
            "SELECT count(*) FROM alerts WHERE decision = 3 AND status = 1 AND score >= 0.955 AND account_id = 'acct-4' " +
            $"AND created_at >= '{SteppingClock.Start.AddMinutes(1):O}'");
        Assert.True(expected > 0, "the data set should contain matching alerts");
        Assert.Equal(expected, found.Count);
        Assert.All(found, a => Assert.True(a.Decision == Decision.Decline && a.Score >= 0.955 && a.AccountId == "acct-4"));
    }

    [Fact]
    public async Task TamperedOrRebound_PageTokenIsRefused()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(TamperedOrRebound_PageTokenIsRefused));
        await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)
            .RecordAsync(Decisions.Range("token", 0, 50, alertEvery: 1), Timeout);
        var store = new AlertStore(dataSource, TimeProvider.System);
        var page = await store.ListAsync(new ListAlertsRequest { PageSize = 10 }, Timeout);
        var token = page.NextPageToken;
        var tampered = (token[5] == 'A' ? "B" : "A") is var c ? token[..5] + c + token[6..] : token;

        var edited = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.ListAsync(new ListAlertsRequest { PageSize = 10, PageToken = tampered }, Timeout));
        var rebound = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.ListAsync(new ListAlertsRequest { PageSize = 10, PageToken = token, Decision = Decision.Review }, Timeout));

        Assert.Equal(AlertError.InvalidArgument, edited.Error);
        Assert.Equal("page_token", Assert.Single(edited.Violations).Field);
        Assert.Equal(AlertError.InvalidArgument, rebound.Error);
    }

    [Fact]
    public async Task InvalidFilters_AreRefusedWithFieldViolations()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(InvalidFilters_AreRefusedWithFieldViolations));
        var store = new AlertStore(dataSource, TimeProvider.System);

        var error = await Assert.ThrowsAsync<AlertServiceException>(() => store.ListAsync(new ListAlertsRequest
        {
            PageSize = 5000,
            MinScore = 1.5,
            Decision = Decision.Approve,
            CreatedAfter = Timestamp.FromDateTime(SteppingClock.Start.AddDays(1)),
            CreatedBefore = Timestamp.FromDateTime(SteppingClock.Start),
        }, Timeout));

        Assert.Equal(AlertError.InvalidArgument, error.Error);
        Assert.Equal(["decision", "min_score", "page_size"], error.Violations.Select(v => v.Field).Order());
    }

    [Fact]
    public async Task UpdateWithStaleVersion_IsRefusedAndChangesNothing()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(UpdateWithStaleVersion_IsRefusedAndChangesNothing));
        var recorded = await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)
            .RecordAsync(Decisions.Range("stale", 0, 1, alertEvery: 1), Timeout);
        var store = new AlertStore(dataSource, TimeProvider.System);
        var id = recorded.AlertIds[0].ToString(CultureInfo.InvariantCulture);

        var first = await store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 1, Status = AlertStatus.InReview, Assignee = "jane" }, Timeout);
        var stale = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 1, Notes = "overwrites jane" }, Timeout));
        var after = await store.GetAsync(id, Timeout);

        Assert.Equal(2, first.Version);
        Assert.Equal(AlertError.Conflict, stale.Error);
        Assert.Equal(2, after.Alert.Version);
        Assert.Equal("", after.Alert.Notes);
        Assert.Equal("jane", after.Alert.Assignee);
        Assert.Equal(AlertStatus.InReview, after.Alert.Status);
        Assert.Equal("stale-00000000", after.Decision.Transaction.TransactionId);
        Assert.Equal(2, after.Decision.Reasons.Count);
    }

    [Fact]
    public async Task Workflow_AllowsOnlyDocumentedTransitionsAndRecordsTheLabel()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(Workflow_AllowsOnlyDocumentedTransitionsAndRecordsTheLabel));
        var recorded = await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)
            .RecordAsync(Decisions.Range("flow", 0, 1, alertEvery: 1), Timeout);
        var store = new AlertStore(dataSource, TimeProvider.System);
        var id = recorded.AlertIds[0].ToString(CultureInfo.InvariantCulture);

        var toClosed = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 1, Status = AlertStatus.Closed }, Timeout));
        var confirmed = await store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 1, Status = AlertStatus.ConfirmedFraud, Assignee = "jane" }, Timeout);
        var back = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 2, Status = AlertStatus.Open }, Timeout));
        var closed = await store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 2, Status = AlertStatus.Closed }, Timeout);
        var afterClose = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.UpdateAsync(new UpdateAlertRequest { AlertId = id, ExpectedVersion = 3, Notes = "late" }, Timeout));
        var missing = await Assert.ThrowsAsync<AlertServiceException>(() =>
            store.UpdateAsync(new UpdateAlertRequest { AlertId = "999999", ExpectedVersion = 1, Notes = "x" }, Timeout));

        Assert.Equal(AlertError.FailedPrecondition, toClosed.Error);
        Assert.Equal(AlertStatus.ConfirmedFraud, confirmed.Status);
        Assert.Equal(AlertError.FailedPrecondition, back.Error);
        Assert.Equal(AlertStatus.Closed, closed.Status);
        Assert.Equal(AlertError.FailedPrecondition, afterClose.Error);
        Assert.Equal(AlertError.NotFound, missing.Error);
        Assert.Equal(1, await Sql.ScalarAsync(dataSource,
            "SELECT count(*) FROM labels WHERE transaction_id = 'flow-00000000' AND kind = 1 AND source = 'analyst:jane'"));
    }

    [Theory]
    [InlineData(AlertStatus.Open, AlertStatus.InReview, true)]
    [InlineData(AlertStatus.Open, AlertStatus.FalsePositive, true)]
    [InlineData(AlertStatus.InReview, AlertStatus.ConfirmedFraud, true)]
    [InlineData(AlertStatus.FalsePositive, AlertStatus.Closed, true)]
    [InlineData(AlertStatus.InReview, AlertStatus.InReview, true)]
    [InlineData(AlertStatus.Open, AlertStatus.Closed, false)]
    [InlineData(AlertStatus.InReview, AlertStatus.Open, false)]
    [InlineData(AlertStatus.ConfirmedFraud, AlertStatus.FalsePositive, false)]
    [InlineData(AlertStatus.Closed, AlertStatus.Closed, false)]
    public void Workflow_CanMove_FollowsTheContract(AlertStatus from, AlertStatus to, bool allowed) =>
        Assert.Equal(allowed, AlertWorkflow.CanMove(from, to));

    private static async Task<List<long>> AllAlertIdsNewestFirstAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT alert_id FROM alerts ORDER BY created_at DESC, alert_id DESC");
        await using var reader = await command.ExecuteReaderAsync(Timeout);
        var ids = new List<long>();
        while (await reader.ReadAsync(Timeout))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>A clock that moves one minute per reading, so batches get distinct created_at values.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        public static readonly DateTime Start = new(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc);
        private int _calls;

        public override DateTimeOffset GetUtcNow() => Start.AddMinutes(Interlocked.Increment(ref _calls));
    }
}
