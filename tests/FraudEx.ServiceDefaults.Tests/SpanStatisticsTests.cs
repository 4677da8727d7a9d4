using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FraudEx.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.ServiceDefaults.Tests;

public sealed partial class SpanStatisticsTests
{
    [Fact]
    public void Render_GivesCountMeanPercentilesAndMaxPerSpanName()
    {
        var statistics = new SpanStatistics(NullLogger<SpanStatistics>.Instance);
        for (var i = 1; i <= 100; i++)
        {
            statistics.Record(Finished("step.a", TimeSpan.FromMilliseconds(i)));
        }

        statistics.Record(Finished("step.b", TimeSpan.FromMicroseconds(250)));

        var rows = statistics.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();
        Assert.Equal(["step.a", "step.b"], rows.Select(r => r.Name));
        var a = rows[0];
        Assert.Equal(100, a.Count);
        Assert.Equal(50.5, a.Mean, 3);
        // Reported values lie at most 0.8 % above the true ones (log-linear buckets).
        Assert.InRange(a.P50, 50.0, 50.4);
        Assert.InRange(a.P99, 99.0, 99.8);
        Assert.Equal(100.0, a.Max, 3);
        Assert.Equal((1, 0.25, 0.25, 0.25), (rows[1].Count, rows[1].P50, rows[1].P99, rows[1].Max));
    }

    private static Activity Finished(string name, TimeSpan duration)
    {
        var end = DateTime.UtcNow;
        return new Activity(name).SetStartTime(end - duration).SetEndTime(end);
    }

    private static (string Name, long Count, double Mean, double P50, double P99, double Max) Parse(string line)
    {
        var m = Row().Match(line);
        Assert.True(m.Success, line);
        double D(string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        return (m.Groups["name"].Value, long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture), D("mean"), D("p50"), D("p99"), D("max"));
    }

    [GeneratedRegex(@"^\s*(?<name>\S+)\s+n=\s*(?<n>\d+) mean=\s*(?<mean>[\d.]+) p50=\s*(?<p50>[\d.]+) p99=\s*(?<p99>[\d.]+) max=\s*(?<max>[\d.]+) ms$")]
    private static partial Regex Row();
}
