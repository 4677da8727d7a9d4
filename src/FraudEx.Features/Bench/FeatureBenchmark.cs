using System.Diagnostics;
using System.Globalization;
using FraudEx.Features.Engine;
using StackExchange.Redis;

namespace FraudEx.Features.Bench;

/// <summary>
/// Throughput and latency of <see cref="FeatureStore.ComputeAsync"/> for batches of 1 and 256 against a local
/// redis-server, and Redis memory per account. Options: --redis CONNSTR (default: start /usr/bin/redis-server on a free
/// port), --seconds N per round (default 2), --rounds N per scenario (default 5), --accounts N (default 100000), --callers1 N concurrent callers for
/// batch 1 (default 32), --callers256 N for batch 256 (default 4), --batches 1,256 the scenarios to run (default both), --no-memory to skip the memory report.
/// </summary>
internal static class FeatureBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var opts = Parse(args);
        await using var local = opts.Redis is null ? await LocalRedis.StartAsync(opts.RedisServer).ConfigureAwait(false) : null;
        var connection = opts.Redis ?? $"127.0.0.1:{local!.Port}";
        await using var redis = await FeatureStoreRedis.ConnectAsync(connection, o =>
        {
            o.AllowAdmin = true;
            o.SyncTimeout = o.AsyncTimeout = 10_000;
        }).ConfigureAwait(false);
        var version = (await Info(redis, "server").ConfigureAwait(false))
            .Split('\n').FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Trim() ?? "?";
        Console.WriteLine($"FraudEx feature store benchmark: schema {FeatureSchema.Version}, {Environment.ProcessorCount} cores, Redis {version} at {connection}");
        Console.WriteLine($"accounts {opts.Accounts:N0}, merchants 5,000, device on 70 %, IP on 60 %, location on 50 %; per scenario a 2 s warm-up, then {opts.Rounds} rounds of {opts.Seconds} s");
        Console.WriteLine();

        var prefix = "bench" + Guid.NewGuid().ToString("N")[..6];
        var store = new FeatureStore(redis, new FeatureStoreOptions { KeyPrefix = prefix, MaxConcurrentBatches = opts.ConcurrentBatches, MaxTransactionsPerRound = opts.RoundSize });
        var generator = new Generator(opts.Accounts);

        Console.WriteLine($"| scenario | callers | transactions/s (median of {opts.Rounds} rounds) | range over rounds | call p50 ms | call p99 ms | calls | client CPU µs/tx | Redis CPU µs/tx | tx/s if both had the 2 cores alone |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var batch in opts.Batches)
        {
            await Scenario(redis, store, generator, batch, callers: batch == 1 ? opts.Callers1 : opts.Callers256, opts.Seconds, opts.Rounds).ConfigureAwait(false);
        }

        EngineOnly(generator);
        Console.WriteLine();

        if (opts.Memory)
        {
            await MemoryReport(redis, opts.Redis is null).ConfigureAwait(false);
        }

        await redis.GetDatabase().ExecuteAsync("FLUSHDB").ConfigureAwait(false);
        return 0;
    }

    private static async Task Scenario(IConnectionMultiplexer redis, FeatureStore store, Generator generator, int batch, int callers, int seconds, int rounds)
    {
        // Warm-up: JIT, connection, script cache, and entities that already exist (the steady state).
        await RunFor(store, generator.Next(120_000), batch, callers, TimeSpan.FromSeconds(2), null).ConfigureAwait(false);
        var latencies = new List<double>[callers];
        var all = new List<double>();
        var rates = new List<double>();
        long transactions = 0;
        var clientCpu = TimeSpan.Zero;
        double redisCpu = 0;

        // Several short rounds rather than one long one: on a shared machine the median round is the figure that
        // repeats; the spread between rounds says how noisy the machine was. Each round's transactions are generated
        // before it starts, so neither its time nor its CPU figures include making up the traffic.
        for (var round = 0; round < rounds; round++)
        {
            var pool = generator.Next(seconds * 60_000);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var redis0 = await RedisCpuSeconds(redis).ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            var count = await RunFor(store, pool, batch, callers, TimeSpan.FromSeconds(seconds), latencies).ConfigureAwait(false);
            sw.Stop();
            clientCpu += Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            redisCpu += await RedisCpuSeconds(redis).ConfigureAwait(false) - redis0;
            rates.Add(count / sw.Elapsed.TotalSeconds);
            transactions += count;
            all.AddRange(latencies.SelectMany(l => l));
        }

        // CPU time per transaction does not depend on what else runs on the machine (wall-clock rates do): it gives
        // the rate the two cores would sustain for this workload alone.
        var clientUs = clientCpu.TotalMicroseconds / transactions;
        var redisUs = redisCpu * 1e6 / transactions;
        var capacity = Environment.ProcessorCount * 1e6 / (clientUs + redisUs);
        var sorted = all.Order().ToArray();
        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| ComputeFeatures batch {batch} | {callers} | {Percentile([.. rates], 0.5):N0} | {rates[0]:N0}–{rates[^1]:N0} | {Percentile(sorted, 0.50):0.00} | {Percentile(sorted, 0.99):0.00} | {sorted.Length:N0} | {clientUs:0.0} | {redisUs:0.0} | {capacity:N0} |"));
    }

    private static async Task<double> RedisCpuSeconds(IConnectionMultiplexer redis)
    {
        var info = await Info(redis, "cpu").ConfigureAwait(false);
        double total = 0;
        foreach (var line in info.Split('\n'))
        {
            var l = line.Trim();
            if (l.StartsWith("used_cpu_sys:", StringComparison.Ordinal) || l.StartsWith("used_cpu_user:", StringComparison.Ordinal))
            {
                total += double.Parse(l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>The pure engine over the in-memory store (what training's replay costs), for comparison.</summary>
    private static void EngineOnly(Generator generator)
    {
        var txs = generator.Next(200_000);
        var replay = new OfflineReplay();
        var sw = Stopwatch.StartNew();
        var rows = replay.Run(txs).Count();
        sw.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| engine only (OfflineReplay, in memory, {rows:N0} tx) | 1 | {rows / sw.Elapsed.TotalSeconds:N0} | - | - | - | - | - | - | - |"));
    }

    private static async Task<long> RunFor(FeatureStore store, List<TransactionEvent> pool, int batch, int callers, TimeSpan duration, List<double>[]? latencies)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long total = 0;
        var next = 0;
        var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = new List<double>();
            if (latencies is not null)
            {
                latencies[c] = mine;
            }

            while (Stopwatch.GetTimestamp() < end)
            {
                var from = Interlocked.Add(ref next, batch) - batch;
                if (from + batch > pool.Count)
                {
                    break;
                }

                var txs = pool.GetRange(from, batch);
                var start = Stopwatch.GetTimestamp();
                await store.ComputeAsync(txs).ConfigureAwait(false);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Add(ref total, batch);
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return total;
    }

    private static async Task MemoryReport(IConnectionMultiplexer redis, bool ownServer)
    {
        // A fresh key space: 20,000 accounts with 10 transactions each, spread over 10 days.
        const int Accounts = 20_000;
        const int PerAccount = 10;
        if (ownServer)
        {
            await redis.GetDatabase().ExecuteAsync("FLUSHDB").ConfigureAwait(false);
        }

        var db = redis.GetDatabase();
        var before = await UsedMemory(redis).ConfigureAwait(false);
        var prefix = "mem" + Guid.NewGuid().ToString("N")[..6];
        var store = new FeatureStore(redis, new FeatureStoreOptions { KeyPrefix = prefix });
        var rng = new Random(3);
        var t0 = DateTimeOffset.UtcNow.AddDays(-10).ToUnixTimeMilliseconds();
        for (var round = 0; round < PerAccount; round++)
        {
            var batch = new List<TransactionEvent>(256);
            for (var a = 0; a < Accounts; a++)
            {
                batch.Add(new TransactionEvent($"m{round}-{a}", $"acct-{a}", $"merchant-{rng.Next(5000)}", "5411", rng.Next(100, 50_000), "EUR",
                    t0 + round * 86_400_000L + a, PaymentChannel.Ecommerce, false, $"dev-{a}", null, 48 + rng.NextDouble(), 2 + rng.NextDouble(), "DE", "DE"));
                if (batch.Count == 256)
                {
                    await store.ComputeAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await store.ComputeAsync(batch).ConfigureAwait(false);
            }
        }

        var after = await UsedMemory(redis).ConfigureAwait(false);
        double accountKey = 0, accountValue = 0, txKey = 0;
        const int Sample = 200;
        for (var a = 0; a < Sample; a++)
        {
            accountKey += (long)(await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}:{{a:acct-{a}}}:s").ConfigureAwait(false));
            accountValue += (long)(await db.ExecuteAsync("STRLEN", $"{prefix}:{{a:acct-{a}}}:s").ConfigureAwait(false));
            txKey += (long)(await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}:{{a:acct-{a}}}:t:m0-{a}").ConfigureAwait(false));
        }

        var merchantKey = (long)(await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}:{{m:merchant-1}}:s").ConfigureAwait(false));
        var deviceKey = (long)(await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}:{{d:dev-1}}:s").ConfigureAwait(false));
        Console.WriteLine($"Redis memory ({Accounts:N0} accounts x {PerAccount} transactions over 10 days, one device each, 5,000 merchants):");
        Console.WriteLine("| measure | bytes |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| account state value (STRLEN, mean of {Sample}) | {accountValue / Sample:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| account key (MEMORY USAGE, mean of {Sample}) | {accountKey / Sample:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| remembered transaction id + vector (MEMORY USAGE) | {txKey / Sample:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| merchant key / device key (MEMORY USAGE) | {merchantKey:N0} / {deviceKey:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| used_memory growth per account, everything included (INFO memory) | {(after - before) / (double)Accounts:N0} |"));
    }

    private static async Task<long> UsedMemory(IConnectionMultiplexer redis)
    {
        var info = await Info(redis, "memory").ConfigureAwait(false);
        var line = info.Split('\n').First(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return long.Parse(line["used_memory:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> Info(IConnectionMultiplexer redis, string section) =>
        await redis.GetServers()[0].InfoRawAsync(section).ConfigureAwait(false) ?? string.Empty;

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--redis": o.Redis = Value(); break;
                case "--redis-server": o.RedisServer = Value(); break;
                case "--rounds": o.Rounds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--seconds": o.Seconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--accounts": o.Accounts = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--callers1": o.Callers1 = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--callers256": o.Callers256 = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--concurrent-batches": o.ConcurrentBatches = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--round-size": o.RoundSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--no-memory": o.Memory = false; break;
                case "--batches": o.Batches = [.. Value().Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture))]; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        return o;
    }

    private sealed class Options
    {
        public string? Redis { get; set; }

        public string RedisServer { get; set; } = "/usr/bin/redis-server";

        public int Seconds { get; set; } = 2;

        public int Rounds { get; set; } = 5;

        public int Accounts { get; set; } = 100_000;

        public int Callers1 { get; set; } = 32;

        public int Callers256 { get; set; } = 4;

        public int[] Batches { get; set; } = [1, 256];

        public bool Memory { get; set; } = true;

        public int ConcurrentBatches { get; set; } = new FeatureStoreOptions().MaxConcurrentBatches;

        public int RoundSize { get; set; } = new FeatureStoreOptions().MaxTransactionsPerRound;
    }

    /// <summary>Synthetic traffic: random accounts and merchants, event time moving forward with the wall clock.</summary>
    private sealed class Generator(int accounts)
    {
        private long _sequence;

        public List<TransactionEvent> Next(int count)
        {
            var rng = Random.Shared;
            var list = new List<TransactionEvent>(count);
            for (var i = 0; i < count; i++)
            {
                var n = Interlocked.Increment(ref _sequence);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var hasLocation = rng.NextDouble() < 0.5;
                list.Add(new TransactionEvent(
                    $"b{n}",
                    $"acct-{rng.Next(accounts)}",
                    $"merchant-{rng.Next(5000)}",
                    "5411",
                    rng.Next(100, 100_000),
                    "EUR",
                    now,
                    PaymentChannel.Ecommerce,
                    rng.NextDouble() < 0.5,
                    rng.NextDouble() < 0.7 ? $"dev-{rng.Next(accounts)}" : null,
                    rng.NextDouble() < 0.6 ? $"10.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(256)}" : null,
                    hasLocation ? 40 + rng.NextDouble() * 10 : null,
                    hasLocation ? rng.NextDouble() * 10 : null,
                    "DE",
                    "DE"));
            }

            return list;
        }
    }
}
