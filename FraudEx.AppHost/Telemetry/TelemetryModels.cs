using Microsoft.Extensions.Configuration;

namespace FraudEx.AppHost.Telemetry;

/// <summary>One span as received over OTLP, flattened for the dashboard.</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string Service,
    string Scope,
    long StartUnixNano,
    long EndUnixNano,
    string Status,
    string? StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventRecord> Events)
{
    public double DurationMs => Math.Max(0, EndUnixNano - StartUnixNano) / 1_000_000.0;
}

public sealed record SpanEventRecord(string Name, long TimeUnixNano, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One structured log record from a service.</summary>
public sealed record LogEntry(
    long Sequence,
    DateTimeOffset Time,
    string Service,
    string Severity,
    int SeverityNumber,
    string Message,
    string Category,
    string? TraceId,
    string? SpanId,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>The latest point of one metric series (a metric name plus attribute set of one service).</summary>
public sealed record MetricPoint(
    string Service,
    string Name,
    string Description,
    string Unit,
    string Type,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Time,
    double? Value,
    HistogramValue? Histogram);

public sealed record HistogramValue(ulong Count, double? Sum, double? Min, double? Max, IReadOnlyList<double> Bounds, IReadOnlyList<ulong> BucketCounts);

/// <summary>A trace in the list: its root and extent.</summary>
public sealed record TraceSummary(
    string TraceId,
    string Name,
    string Service,
    DateTimeOffset Start,
    double DurationMs,
    int SpanCount,
    IReadOnlyList<string> Services,
    bool HasError);

/// <summary>Latency of one operation (service + span name) over the window.</summary>
public sealed record LatencyRow(string Service, string Operation, string Kind, int Count, double PerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

/// <summary>Caps that keep the store's memory bounded however much the services send.</summary>
public sealed record TelemetryLimits(
    int MaxTraces = 2000,
    int MaxSpansPerTrace = 1000,
    int MaxLogs = 10_000,
    int MaxMetricSeries = 5000,
    int MaxLatencySamplesPerOperation = 20_000,
    int MaxOperations = 500,
    int LatencyWindowSeconds = 60)
{
    public static TelemetryLimits FromConfiguration(IConfiguration configuration)
    {
        var d = new TelemetryLimits();
        var section = configuration.GetSection("Telemetry");
        return new TelemetryLimits(
            section.GetValue(nameof(MaxTraces), d.MaxTraces),
            section.GetValue(nameof(MaxSpansPerTrace), d.MaxSpansPerTrace),
            section.GetValue(nameof(MaxLogs), d.MaxLogs),
            section.GetValue(nameof(MaxMetricSeries), d.MaxMetricSeries),
            section.GetValue(nameof(MaxLatencySamplesPerOperation), d.MaxLatencySamplesPerOperation),
            section.GetValue(nameof(MaxOperations), d.MaxOperations),
            section.GetValue(nameof(LatencyWindowSeconds), d.LatencyWindowSeconds));
    }
}
