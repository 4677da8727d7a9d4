using System.Diagnostics;
using FraudEx.Contracts.V1;
using FraudEx.LoadGen;
using FraudEx.Security.Tests.Infrastructure;
using Grpc.Core;
using Npgsql;

namespace FraudEx.Security.Tests;

/// <summary>
/// The whole system under streaming load while its parts fail in turn: the alert service killed with SIGKILL, Redis
/// killed, the scorer killed and started again by its supervisor (this test), PostgreSQL frozen for ten seconds
/// (SIGSTOP of the postmaster and every backend). Gateways keep their streams open, reconnect after an error and
/// resend what was not answered (same transaction ids). Afterwards every transaction a gateway received a decision
/// for is in PostgreSQL exactly once, the answers given while Redis was down are marked degraded, and the system is
/// back to normal answers with no manual step.
/// </summary>
public sealed class SystemFaultTests
{
    private const int Streams = 2;
    private const int RatePerStream = 150;
    private const int Window = 64;

    [Fact]
    public async Task KillAlertsRedisScorer_FreezePostgres_UnderStreamingLoad_EveryAnsweredDecisionStoredOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var system = await FraudExSystem.StartAsync(timeout.Token);
        await using var load = new GatewayLoad(system, Streams, RatePerStream, Window);
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        async Task Phase(string name, Func<Task> action)
        {
            var from = clock.Elapsed;
            await action();
            phases.Add($"{from.TotalSeconds,5:F1}-{clock.Elapsed.TotalSeconds,5:F1} s  {name}");
        }

