using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Telemetry;

/// <summary>
/// Where the time goes, without a trace backend: when <c>Telemetry:SpanStatistics</c> is true, listens in-process to
/// the spans of every "FraudEx.*" ActivitySource and to ASP.NET Core's server span of each gRPC call (named
/// "server /pkg.Service/Method"), and logs, every 10 s and at shutdown, count, mean, p50, p99 and max
/// duration per span name since start. Used by the benchmarks (a p99 target needs the p99 of each step, not its mean);
/// off by default because listening makes every span be created.
/// </summary>
internal sealed partial class SpanStatistics(ILogger<SpanStatistics> logger) : BackgroundService
{
    /// <summary>The configuration key that turns the statistics on.</summary>
    public const string ConfigurationKey = "Telemetry:SpanStatistics";

    // ASP.NET Core's hosting ActivitySource: the standard server span our pipeline spans nest under.
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, LatencyHistogram> stats = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("FraudEx.", StringComparison.Ordinal) || source.Name == AspNetCoreSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(listener);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, stoppingToken).ConfigureAwait(false);
                LogTable(logger, Render());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogTable(logger, Render());
        }
    }

    /// <summary>Adds one finished span.</summary>
    internal void Record(Activity activity)
    {
        string name;
        if (activity.Source.Name == AspNetCoreSource)
        {
            // Grpc.AspNetCore tags the request's activity with the method; other requests (/health) are not counted.
            if (activity.GetTagItem("grpc.method") is not string method)
            {
                return;
            }

            name = "server " + method;
        }
        else
        {
            name = activity.Source.Name + " " + activity.DisplayName;
        }

        stats.GetOrAdd(name, _ => new LatencyHistogram()).Record(activity.Duration);
    }

    /// <summary>One line per span name, sorted by name.</summary>
    internal string Render()
    {
        var sb = new StringBuilder();
        foreach (var (name, h) in stats.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"\n  {name,-55} n={h.Count,9} mean={h.Mean / 1000,8:0.000} p50={h.ValueAtQuantile(0.50) / 1000.0,8:0.000} p99={h.ValueAtQuantile(0.99) / 1000.0,8:0.000} max={h.Max / 1000.0,8:0.000} ms");
        }

        return sb.ToString();
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Span durations since start:{Table}")]
    private static partial void LogTable(ILogger logger, string table);
}
