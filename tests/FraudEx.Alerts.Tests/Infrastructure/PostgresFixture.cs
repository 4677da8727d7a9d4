using FraudEx.Alerts.Storage;
using FraudEx.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests.Infrastructure;

/// <summary>One throwaway Postgres cluster for the test assembly; every test gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("Postgres is not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _server = await PostgresServer.StartAsync(cancellationToken: timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh database with the alert schema applied, and a data source on it.</summary>
    public async Task<NpgsqlDataSource> CreateMigratedDatabaseAsync(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var connectionString = await Server.CreateDatabaseAsync(name, timeout.Token);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(timeout.Token);
        return dataSource;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