        await Phase("steady load", () => Task.Delay(TimeSpan.FromSeconds(4), timeout.Token));
        await Phase("alert service killed (SIGKILL), down 3 s, restarted", async () =>
        {
            await system.KillAsync(Service.Alerts);
            await Task.Delay(TimeSpan.FromSeconds(3), timeout.Token);
            await system.StartAsync(Service.Alerts, timeout.Token);
        });
        await Phase("steady load", () => Task.Delay(TimeSpan.FromSeconds(3), timeout.Token));
        TimeSpan redisDown = default, redisUp = default;
        await Phase("redis-server killed (SIGKILL), down 5 s, restarted empty", async () =>
        {
            await system.Redis.KillAsync();
            redisDown = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(5), timeout.Token);
            redisUp = clock.Elapsed;
            await system.Redis.StartAgainAsync(timeout.Token);
        });
        await Phase("steady load", () => Task.Delay(TimeSpan.FromSeconds(3), timeout.Token));
        await Phase("scorer killed (SIGKILL), restarted by its supervisor at once", async () =>
        {
            await system.KillAsync(Service.Scoring);
            await system.StartAsync(Service.Scoring, timeout.Token);
        });
        await Phase("steady load", () => Task.Delay(TimeSpan.FromSeconds(3), timeout.Token));
        await Phase("PostgreSQL frozen 10 s (SIGSTOP postmaster and backends), then SIGCONT", async () =>
        {
            var frozen = await system.Postgres.FreezeAsync(timeout.Token);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), timeout.Token);
            }
            finally
            {
                await system.Postgres.ThawAsync(frozen, CancellationToken.None);
            }
        });
        var recoveryStart = clock.Elapsed + TimeSpan.FromSeconds(3);
        await Phase("steady load (recovery)", () => Task.Delay(TimeSpan.FromSeconds(6), timeout.Token));
        await load.StopAsync();
        var answers = load.Answers;

        // Every answered transaction reaches PostgreSQL exactly once (the spools ship asynchronously).
        var ids = answers.Select(a => a.TransactionId).Distinct().ToArray();
        long stored = 0;
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(120); await Task.Delay(500, timeout.Token))
        {
            stored = await CountAsync(system, "select count(distinct transaction_id) from decisions where transaction_id = any(@ids)", ids);
            if (stored == ids.Length)
            {
                break;
            }
        }

        var rows = await CountAsync(system, "select count(*) from decisions where transaction_id = any(@ids)", ids);
        var allRows = await system.ScalarAsync("select count(*) from decisions");
        var allDistinct = await system.ScalarAsync("select count(distinct transaction_id) from decisions");
        var inOutage = answers.Where(a => a.SentAt > redisDown + TimeSpan.FromSeconds(0.5) && a.AnsweredAt < redisUp).ToList();
        var afterRecovery = answers.Where(a => a.SentAt > recoveryStart).ToList();
        var replayed = answers.Count(a => a.Replayed);

        Transcript.Faults($"whole-system faults under streaming load ({Streams} ScoreStream gateways at {RatePerStream}/s each, {Window} in flight, resend on error):");
        foreach (var phase in phases)
        {
            Transcript.Faults("  " + phase);
        }

        Transcript.Faults($"  sent {load.Sent:N0} messages, answered {answers.Count:N0} ({ids.Length:N0} distinct transactions, {replayed:N0} replayed answers after a resend)");
        Transcript.Faults($"  stored in PostgreSQL: {stored:N0} of {ids.Length:N0} answered transactions, {rows:N0} rows for them; whole table {allRows:N0} rows, {allDistinct:N0} distinct");
        Transcript.Faults($"  degraded: {answers.Count(a => a.Degraded):N0} in all; {inOutage.Count(a => a.Degraded):N0} of {inOutage.Count:N0} answers sent and received while Redis was down; "
            + $"{afterRecovery.Count(a => a.Degraded):N0} of {afterRecovery.Count:N0} after recovery");
        Transcript.Faults($"  errors by status: {(load.Errors.Count == 0 ? "none" : string.Join(", ", load.Errors.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value:N0}")))}");
        Transcript.Faults($"  answered = stored: {(stored == ids.Length ? "yes" : "NO")}; duplicates: {allRows - allDistinct:N0}");

        Assert.True(answers.Count > 5_000, $"only {answers.Count} answers: the load did not run");
        Assert.Equal(ids.Length, stored);
        Assert.Equal(stored, rows);
        Assert.Equal(allDistinct, allRows);
        Assert.True(inOutage.Count > 0, "no answer was given while Redis was down");
        Assert.All(inOutage, a => Assert.True(a.Degraded, $"{a.TransactionId} answered at {a.AnsweredAt} during the Redis outage without being marked degraded"));
        Assert.True(afterRecovery.Count > 100, $"only {afterRecovery.Count} answers after recovery");
        Assert.True(afterRecovery.Count(a => a.Degraded) * 100 < afterRecovery.Count, "still degraded after recovery");
    }

    private static async Task<long> CountAsync(FraudExSystem system, string sql, string[] ids)
    {
        await using var connection = new NpgsqlConnection(system.AlertsConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>An answer a gateway received.</summary>
    private sealed record Answer(string TransactionId, bool Degraded, bool Replayed, TimeSpan SentAt, TimeSpan AnsweredAt);

    /// <summary>
    /// Gateways holding one ScoreStream each, paced, with a bounded number in flight. On a stream error they count
    /// the status, wait 200 ms, open a new stream and first resend every transaction not yet answered.
    /// </summary>
    private sealed class GatewayLoad : IAsyncDisposable
    {
        private readonly FraudExSystem _system;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _gateways;
        private readonly Lock _gate = new();
        private readonly List<Answer> _answers = [];
        private readonly Dictionary<string, int> _errors = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int _rate;
        private readonly int _window;
        private int _sent;

        public GatewayLoad(FraudExSystem system, int streams, int rate, int window)
        {
            _system = system;
            _rate = rate;
            _window = window;
            _gateways = [.. Enumerable.Range(0, streams).Select(i => Task.Run(() => RunGatewayAsync(i)))];
        }

        public int Sent => Volatile.Read(ref _sent);

        public List<Answer> Answers
        {
            get
            {
                lock (_gate)
                {
                    return [.. _answers];
                }
            }
        }

        public Dictionary<string, int> Errors
        {
            get
            {
                lock (_gate)
                {
                    return new(_errors);
                }
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_gateways).WaitAsync(TimeSpan.FromSeconds(60));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_gateways).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private void CountError(string status)
        {
            lock (_gate)
            {
                _errors[status] = _errors.GetValueOrDefault(status) + 1;
            }
        }

        private async Task RunGatewayAsync(int index)
        {
            var generator = new TransactionGenerator(new GeneratorSettings { Seed = 100 + index, Accounts = 3_000, FraudRate = 0.02, RunId = $"fault{index}-{Guid.NewGuid():N}"[..16] });
            var unanswered = new LinkedList<(Transaction Tx, TimeSpan SentAt)>();
            var retry = new System.Collections.Concurrent.ConcurrentQueue<Transaction>();
            var perMessage = TimeSpan.FromSeconds(1.0 / _rate);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    // What the last stream left unanswered goes first on the new one, under the same transaction ids.
                    lock (unanswered)
                    {
                        foreach (var (tx, _) in unanswered)
                        {
                            retry.Enqueue(tx);
                        }

                        unanswered.Clear();
                    }

                    using var call = _system.Scoring.ScoreStream(FraudExSystem.With(_system.Keys.Scorer.Key, 600));
                    var inFlight = new SemaphoreSlim(_window, _window);
                    var reader = Task.Run(async () =>
                    {
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                            var response = call.ResponseStream.Current;
                            (Transaction Tx, TimeSpan SentAt) first;
                            lock (unanswered)
                            {
                                first = unanswered.First!.Value;
                                unanswered.RemoveFirst();
                            }

                            inFlight.Release();
                            Assert.Equal(first.Tx.TransactionId, response.TransactionId);
                            if (response.Result is { } result)
                            {
                                lock (_gate)
                                {
                                    _answers.Add(new Answer(response.TransactionId, result.Degraded, result.Replayed, first.SentAt, _clock.Elapsed));
                                }
                            }
                            else
                            {
                                // A per-message error: counted; the transaction was not answered, so it is sent again.
                                CountError(((StatusCode)response.Error.Code).ToString() + " (in stream)");
                                retry.Enqueue(first.Tx);
                            }
                        }
                    });

                    var next = _clock.Elapsed;
                    while (!_stop.IsCancellationRequested && !reader.IsCompleted)
                    {
                        if (!await inFlight.WaitAsync(TimeSpan.FromMilliseconds(100)))
                        {
                            continue;
                        }

                        var tx = retry.TryDequeue(out var again) ? again : generator.Next().Transaction;
                        lock (unanswered)
                        {
                            unanswered.AddLast((tx, _clock.Elapsed));
                        }

                        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = tx });
                        Interlocked.Increment(ref _sent);
                        next += perMessage;
                        var wait = next - _clock.Elapsed;
                        if (wait > TimeSpan.FromMilliseconds(2))
                        {
                            await Task.Delay(wait);
                        }
                    }

                    if (!reader.IsCompleted)
                    {
                        await call.RequestStream.CompleteAsync();
                    }

                    await reader.WaitAsync(TimeSpan.FromSeconds(60));
                }
                catch (RpcException e)
                {
                    CountError(e.StatusCode.ToString());
                    if (!_stop.IsCancellationRequested)
                    {
                        await Task.Delay(200);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Writing to a call that already ended: the reader holds the status; the next round reconnects.
                    CountError("write after the call ended");
                }
                catch (IOException e)
                {
                    // Grpc.Net.Client can surface a connection reset in the middle of a message as the IOException.
                    CountError("connection reset (" + e.GetType().Name + ")");
                    if (!_stop.IsCancellationRequested)
                    {
                        await Task.Delay(200);
                    }
                }
            }
        }
    }
}
