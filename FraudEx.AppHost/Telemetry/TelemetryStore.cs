namespace FraudEx.AppHost.Telemetry;

/// <summary>
/// Recent traces, logs and metrics in bounded memory: the oldest trace, log record or series falls off past its cap,
/// and latency samples older than the window are pruned.
/// </summary>
public sealed class TelemetryStore(TelemetryLimits limits, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<SpanRecord>> _traces = [];
    private readonly LinkedList<string> _traceOrder = new();
    private readonly Dictionary<string, LinkedListNode<string>> _traceNodes = [];
    private readonly Queue<LogEntry> _logs = new();
    private readonly Dictionary<string, MetricPoint> _metrics = [];
    private readonly LinkedList<string> _metricOrder = new();
    private readonly Dictionary<string, LinkedListNode<string>> _metricNodes = [];
    private readonly Dictionary<(string Service, string Operation), LatencySamples> _latency = [];
    private long _logSequence;

    public TelemetryLimits Limits => limits;

    public long SpansReceived { get; private set; }
    public long SpansDropped { get; private set; }
    public long LogsReceived { get; private set; }
    public long MetricPointsReceived { get; private set; }

    public void AddSpans(IEnumerable<SpanRecord> spans)
    {
        lock (_gate)
        {
            foreach (var span in spans)
            {
                SpansReceived++;
                if (!_traces.TryGetValue(span.TraceId, out var list))
                {
                    list = [];
                    _traces[span.TraceId] = list;
                    _traceNodes[span.TraceId] = _traceOrder.AddLast(span.TraceId);
                    while (_traces.Count > limits.MaxTraces)
                    {
                        EvictOldestTrace();
                    }
                }
                if (list.Count >= limits.MaxSpansPerTrace)
                {
                    SpansDropped++;
                }
                else
                {
                    list.Add(span);
                }
                RecordLatency(span);
            }
        }
    }

    private void EvictOldestTrace()
    {
        var oldest = _traceOrder.First!.Value;
        _traceOrder.RemoveFirst();
        _traceNodes.Remove(oldest);
        if (_traces.Remove(oldest, out var removed))
        {
            SpansDropped += removed.Count;
        }
    }

    private void RecordLatency(SpanRecord span)
    {
        var key = (span.Service, span.Name);
        if (!_latency.TryGetValue(key, out var samples))
        {
            if (_latency.Count >= limits.MaxOperations)
            {
                var stalest = _latency.MinBy(kv => kv.Value.LastEndUnixNano).Key;
                _latency.Remove(stalest);
            }
            samples = new LatencySamples(span.Kind);
            _latency[key] = samples;
        }
        samples.Add(span.EndUnixNano, span.DurationMs, limits.MaxLatencySamplesPerOperation);
    }

    public void AddLogs(IEnumerable<LogEntry> entries)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                LogsReceived++;
                _logs.Enqueue(entry with { Sequence = ++_logSequence });
                while (_logs.Count > limits.MaxLogs)
                {
                    _logs.Dequeue();
                }
            }
        }
    }

    public void AddMetrics(IEnumerable<MetricPoint> points)
    {
        lock (_gate)
        {
            foreach (var point in points)
            {
                MetricPointsReceived++;
                var key = point.Service + "\n" + point.Name + "\n" +
                    string.Join(",", point.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));
                if (_metricNodes.TryGetValue(key, out var node))
                {
                    _metricOrder.Remove(node);
                    _metricOrder.AddLast(node);
                }
                else
                {
                    _metricNodes[key] = _metricOrder.AddLast(key);
                    while (_metrics.Count >= limits.MaxMetricSeries)
                    {
                        var oldest = _metricOrder.First!.Value;
                        _metricOrder.RemoveFirst();
                        _metricNodes.Remove(oldest);
                        _metrics.Remove(oldest);
                    }
                }
                _metrics[key] = point;
            }
        }
    }

    /// <summary>The newest traces first, optionally only those touching <paramref name="service"/> or whose root name contains <paramref name="search"/>.</summary>
    public IReadOnlyList<TraceSummary> GetTraces(int max, string? service = null, string? search = null)
    {
        lock (_gate)
        {
            var result = new List<TraceSummary>();
            for (var node = _traceOrder.Last; node is not null && result.Count < max; node = node.Previous)
            {
                var summary = Summarize(node.Value, _traces[node.Value]);
                if (service is { Length: > 0 } && !summary.Services.Contains(service))
                {
                    continue;
                }
                if (search is { Length: > 0 } && !_traces[node.Value].Any(s => s.Name.Contains(search, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }
                result.Add(summary);
            }
            return result;
        }
    }

    public IReadOnlyList<SpanRecord>? GetTrace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var spans) ? spans.OrderBy(s => s.StartUnixNano).ToList() : null;
        }
    }

    private static TraceSummary Summarize(string traceId, List<SpanRecord> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        // The root is the span without a parent; when it has not arrived yet, the earliest span whose parent is missing.
        var root = spans.Where(s => s.ParentSpanId is null).MinBy(s => s.StartUnixNano)
            ?? spans.Where(s => !ids.Contains(s.ParentSpanId!)).MinBy(s => s.StartUnixNano)
            ?? spans[0];
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return new TraceSummary(
            traceId,
            root.Name,
            root.Service,
            DateTimeOffset.FromUnixTimeMilliseconds(start / 1_000_000),
            Math.Max(0, end - start) / 1_000_000.0,
            spans.Count,
            spans.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal).ToList(),
            spans.Any(s => s.Status == "Error"));
    }

    /// <summary>p50/p90/p99 per operation over the latency window ending now, slowest p99 first.</summary>
    public IReadOnlyList<LatencyRow> GetLatency()
    {
        var window = TimeSpan.FromSeconds(limits.LatencyWindowSeconds);
        var cutoff = (time.GetUtcNow() - window).ToUnixTimeMilliseconds() * 1_000_000;
        lock (_gate)
        {
            var rows = new List<LatencyRow>();
            foreach (var ((service, operation), samples) in _latency.ToList())
            {
                samples.Prune(cutoff);
                if (samples.Count == 0)
                {
                    _latency.Remove((service, operation));
                    continue;
                }
                var sorted = samples.Durations().Order().ToArray();
                rows.Add(new LatencyRow(service, operation, samples.Kind, sorted.Length, sorted.Length / window.TotalSeconds,
                    Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99), sorted[^1]));
            }
            return rows.OrderByDescending(r => r.P99Ms).ToList();
        }
    }

    /// <summary>Nearest-rank percentile of an ascending array.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public IReadOnlyList<LogEntry> GetLogs(long after, int max, string? service = null, string? search = null)
    {
        lock (_gate)
        {
            var matching = _logs.Where(l => l.Sequence > after
                && (service is not { Length: > 0 } || l.Service == service)
                && (search is not { Length: > 0 } || l.Message.Contains(search, StringComparison.OrdinalIgnoreCase)))
                .ToList();
            return matching.Count > max ? matching.GetRange(matching.Count - max, max) : matching;
        }
    }

    public IReadOnlyList<MetricPoint> GetMetrics(string? service = null)
    {
        lock (_gate)
        {
            return _metrics.Values.Where(m => service is not { Length: > 0 } || m.Service == service)
                .OrderBy(m => m.Service, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal).ToList();
        }
    }

    public int TraceCount
    {
        get
        {
            lock (_gate)
            {
                return _traces.Count;
            }
        }
    }

    /// <summary>Recent durations of one operation, in end-time order, bounded in count.</summary>
    private sealed class LatencySamples(string kind)
    {
        private readonly Queue<(long EndUnixNano, double Ms)> _samples = new();

        public string Kind { get; } = kind;
        public long LastEndUnixNano { get; private set; }
        public int Count => _samples.Count;

        public void Add(long endUnixNano, double ms, int cap)
        {
            _samples.Enqueue((endUnixNano, ms));
            LastEndUnixNano = Math.Max(LastEndUnixNano, endUnixNano);
            while (_samples.Count > cap)
            {
                _samples.Dequeue();
            }
        }

        public void Prune(long cutoffUnixNano)
        {
            while (_samples.Count > 0 && _samples.Peek().EndUnixNano < cutoffUnixNano)
            {
                _samples.Dequeue();
            }
        }

        public IEnumerable<double> Durations() => _samples.Select(s => s.Ms);
    }
}
