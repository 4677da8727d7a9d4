using System.Diagnostics;
using FraudEx.AppHost.Hosting;
using FraudEx.Clients;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.AppHost.Dashboard;

/// <summary>What one burst of generated traffic got back.</summary>
public sealed record TrafficResult(
    int Sent,
    int Scored,
    int Approve,
    int Review,
    int Decline,
    int Errors,
    string? FirstError,
    double P50Ms,
    double P99Ms,
    double ElapsedMs);

/// <summary>Sends bursts of generated transactions to the scoring service with unary Score calls, a few in flight.</summary>
public sealed class TrafficGenerator(IReadOnlyList<Resource> resources, TimeProvider time) : IDisposable
{
    private const int InFlight = 8;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private readonly TransactionFactory _transactions = new(time, seed: Environment.ProcessId);
    private readonly Lock _gate = new();
    private GrpcChannel? _channel;
    private ScoringServiceClient? _client;

    private ScoringServiceClient Client()
    {
        lock (_gate)
        {
            if (_client is null)
            {
                var scoring = resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == "scoring" && r.Enabled)
                    ?? throw new InvalidOperationException("no scoring service in this run");
                _channel = GrpcChannel.ForAddress(scoring.Endpoint);
                _client = new ScoringServiceClient(_channel);
            }
            return _client;
        }
    }

    public async Task<TrafficResult> SendBurstAsync(int count, CancellationToken cancellationToken)
    {
        var client = Client();
        var latencies = new List<double>(count);
        int approve = 0, review = 0, decline = 0, errors = 0, next = -1;
        string? firstError = null;
        var total = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            // The dashboard request's own activity is never exported: propagated as the calls' parent, its unsampled
            // flag would make the scoring service drop their traces. Each call starts a trace of its own instead.
            Activity.Current = null;
            while (Interlocked.Increment(ref next) < count)
            {
                var request = new ScoreRequest { Transaction = _transactions.Next() };
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await client.ScoreAsync(request,
                        new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                    }
                    _ = response.Decision switch
                    {
                        Decision.Approve => Interlocked.Increment(ref approve),
                        Decision.Review => Interlocked.Increment(ref review),
                        Decision.Decline => Interlocked.Increment(ref decline),
                        _ => 0,
                    };
                }
                catch (RpcException e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Detail}", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(InFlight, count)).Select(_ => WorkerAsync())).ConfigureAwait(false);
        var sorted = latencies.Order().ToArray();
        return new TrafficResult(count, sorted.Length, approve, review, decline, errors, firstError,
            sorted.Length == 0 ? 0 : Telemetry.TelemetryStore.Percentile(sorted, 0.5),
            sorted.Length == 0 ? 0 : Telemetry.TelemetryStore.Percentile(sorted, 0.99),
            total.Elapsed.TotalMilliseconds);
    }

    public void Dispose() => _channel?.Dispose();
}
