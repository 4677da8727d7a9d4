using System.Collections.Concurrent;
using System.Diagnostics;
using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Telemetry;
using Grpc.Core;
using Grpc.Health.V1;

namespace FraudEx.LoadGen;

/// <summary>
/// Applies the load. Closed loop: N workers, each sends its next call when the previous returns (latency from send).
/// Open loop: calls are due on a fixed schedule whatever happens to earlier ones, and latency is measured from the
/// intended send time, so a stall shows in full in the percentiles rather than slowing the sender down
/// (no coordinated omission).
/// </summary>
public sealed class LoadRunner(LoadGenOptions options, CallInvoker invoker, TextWriter log)
{
    private readonly ScoringService.ScoringServiceClient client = new(invoker);
    private readonly Health.HealthClient health = new(invoker);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);
    private readonly LatencyHistogram histogram = new();
    private readonly ConcurrentDictionary<string, long> errors = new();
    private readonly ConcurrentDictionary<string, long> flaggedBy = new(StringComparer.Ordinal);
    private readonly long[] decisions = new long[4];
    private readonly object feedLock = new();
    private readonly TransactionGenerator generator = new(new GeneratorSettings
    {
        Seed = options.Seed,
        Accounts = options.Accounts,
        FraudRate = options.FraudRate,
    });

    private long sent;
    private long unsent;
    private long completed;
    private long delivered;
    private long degraded;
    private long replayed;
    private long measureStart;
    private long measureEnd;

    /// <summary>Runs the configured load and returns the measurements.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        log.WriteLine($"warming up for {options.Warmup.TotalSeconds:0.#} s, then measuring for {options.Duration.TotalSeconds:0.#} s ...");
        EnsureThreads();
        var start = Stopwatch.GetTimestamp();
        measureStart = start + ToTicks(options.Warmup);
        measureEnd = measureStart + ToTicks(options.Duration);
        var cpu = options.Cpu is { } watched && CpuAccounting.Supported ? new CpuAccounting(watched) : null;
        var sampling = cpu is null ? Task.CompletedTask : SampleCpuAsync(cpu, cancellationToken);
        if (options.Mode == LoadMode.Stream)
        {
            await RunStreamsAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (options.Rate is { } rate)
        {
            await RunUnaryOpenLoopAsync(rate, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunUnaryClosedLoopAsync(cancellationToken).ConfigureAwait(false);
        }

        await sampling.ConfigureAwait(false);
        var (processes, busy) = cpu?.Report(delivered) ?? ([], double.NaN);

        return new LoadResult
        {
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Target = options.Target,
            Concurrency = options.Mode != LoadMode.Stream && options.Rate is null ? options.Concurrency : null,
            TargetRate = options.Rate,
            Streams = options.Mode == LoadMode.Stream ? options.Streams : null,
            DurationSeconds = options.Duration.TotalSeconds,
            WarmupSeconds = options.Warmup.TotalSeconds,
            Sent = sent,
            Unsent = unsent,
            Completed = completed,
            Delivered = delivered,
            Throughput = Math.Round(delivered / options.Duration.TotalSeconds, 1),
            LatencyMs = LatencySummary.From(histogram),
            Errors = new Dictionary<string, long>(errors),
            Decisions = new Dictionary<string, long>
            {
                ["approve"] = decisions[(int)Decision.Approve],
                ["review"] = decisions[(int)Decision.Review],
                ["decline"] = decisions[(int)Decision.Decline],
            },
            Degraded = degraded,
            Replayed = replayed,
            FlaggedByTopReason = new Dictionary<string, long>(flaggedBy),
            Cpu = processes,
            MachineBusyPercent = double.IsNaN(busy) ? null : busy,
            Command = "FraudEx.LoadGen " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Where(a => a != options.ApiKey)),
        };
    }

    private async Task SampleCpuAsync(CpuAccounting cpu, CancellationToken ct)
    {
        await SleepUntilAsync(measureStart, ct).ConfigureAwait(false);
        cpu.Start();
        await SleepUntilAsync(measureEnd, ct).ConfigureAwait(false);
        cpu.Stop();
    }

    /// <summary>
    /// Each stream's sender blocks a thread of its own on Grpc.Net.Client's WriteAsync, whose completion (after the
    /// HTTP/2 frame is written) runs on the thread pool. With the pool at its minimum (one thread per core) the
    /// readers, the connection's frame loop and those completions queue behind each other and the pool grows by
    /// about one thread a second: a stream at 400/s on two cores measured p90 737 ms, p99 1,048 ms that way, and
    /// 3.8 ms / 23 ms with enough threads from the start. The load generator must not measure its own pool's warm-up.
    /// </summary>
    private void EnsureThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var completion);
        var wanted = Environment.ProcessorCount + (4 * options.Streams) + Math.Min(options.Concurrency, 64);
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completion);
        }
    }

    // A message written with this hint waits in the request stream's buffer until a later write flushes it.
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    private Transaction NextTransaction()
    {
        lock (feedLock)
        {
            return generator.Next().Transaction;
        }
    }

    private CallOptions CallOptions(CancellationToken ct) => ApiKeys.CallOptions(options.ApiKey, cancellationToken: ct);

    private async Task RunUnaryClosedLoopAsync(CancellationToken ct)
    {
        var workers = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= measureEnd)
                {
                    return;
                }

                await CallAsync(now, ct).ConfigureAwait(false);
            }
        }, ct));
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task RunUnaryOpenLoopAsync(double rate, CancellationToken ct)
    {
        // The schedule runs on a thread of its own that sleeps precisely until each send time (no spinning, no timer
        // granularity); each call then proceeds asynchronously.
        var interval = Stopwatch.Frequency / rate;
        var inFlight = new List<Task>();
        await Task.Factory.StartNew(() =>
        {
            var first = Stopwatch.GetTimestamp();
            for (long i = 0; ; i++)
            {
                var intended = first + (long)(i * interval);
                if (intended >= measureEnd || ct.IsCancellationRequested)
                {
                    break;
                }

                Pacer.SleepUntil(intended);
                inFlight.Add(CallAsync(intended, ct));
                if (inFlight.Count > 4096)
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);

        await Task.WhenAll(inFlight).WaitAsync(Drain, ct).ConfigureAwait(false);
    }

    private async Task CallAsync(long intended, CancellationToken ct)
    {
        var measured = intended >= measureStart && intended < measureEnd;
        if (measured)
        {
            Interlocked.Increment(ref sent);
        }

        try
        {
            if (options.Mode == LoadMode.Health)
            {
                await health.CheckAsync(new HealthCheckRequest(), CallOptions(ct)).ConfigureAwait(false);
                CountDelivery();
                if (measured)
                {
                    RecordLatency(intended);
                }

                return;
            }

            // Health checks carry no transaction, so none is generated for them.
            var response = await client.ScoreAsync(new ScoreRequest { Transaction = NextTransaction() }, CallOptions(ct)).ResponseAsync.ConfigureAwait(false);
            CountDelivery();
            if (measured)
            {
                Record(response, intended);
            }
        }
        catch (RpcException e)
        {
            if (measured)
            {
                errors.AddOrUpdate(e.StatusCode.ToString(), 1, (_, n) => n + 1);
            }
        }
    }

    private async Task RunStreamsAsync(CancellationToken ct)
    {
        var perStream = options.Rate!.Value / options.Streams;
        var streams = Enumerable.Range(0, options.Streams).Select(s => Task.Run(() => RunOneStreamAsync(perStream, s, ct), ct));
        await Task.WhenAll(streams).ConfigureAwait(false);
    }

    private async Task RunOneStreamAsync(double rate, int index, CancellationToken ct)
    {
        using var call = client.ScoreStream(CallOptions(ct));
        var intendedTimes = new ConcurrentQueue<long>();
        var interval = Stopwatch.Frequency / rate;

        // Responses come in request order, so the oldest intended send time belongs to the next response.
        var reader = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                if (!intendedTimes.TryDequeue(out var intended))
                {
                    throw new InvalidOperationException("More responses than requests on a stream.");
                }

                var message = call.ResponseStream.Current;
                if (message.Result is not null)
                {
                    CountDelivery();
                }

                var measured = intended >= measureStart && intended < measureEnd;
                if (!measured)
                {
                    continue;
                }

                if (message.Result is { } result)
                {
                    Record(result, intended);
                }
                else
                {
                    errors.AddOrUpdate("stream:" + (StatusCode)(message.Error?.Code ?? 2), 1, (_, n) => n + 1);
                }
            }
        }, ct);

        // Spread the streams' schedules so they do not all wake at the same instant. The sender runs on a thread of
        // its own that sleeps precisely until the next message is due (waking at most once a millisecond), then sends
        // everything that is due: a late sender catches up, and the lateness counts in the latency.
        var first = Stopwatch.GetTimestamp() + (long)(interval * index / options.Streams);
        var tick = Stopwatch.Frequency / 1000;
        long i = 0;
        long writtenInWindow = 0;
        await Task.Factory.StartNew(() =>
        {
            var lastWake = Stopwatch.GetTimestamp();
            // Every message due before the end is sent, even when the sender wakes a little after it; a sender that
            // a slow server still holds back 100 ms after the end stops, and what it did not send counts as lost.
            var stopBy = measureEnd + (Stopwatch.Frequency / 10);
            while (!ct.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                var due = first + (long)(i * interval);
                if (due >= measureEnd || now >= stopBy)
                {
                    break;
                }

                if (due > now)
                {
                    Pacer.SleepUntil(Math.Max(due, lastWake + tick));
                    lastWake = Stopwatch.GetTimestamp();
                    continue;
                }

                intendedTimes.Enqueue(due);
                if (due >= measureStart)
                {
                    writtenInWindow++;
                }

                var request = new ScoreStreamRequest { Transaction = NextTransaction() };
                // A message followed by another already due is written with BufferHint, so the sender flushes once
                // per burst, not once per message, as a gateway streaming a backlog would. Interleaved on 2026-12-05,
                // two runs each: stream20k 11,627 and 11,453/s against 10,944 and 10,504/s flushing every message,
                // the scorer's CPU per score 69-71 µs against 73-78; at 1,000/s p90 3.4-3.8 ms against 3.6-4.8 ms.
                var nextDue = first + (long)((i + 1) * interval);
                call.RequestStream.WriteOptions = nextDue <= now && nextDue < measureEnd ? BufferedWrite : null;
                call.RequestStream.WriteAsync(request, ct).GetAwaiter().GetResult();
                i++;
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);

        // Every message due in the window counts as sent, written or not: a sender held back by a slow server is
        // exactly what the open loop must not hide.
        var windowStart = Math.Max(0, (long)Math.Ceiling((measureStart - first) / interval));
        var windowEnd = Math.Max(0, (long)Math.Ceiling((measureEnd - first) / interval));
        Interlocked.Add(ref sent, windowEnd - windowStart);
        Interlocked.Add(ref unsent, windowEnd - windowStart - writtenInWindow);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        try
        {
            await reader.WaitAsync(Drain, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            log.WriteLine($"stream {index}: {intendedTimes.Count} responses still missing after the drain time");
        }
    }

    /// <summary>Counts an answer that arrives within the measured window, whichever call it answers.</summary>
    private void CountDelivery()
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= measureStart && now < measureEnd)
        {
            Interlocked.Increment(ref delivered);
        }
    }

    private void RecordLatency(long intended)
    {
        histogram.Record(Stopwatch.GetElapsedTime(intended));
        Interlocked.Increment(ref completed);
    }

    private void Record(ScoreResponse response, long intended)
    {
        RecordLatency(intended);
        var d = (int)response.Decision;
        if (d is >= 0 and < 4)
        {
            Interlocked.Increment(ref decisions[d]);
        }

        if (response.Decision is Decision.Review or Decision.Decline && response.Reasons.Count > 0)
        {
            flaggedBy.AddOrUpdate(response.Reasons[0].Code, 1, (_, n) => n + 1);
        }

        if (response.Degraded)
        {
            Interlocked.Increment(ref degraded);
        }

        if (response.Replayed)
        {
            Interlocked.Increment(ref replayed);
        }
    }

    private static async Task SleepUntilAsync(long timestamp, CancellationToken ct)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
