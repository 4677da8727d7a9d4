using System.Diagnostics;
using System.Globalization;
using FraudEx.Alerts.Client;
using FraudEx.Alerts.Storage;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Sustained decisions/s into Postgres.
//   --mode store   DecisionStore directly: binary COPY + INSERT ... ON CONFLICT, W writers with batches of B.
//   --mode grpc    end to end: DecisionSpool (fsync'd) → RecordDecisions over gRPC → FraudEx.Alerts process → Postgres.
// Starts its own throwaway Postgres 15 (fsync on, default durability) unless --connection is given.
var options = Options.Parse(args);
await using var server = options.Connection is null ? await PostgresServer.StartAsync() : null;
var connectionString = options.Connection ?? await server!.CreateDatabaseAsync("bench");
await using var dataSource = NpgsqlDataSource.Create(connectionString);
await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

Console.WriteLine($"mode={options.Mode} duration={options.Duration.TotalSeconds}s batch={options.Batch} writers={options.Writers} " +
                  $"features={options.Features} alerts=1 in {options.AlertEvery} cores={Environment.ProcessorCount}");
var cpu = server is null ? null : new CpuMeter(server.DataDirectory, () => Bench.ServicePid);
var (samples, steadyDecisions, steadyCpu) = options.Mode == "grpc"
    ? await Bench.GrpcAsync(options, connectionString, cpu)
    : await Bench.StoreAsync(options, dataSource, cpu);

var rows = await Bench.CountAsync(dataSource, "SELECT count(*) FROM decisions");
var alerts = await Bench.CountAsync(dataSource, "SELECT count(*) FROM alerts");
var steady = samples.Skip(options.Warmup).ToList(); // the first seconds include warm-up (JIT, connection pool)
steady.Sort();
Console.WriteLine($"per-second samples: {string.Join(' ', samples.Select(s => s.ToString("F0", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"stored rows: {rows:N0} decisions, {alerts:N0} alerts");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sustained decisions/s into Postgres: median {steady[steady.Count / 2]:F0}, min {steady[0]:F0}, max {steady[^1]:F0}, mean {steady.Average():F0} (1-s samples, seconds {options.Warmup + 1}..{samples.Count})"));
if (steadyCpu > 0)
{
    var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"CPU: {steadyCpu:F1} CPU-s (bench + Postgres{(options.Mode == "grpc" ? " + alert service" : "")}) for {steadyDecisions:N0} decisions = {steadyDecisions / steadyCpu:F0} decisions per CPU-second; " +
        $"with both cores to itself: ~{2 * steadyDecisions / steadyCpu:F0} decisions/s (load average now {load})"));
}

internal sealed record Options(string Mode, TimeSpan Duration, int Batch, int Writers, int Features, int AlertEvery, string? Connection, int Warmup)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var mode = Get("--mode", "store");
        if (mode is not ("store" or "grpc"))
        {
            throw new ArgumentException("--mode is store or grpc");
        }

        return new Options(mode, TimeSpan.FromSeconds(int.Parse(Get("--seconds", "20"), CultureInfo.InvariantCulture)),
            int.Parse(Get("--batch", "5000"), CultureInfo.InvariantCulture), int.Parse(Get("--writers", "2"), CultureInfo.InvariantCulture),
            int.Parse(Get("--features", "32"), CultureInfo.InvariantCulture), int.Parse(Get("--alert-every", "20"), CultureInfo.InvariantCulture),
            args.Contains("--connection") ? Get("--connection", "") : null,
            int.Parse(Get("--warmup", "5"), CultureInfo.InvariantCulture));
    }
}

internal static class Bench
{
    private static long _next;

    public static int? ServicePid { get; private set; }

