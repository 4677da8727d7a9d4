using FraudEx.Alerts.Client;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests;

/// <summary>
/// The hand-off end to end under faults: a producer spools decisions and ships them over gRPC to the real alert
/// service process while that process is killed with SIGKILL, or while Postgres is down for ten seconds. Afterwards
/// every decision the producer was told is durable is in Postgres exactly once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FaultTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _spoolDirectory = Path.Combine(Path.GetTempPath(), "fraudex-spool-" + Guid.NewGuid().ToString("N")[..12]);

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    public void Dispose()
    {
        if (Directory.Exists(_spoolDirectory))
        {
            Directory.Delete(_spoolDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task AlertServiceKilledMidLoadAndRestarted_EveryHandedOverDecisionStoredOnce()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(AlertServiceKilledMidLoadAndRestarted_EveryHandedOverDecisionStoredOnce), Timeout);
        await using var host = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        await using var spool = await OpenSpoolAsync(host);
        await using var producer = new Producer(spool, "kill");

        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        var beforeKill = spool.ShippedCount;
        host.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2), Timeout);
        await host.RestartAsync(Timeout);
        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        var handedOver = await producer.StopAsync();
        await spool.WaitForDrainAsync(Timeout);

        Assert.True(beforeKill > 0, "the service should have stored decisions before it was killed");
        await AssertStoredExactlyOnceAsync(connectionString, handedOver);
    }

    [Fact]
    public async Task PostgresStoppedForTenSecondsBehindTheAlertService_EveryHandedOverDecisionStoredOnce()
    {
        await using var server = await PostgresServer.StartAsync(cancellationToken: Timeout);
        var connectionString = await server.CreateDatabaseAsync("pgfault", Timeout);
        await using var host = await AlertServiceHost.StartAsync(connectionString, cancellationToken: Timeout);
        await using var spool = await OpenSpoolAsync(host);
        await using var producer = new Producer(spool, "pgdown");

        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        await server.StopAsync(immediate: true, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(10), Timeout);
        await server.StartAgainAsync(Timeout);
        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        var handedOver = await producer.StopAsync();
        await spool.WaitForDrainAsync(Timeout);

        await AssertStoredExactlyOnceAsync(connectionString, handedOver);
    }

    private Task<DecisionSpool> OpenSpoolAsync(AlertServiceHost host) =>
        DecisionSpool.OpenAsync(
            new DecisionSpoolOptions
            {
                Directory = _spoolDirectory,
                MaxRetryDelay = TimeSpan.FromSeconds(1),
                SendTimeout = TimeSpan.FromSeconds(10),
            },
            new AlertServiceDecisionRecorder(new DecisionShipClient(host.Channel)), NullLogger<DecisionSpool>.Instance, Timeout);

    private static async Task AssertStoredExactlyOnceAsync(string connectionString, int handedOver)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.True(handedOver > 5000, $"the producer should have handed over a real load ({handedOver})");
        Assert.Equal(handedOver, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
        Assert.Equal(handedOver, await Sql.ScalarAsync(dataSource, "SELECT count(DISTINCT transaction_id) FROM decisions"));
        Assert.Equal(handedOver / 10, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM alerts"));
    }

    /// <summary>Hands decisions over in batches of 100 as a scorer would, until stopped; counts only the batches
    /// EnqueueAsync confirmed.</summary>
    private sealed class Producer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _handedOver;

        public Producer(DecisionSpool spool, string prefix)
        {
            _loop = Task.Run(async () =>
            {
                for (var i = 0; !_stop.IsCancellationRequested; i += 100)
                {
                    await spool.EnqueueAsync(Decisions.Range(prefix, i, 100), CancellationToken.None);
                    Interlocked.Add(ref _handedOver, 100);
                    await Task.Delay(5, CancellationToken.None);
                }
            });
        }

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TimeSpan.FromSeconds(30));
            return Volatile.Read(ref _handedOver);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}
