using System.Diagnostics;
using FraudEx.Contracts.V1;
using Grpc.Core;

namespace FraudEx.Console.Traffic;

/// <summary>What one burst of generated traffic got back.</summary>
public sealed record TrafficResult(
    string Scenario,
    int Sent,
    int Scored,
    int Approve,
    int Review,
    int Decline,
    int Errors,
    string? FirstError,
    double P50Ms,
    double P99Ms,
    double ElapsedMs,
    IReadOnlyList<string> SampleTraceIds);

/// <summary>Sends bursts of generated transactions to ScoringService with unary Score calls, a few in flight.</summary>
public sealed class TrafficGenerator(ScoringService.ScoringServiceClient client, TimeProvider time)
{
    private const int InFlight = 8;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private readonly TransactionFactory _transactions = new(time, seed: Environment.ProcessId);

    public async Task<TrafficResult> SendBurstAsync(int count, TrafficScenario scenario, CancellationToken cancellationToken)
    {
        var latencies = new List<double>(count);
        int approve = 0, review = 0, decline = 0, errors = 0, next = -1;
        string? firstError = null;
        var traceIds = new List<string>();
        var total = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            // The page's request is not the parent: each Score call starts a trace of its own.
            Activity.Current = null;
            while (Interlocked.Increment(ref next) < count)
            {
                var request = new ScoreRequest { Transaction = _transactions.Next(scenario) };
                var started = Stopwatch.GetTimestamp();
                try
                {
                    // Each call a trace of its own: one Score call is one trace in the dashboard.
                    using var activity = ConsoleTelemetry.Source.StartActivity("console.traffic.score", ActivityKind.Internal);
                    var response = await client.ScoreAsync(request, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                        if (activity is not null && traceIds.Count < 5)
                        {
                            // Where to look in the dashboard's trace view (Traces, then the id).
                            traceIds.Add(activity.TraceId.ToHexString());
                        }
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
                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(InFlight, count)).Select(_ => Task.Run(WorkerAsync, cancellationToken))).ConfigureAwait(false);
        var sorted = latencies.Order().ToArray();
        return new TrafficResult(scenario.ToString().ToLowerInvariant(), count, sorted.Length, approve, review, decline, errors, firstError,
            Percentile(sorted, 0.5), Percentile(sorted, 0.99), total.Elapsed.TotalMilliseconds, traceIds);
    }

    /// <summary>Nearest-rank percentile of sorted values; 0 when there are none.</summary>
    internal static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>The console's ActivitySource ("FraudEx.Console", picked up by ServiceDefaults' "FraudEx.*").</summary>
public static class ConsoleTelemetry
{
    public static readonly ActivitySource Source = new("FraudEx.Console");
}

/// <summary>POST /api/traffic?scenario=normal|fraud|mixed&amp;count=N.</summary>
public static class TrafficApi
{
    public static IEndpointRouteBuilder MapTrafficApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/traffic", async (int? count, string? scenario, TrafficGenerator traffic, CancellationToken cancellationToken) =>
        {
            var n = count ?? 50;
            if (n is < 1 or > 5_000)
            {
                return Results.BadRequest(new { error = "count must be between 1 and 5000" });
            }
            if (!Enum.TryParse<TrafficScenario>(scenario ?? "mixed", ignoreCase: true, out var kind))
            {
                return Results.BadRequest(new { error = "scenario must be normal, fraud or mixed" });
            }
            return Results.Ok(await traffic.SendBurstAsync(n, kind, cancellationToken).ConfigureAwait(false));
        });
        return endpoints;
    }
}
