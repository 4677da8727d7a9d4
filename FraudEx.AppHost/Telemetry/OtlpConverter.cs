using System.Globalization;
using FraudEx.AppHost.Otlp.Proto.Collector.Logs;
using FraudEx.AppHost.Otlp.Proto.Collector.Metrics;
using FraudEx.AppHost.Otlp.Proto.Collector.Trace;
using FraudEx.AppHost.Otlp.Proto.Common;
using FraudEx.AppHost.Otlp.Proto.Resource;
using Google.Protobuf;
using Proto = FraudEx.AppHost.Otlp.Proto;

namespace FraudEx.AppHost.Telemetry;

/// <summary>Flattens OTLP export requests into the store's records.</summary>
public static class OtlpConverter
{
    public static IEnumerable<SpanRecord> ToSpans(ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = ServiceName(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = scopeSpans.Scope?.Name ?? "";
                foreach (var span in scopeSpans.Spans)
                {
                    yield return new SpanRecord(
                        Hex(span.TraceId),
                        Hex(span.SpanId),
                        span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId),
                        span.Name,
                        KindName(span.Kind),
                        service,
                        scope,
                        (long)span.StartTimeUnixNano,
                        (long)span.EndTimeUnixNano,
                        span.Status?.Code switch
                        {
                            Proto.Trace.Status.Types.StatusCode.Ok => "Ok",
                            Proto.Trace.Status.Types.StatusCode.Error => "Error",
                            _ => "Unset",
                        },
                        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                        Attributes(span.Attributes),
                        span.Events.Select(e => new SpanEventRecord(e.Name, (long)e.TimeUnixNano, Attributes(e.Attributes))).ToList());
                }
            }
        }
    }

    public static IEnumerable<LogEntry> ToLogs(ExportLogsServiceRequest request)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var service = ServiceName(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var category = scopeLogs.Scope?.Name ?? "";
                foreach (var record in scopeLogs.LogRecords)
                {
                    var nanos = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                    yield return new LogEntry(
                        0,
                        DateTimeOffset.FromUnixTimeMilliseconds((long)(nanos / 1_000_000)),
                        service,
                        string.IsNullOrEmpty(record.SeverityText) ? SeverityName(record.SeverityNumber) : record.SeverityText,
                        record.SeverityNumber,
                        record.Body is null ? record.EventName : Format(record.Body),
                        category,
                        record.TraceId.IsEmpty ? null : Hex(record.TraceId),
                        record.SpanId.IsEmpty ? null : Hex(record.SpanId),
                        Attributes(record.Attributes));
                }
            }
        }
    }

    public static IEnumerable<MetricPoint> ToMetrics(ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = ServiceName(resourceMetrics.Resource);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    switch (metric.DataCase)
                    {
                        case Proto.Metrics.Metric.DataOneofCase.Gauge:
                            foreach (var p in metric.Gauge.DataPoints)
                            {
                                yield return Number(service, metric, "gauge", p);
                            }
                            break;
                        case Proto.Metrics.Metric.DataOneofCase.Sum:
                            foreach (var p in metric.Sum.DataPoints)
                            {
                                yield return Number(service, metric, metric.Sum.IsMonotonic ? "counter" : "updown", p);
                            }
                            break;
                        case Proto.Metrics.Metric.DataOneofCase.Histogram:
                            foreach (var p in metric.Histogram.DataPoints)
                            {
                                yield return new MetricPoint(service, metric.Name, metric.Description, metric.Unit, "histogram",
                                    Attributes(p.Attributes), Time(p.TimeUnixNano), null,
                                    new HistogramValue(p.Count, p.HasSum ? p.Sum : null, p.HasMin ? p.Min : null, p.HasMax ? p.Max : null,
                                        p.ExplicitBounds.ToList(), p.BucketCounts.ToList()));
                            }
                            break;
                        default:
                            // Exponential histograms and summaries are not shown by the dashboard.
                            break;
                    }
                }
            }
        }
    }

    private static MetricPoint Number(string service, Proto.Metrics.Metric metric, string type, Proto.Metrics.NumberDataPoint p) =>
        new(service, metric.Name, metric.Description, metric.Unit, type, Attributes(p.Attributes), Time(p.TimeUnixNano),
            p.ValueCase == Proto.Metrics.NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble, null);

    private static DateTimeOffset Time(ulong unixNano) => DateTimeOffset.FromUnixTimeMilliseconds((long)(unixNano / 1_000_000));

    public static string ServiceName(Resource? resource) =>
        resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { } v ? Format(v) : "unknown";

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in attributes)
        {
            result[kv.Key] = kv.Value is null ? "" : Format(kv.Value);
        }
        return result;
    }

    /// <summary>An attribute value as text: arrays as [a, b], maps as {k=v}, bytes as hex.</summary>
    public static string Format(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Format)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + "=" + (kv.Value is null ? "" : Format(kv.Value)))) + "}",
        AnyValue.ValueOneofCase.BytesValue => Hex(value.BytesValue),
        _ => "",
    };

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static string KindName(Proto.Trace.Span.Types.SpanKind kind) => kind switch
    {
        Proto.Trace.Span.Types.SpanKind.Server => "Server",
        Proto.Trace.Span.Types.SpanKind.Client => "Client",
        Proto.Trace.Span.Types.SpanKind.Producer => "Producer",
        Proto.Trace.Span.Types.SpanKind.Consumer => "Consumer",
        _ => "Internal",
    };

    private static string SeverityName(int number) => number switch
    {
        >= 21 => "Fatal",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => "",
    };
}
