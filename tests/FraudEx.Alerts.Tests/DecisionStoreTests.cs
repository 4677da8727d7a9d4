using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class DecisionStoreTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [Fact]
    public async Task SameTenThousandDecisionsSentTwice_StoresTenThousandRows()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(SameTenThousandDecisionsSentTwice_StoresTenThousandRows));
        var store = new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance);
        var decisions = Decisions.Range("idem", 0, 10_000);

        var first = await store.RecordAsync(decisions, Timeout);
        var second = await store.RecordAsync(decisions, Timeout);

        Assert.Equal((10_000, 0, 1000), (first.Inserted, first.Duplicates, first.AlertIds.Count));
        Assert.Equal((0, 10_000, 0), (second.Inserted, second.Duplicates, second.AlertIds.Count));
        Assert.Equal(10_000, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
        Assert.Equal(1000, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM alerts"));
    }

    [Fact]
    public async Task OverlappingBatchesAndDuplicatesInsideOneBatch_StoreEachTransactionOnce()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(OverlappingBatchesAndDuplicatesInsideOneBatch_StoreEachTransactionOnce));
        var store = new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance);
        var batch = Decisions.Range("overlap", 0, 100);
        batch.AddRange(Decisions.Range("overlap", 50, 100));

        var results = await Task.WhenAll(store.RecordAsync(batch, Timeout), store.RecordAsync(Decisions.Range("overlap", 120, 100), Timeout));

        Assert.Equal(220, results.Sum(r => r.Inserted));
        Assert.Equal(220, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
        Assert.Equal(22, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM alerts"));
    }

    [Fact]
    public async Task RecordedDecision_ReadsBackFieldForField()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(RecordedDecision_ReadsBackFieldForField));
        var store = new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance);
        var original = Decisions.Make("roundtrip", 20);
        var approve = Decisions.Make("roundtrip", 21);
        approve.ClearChallengerScore();
        approve.Transaction.Location = null;

        await store.RecordAsync([original, approve], Timeout);
        var read = await store.GetAsync(original.Transaction.TransactionId, Timeout);
        var readApprove = await store.GetAsync(approve.Transaction.TransactionId, Timeout);

        Assert.Equal(original, read);
        Assert.Equal(approve, readApprove);
        Assert.Null(await store.GetAsync("unknown", Timeout));
    }
}
