using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class DatabaseMigratorTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task EmptyDatabase_AppliesEveryMigrationThenRerunAppliesNone()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(EmptyDatabase_AppliesEveryMigrationThenRerunAppliesNone), Timeout);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance);

        var first = await migrator.MigrateAsync(Timeout);
        var second = await migrator.MigrateAsync(Timeout);

        Assert.Equal(DatabaseMigrator.Embedded.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(DatabaseMigrator.Embedded.Count, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM schema_migrations"));
        foreach (var table in new[] { "decisions", "alerts", "labels", "webhook_subscriptions", "webhook_deliveries" })
        {
            Assert.Equal(1, await Sql.ScalarAsync(dataSource, $"SELECT count(*) FROM pg_tables WHERE tablename = '{table}'"));
        }
    }

    [Fact]
    public async Task SeveralReplicasAtOnce_ApplyEachMigrationExactlyOnce()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(SeveralReplicasAtOnce_ApplyEachMigrationExactlyOnce), Timeout);
        var dataSources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var results = await Task.WhenAll(dataSources.Select(ds =>
                Task.Run(() => new DatabaseMigrator(ds, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Timeout))));

            Assert.Equal(DatabaseMigrator.Embedded.Count, results.Sum(r => r.Count));
            Assert.Equal(DatabaseMigrator.Embedded.Count, await Sql.ScalarAsync(dataSources[0], "SELECT count(*) FROM schema_migrations"));
        }
        finally
        {
            foreach (var ds in dataSources)
            {
                await ds.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AppliedMigrationChanged_IsRefused()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(AppliedMigrationChanged_IsRefused), Timeout);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(Timeout);
        await using (var tamper = dataSource.CreateCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync(Timeout);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(Timeout));
        Assert.Contains("changed after it was applied", error.Message, StringComparison.Ordinal);
    }
}
