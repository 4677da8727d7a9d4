using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using FraudEx.Scoring.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Telemetry;

/// <summary>
/// Where the time goes, without a trace backend: when <c>Scoring:SpanStatistics</c> is true, listens to the scorer's
/// and the gRPC layer's spans in-process and logs, every 10 s and at shutdown, count, mean and max duration per span
/// name. Used by the benchmarks; off by default because listening makes every span be created.
/// </summary>
internal sealed class SpanStatistics(ILogger<SpanStatistics> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Stat> stats = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("FraudEx.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var stat = stats.GetOrAdd(activity.Source.Name + " " + activity.DisplayName, _ => new Stat());
                stat.Add(activity.Duration);
            },
        };
        ActivitySource.AddActivityListener(listener);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, stoppingToken).ConfigureAwait(false);
                ScoringLog.SpanStatistics(logger, Render());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            ScoringLog.SpanStatistics(logger, Render());
        }
    }

    private string Render()
    {
        var sb = new StringBuilder();
        foreach (var (name, stat) in stats.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var (count, mean, max) = stat.Snapshot();
            sb.Append(CultureInfo.InvariantCulture, $"\n  {name,-55} n={count,9} mean={mean,8:0.000} ms max={max,8:0.000} ms");
        }

        return sb.ToString();
    }

    private sealed class Stat
    {
        private long count;
        private long ticks;
        private long maxTicks;

        public void Add(TimeSpan duration)
        {
            Interlocked.Increment(ref count);
            Interlocked.Add(ref ticks, duration.Ticks);
            long seen;
            while (duration.Ticks > (seen = Interlocked.Read(ref maxTicks)) && Interlocked.CompareExchange(ref maxTicks, duration.Ticks, seen) != seen)
            {
            }
        }

        public (long Count, double MeanMs, double MaxMs) Snapshot()
        {
            var n = Interlocked.Read(ref count);
            return (n, n == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref ticks) / n).TotalMilliseconds, TimeSpan.FromTicks(Interlocked.Read(ref maxTicks)).TotalMilliseconds);
        }
    }
}
