using FraudEx.Alerts.Client;
using FraudEx.Alerts.Client.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using FraudEx.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class DecisionSpoolTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fraudex-spool-" + Guid.NewGuid().ToString("N")[..12]);

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task ConcurrentProducers_EveryDecisionStoredOnceAndSegmentsDeleted()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(ConcurrentProducers_EveryDecisionStoredOnceAndSegmentsDeleted));
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance));
        var options = new DecisionSpoolOptions { Directory = _directory, SegmentBytes = 256 * 1024, BatchSize = 500 };
        await using var spool = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                await spool.EnqueueAsync(Decisions.Make($"conc{p}", i), Timeout);
            }
        })));
        await spool.EnqueueAsync(Decisions.Range("concbatch", 0, 2000), Timeout);
        await spool.WaitForDrainAsync(Timeout);

        Assert.Equal(10_000, spool.SpooledCount);
        Assert.Equal(10_000, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
        Assert.Single(SpoolFormat.ListSegments(_directory));
    }

    [Fact]
    public async Task ReopenedAfterCrashWithTornTail_ShipsEveryDurableDecision()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(ReopenedAfterCrashWithTornTail_ShipsEveryDurableDecision));
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)) { Down = true };
        var options = new DecisionSpoolOptions { Directory = _directory, SegmentBytes = 64 * 1024 };
        var spool = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);
        await spool.EnqueueAsync(Decisions.Range("torn", 0, 1500), Timeout);
        await spool.DisposeAsync();
        // A write the crash cut in half: a frame header promising more bytes than follow.
        var last = SpoolFormat.SegmentPath(_directory, SpoolFormat.ListSegments(_directory)[^1]);
        await File.AppendAllBytesAsync(last, [200, 1, 0, 0, 1, 2, 3, 4, 5, 6], Timeout);

        recorder.Down = false;
        await using var reopened = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);
        await reopened.WaitForDrainAsync(Timeout);

        Assert.Equal(1500, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
    }

    [Fact]
    public async Task SpacePreparedAhead_IsZerosThatRecoveryTreatsAsTheEndEvenUnderATornWrite()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(SpacePreparedAhead_IsZerosThatRecoveryTreatsAsTheEndEvenUnderATornWrite));
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)) { Down = true };
        var options = new DecisionSpoolOptions { Directory = _directory, PreallocateBytes = 256 * 1024 };
        var spool = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);
        for (var i = 0; i < 1500; i += 100)
        {
            await spool.EnqueueAsync(Decisions.Range("ahead", i, 100), Timeout);
        }

        await spool.DisposeAsync();
        var path = SpoolFormat.SegmentPath(_directory, Assert.Single(SpoolFormat.ListSegments(_directory)));
        long dataEnd;
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
        {
            dataEnd = SpoolFormat.ScanValidLength(handle, out var frames);
            Assert.Equal(1500, frames);
            Assert.True(RandomAccess.GetLength(handle) >= dataEnd + (options.PreallocateBytes / 2), "zero-filled space ahead of the data");
            Assert.True(SpoolFormat.IsZeroFrom(handle, dataEnd));
            // A crash in the middle of the next write: part of a frame over the zeros.
            RandomAccess.Write(handle, new byte[] { 200, 1, 0, 0, 1, 2, 3, 4, 5, 6 }, dataEnd);
        }

        recorder.Down = false;
        await using var reopened = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);
        await reopened.WaitForDrainAsync(Timeout);
        await reopened.EnqueueAsync(Decisions.Range("after", 0, 10), Timeout);
        await reopened.WaitForDrainAsync(Timeout);

        Assert.Equal(1510, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
    }

    [Fact]
    public async Task SecondSpoolOnTheSameDirectory_IsRefusedWhileTheFirstIsOpen()
    {
        var recorder = new StoreRecorder(null!) { Down = true };
        var options = new DecisionSpoolOptions { Directory = _directory };
        var first = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);

        var error = await Assert.ThrowsAsync<IOException>(() => DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout));
        await first.DisposeAsync();
        await using var reopened = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);

        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidDecision_IsRefusedBeforeItReachesTheSpool()
    {
        var recorder = new StoreRecorder(null!) { Down = true };
        await using var spool = await DecisionSpool.OpenAsync(new DecisionSpoolOptions { Directory = _directory }, recorder,
            NullLogger<DecisionSpool>.Instance, Timeout);
        var bad = Decisions.Make("bad", 1);
        bad.Score = double.NaN;
        bad.Transaction.TransactionId = "";

        var error = await Assert.ThrowsAsync<InvalidDecisionException>(() => spool.EnqueueAsync(bad, Timeout).AsTask());

        Assert.Equal(["decision.score", "decision.transaction.transaction_id"], error.Violations.Select(v => v.Field).Order());
        Assert.Equal(0, spool.SpooledCount);
    }

    [Fact]
    public async Task PostgresStoppedForTenSecondsUnderLoad_EveryHandedOverDecisionStoredOnce()
    {
        // Its own cluster: stopping the shared one would disturb the other tests.
        await using var server = await PostgresServer.StartAsync(cancellationToken: Timeout);
        var connectionString = await server.CreateDatabaseAsync("pgstop", Timeout);
        await using var dataSource = NpgsqlDataSource.Create(connectionString + ";Timeout=3");
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Timeout);
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance));
        var options = new DecisionSpoolOptions { Directory = _directory, MaxRetryDelay = TimeSpan.FromSeconds(1) };
        await using var spool = await DecisionSpool.OpenAsync(options, recorder, NullLogger<DecisionSpool>.Instance, Timeout);

        using var stopProducing = new CancellationTokenSource();
        var handedOver = 0;
        var producer = Task.Run(async () =>
        {
            for (var i = 0; !stopProducing.IsCancellationRequested; i += 100)
            {
                await spool.EnqueueAsync(Decisions.Range("pgstop", i, 100), Timeout);
                Interlocked.Add(ref handedOver, 100);
                await Task.Delay(10, CancellationToken.None);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        await server.StopAsync(immediate: true, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(10), Timeout);
        var duringOutage = Volatile.Read(ref handedOver);
        await server.StartAgainAsync(Timeout);
        await Task.Delay(TimeSpan.FromSeconds(3), Timeout);
        await stopProducing.CancelAsync();
        await producer.WaitAsync(Timeout);
        await spool.WaitForDrainAsync(Timeout);

        Assert.True(duringOutage > 1000, $"the producer should keep handing decisions over during the outage ({duringOutage})");
        Assert.Equal(handedOver, await Sql.ScalarAsync(dataSource, "SELECT count(DISTINCT transaction_id) FROM decisions"));
        Assert.Equal(handedOver, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
        Assert.Equal(handedOver / 10, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM alerts"));
    }
}