    public static async Task<(List<double>, long, double)> StoreAsync(Options options, NpgsqlDataSource dataSource, CpuMeter? cpu)
    {
        var store = new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance);
        long stored = 0;
        using var stop = new CancellationTokenSource(options.Duration);
        var writers = Enumerable.Range(0, options.Writers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = NextBatch(options);
                await store.RecordAsync(batch, CancellationToken.None);
                Interlocked.Add(ref stored, batch.Count);
            }
        })).ToList();
        var result = await SampleAsync(() => Interlocked.Read(ref stored), options.Duration, options.Warmup, cpu);
        await Task.WhenAll(writers);
        return result;
    }

    public static async Task<(List<double>, long, double)> GrpcAsync(Options options, string connectionString, CpuMeter? cpu)
    {
        var port = FreePort.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "FraudEx.Alerts.dll");
        await using var host = ChildProcess.Start("dotnet", [dll], AppContext.BaseDirectory, new Dictionary<string, string?>
        {
            ["ConnectionStrings__alertsdb"] = connectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        ServicePid = host.Id;
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var spoolDirectory = Path.Combine(Path.GetTempPath(), "fraudex-bench-spool-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var spoolOptions = new DecisionSpoolOptions
            {
                Directory = spoolDirectory,
                BatchSize = Math.Min(options.Batch, 5000),
                MaxInFlightBatches = options.Writers,
            };
            await using var spool = await DecisionSpool.OpenAsync(spoolOptions,
                new AlertServiceDecisionRecorder(new DecisionShipClient(channel)), NullLogger<DecisionSpool>.Instance);
            using var stop = new CancellationTokenSource(options.Duration);
            // The producer hands over 500 decisions per EnqueueAsync (a scorer's micro-batch), staying at most 50,000
            // ahead of the shipper so the figure is throughput into Postgres, not into the spool.
            var producer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (spool.SpooledCount - spool.ShippedCount > 50_000)
                    {
                        await Task.Delay(1);
                        continue;
                    }

                    await spool.EnqueueAsync(NextBatch(options with { Batch = 500 }));
                }
            });
            var result = await SampleAsync(() => spool.ShippedCount, options.Duration, options.Warmup, cpu);
            await producer;
            await spool.WaitForDrainAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            return result;
        }
        finally
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }
    }

    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Per-second throughput samples, and decisions and CPU seconds after the warm-up seconds.</summary>
    private static async Task<(List<double>, long, double)> SampleAsync(Func<long> counter, TimeSpan duration, int warmup, CpuMeter? cpu)
    {
        var samples = new List<double>();
        long steadyStart = 0;
        double cpuStart = 0;
        var clock = Stopwatch.StartNew();
        var last = counter();
        var lastTime = 0.0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
        {
            var now = counter();
            var time = clock.Elapsed.TotalSeconds;
            samples.Add((now - last) / (time - lastTime));
            last = now;
            lastTime = time;
            if (samples.Count == warmup)
            {
                steadyStart = now;
                cpuStart = cpu?.Snapshot() ?? 0;
            }
        }

        return (samples, last - steadyStart, cpu is null ? 0 : cpu.Snapshot() - cpuStart);
    }

    private static readonly DecisionRecord[] Templates = [Template(Decision.Approve), Template(Decision.Review), Template(Decision.Decline)];

    private static List<DecisionRecord> NextBatch(Options options)
    {
        var batch = new List<DecisionRecord>(options.Batch);
        var first = Interlocked.Add(ref _next, options.Batch) - options.Batch;
        for (var i = first; i < first + options.Batch; i++)
        {
            var kind = i % options.AlertEvery == 0 ? (i / options.AlertEvery % 2 == 0 ? 1 : 2) : 0;
            var record = Templates[kind].Clone();
            record.Transaction.TransactionId = "bench-" + i.ToString(CultureInfo.InvariantCulture);
            record.Transaction.AccountId = "acct-" + (i % 100_003).ToString(CultureInfo.InvariantCulture);
            if (record.Features.Count != options.Features)
            {
                record.Features.Clear();
                record.Features.Add(Enumerable.Range(0, options.Features).Select(f => f / 10f));
            }

            batch.Add(record);
        }

        return batch;
    }

    private static DecisionRecord Template(Decision decision)
    {
        var now = DateTime.UtcNow;
        var record = new DecisionRecord
        {
            Transaction = new Transaction
            {
                TransactionId = "t",
                AccountId = "a",
                MerchantId = "merchant-0042",
                MerchantCategoryCode = "5411",
                AmountMinor = 12_345,
                Currency = "EUR",
                Timestamp = Timestamp.FromDateTime(now),
                Channel = Channel.Ecommerce,
                DeviceId = "device-7f3a",
                IpAddress = "203.0.113.7",
                Country = "FR",
                MerchantCountry = "DE",
            },
            Score = decision switch { Decision.Decline => 0.97, Decision.Review => 0.74, _ => 0.03 },
            Decision = decision,
            ModelVersion = "fraud-1.0.0",
            FeatureSchemaVersion = "fx-1",
            DecidedAt = Timestamp.FromDateTime(now),
            ServerProcessingTime = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1.8)),
        };
        record.Reasons.Add(new Reason { Code = "ACCOUNT_VELOCITY_1H", Description = "Many payments on the account in the last hour.", Contribution = 1.2 });
        record.Reasons.Add(new Reason { Code = "AMOUNT_VS_ACCOUNT_MEDIAN", Description = "Amount far above the account's usual.", Contribution = 0.7 });
        record.Reasons.Add(new Reason { Code = "NEW_DEVICE", Description = "First payment from this device.", Contribution = 0.4 });
        record.Features.Add(Enumerable.Range(0, 32).Select(f => f / 10f));
        return record;
    }
}
