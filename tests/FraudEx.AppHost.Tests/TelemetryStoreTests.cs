using FraudEx.AppHost.Telemetry;

namespace FraudEx.AppHost.Tests;

public sealed class TelemetryStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private static SpanRecord Span(string traceId, string spanId, string? parent, string name, DateTimeOffset end, double ms, string service = "scoring") =>
        new(traceId, spanId, parent, name, "Internal", service, "test",
            end.ToUnixTimeMilliseconds() * 1_000_000 - (long)(ms * 1_000_000), end.ToUnixTimeMilliseconds() * 1_000_000,
            "Unset", null, new Dictionary<string, string>(), []);

    [Fact]
    public void AddSpans_MoreTracesThanCap_EvictsOldestTraces()
    {
        var store = new TelemetryStore(new TelemetryLimits(MaxTraces: 3), new ManualTime(Start));

        for (var i = 0; i < 5; i++)
        {
            store.AddSpans([Span($"t{i}", "s", null, "op", Start, 1)]);
        }

        Assert.Equal(3, store.TraceCount);
        Assert.Null(store.GetTrace("t0"));
        Assert.Null(store.GetTrace("t1"));
        Assert.NotNull(store.GetTrace("t4"));
        Assert.Equal(["t4", "t3", "t2"], store.GetTraces(10).Select(t => t.TraceId));
        Assert.Equal(2, store.SpansDropped);
    }

    [Fact]
    public void AddSpans_MoreSpansThanPerTraceCap_KeepsFirstAndCountsDropped()
    {
        var store = new TelemetryStore(new TelemetryLimits(MaxSpansPerTrace: 2), new ManualTime(Start));

        store.AddSpans([Span("t", "a", null, "root", Start, 3), Span("t", "b", "a", "child", Start, 1), Span("t", "c", "a", "child", Start, 1)]);

        Assert.Equal(2, store.GetTrace("t")!.Count);
        Assert.Equal(1, store.SpansDropped);
    }

    [Fact]
    public void GetTraces_ChildArrivesBeforeRoot_SummaryUsesRootOnceItArrives()
    {
        var store = new TelemetryStore(new TelemetryLimits(), new ManualTime(Start));

        store.AddSpans([Span("t", "child", "root", "features", Start, 1, "features")]);
        Assert.Equal("features", store.GetTraces(1)[0].Name);
        store.AddSpans([Span("t", "root", null, "fraudex.v1.ScoringService/Score", Start, 4)]);

        var summary = store.GetTraces(1)[0];
        Assert.Equal("fraudex.v1.ScoringService/Score", summary.Name);
        Assert.Equal(2, summary.SpanCount);
        Assert.Equal(["features", "scoring"], summary.Services);
        Assert.Equal(4, summary.DurationMs, 3);
    }

    [Fact]
    public void GetLatency_HundredSamples_GivesNearestRankPercentiles()
    {
        var time = new ManualTime(Start);
        var store = new TelemetryStore(new TelemetryLimits(), time);

        store.AddSpans(Enumerable.Range(1, 100).Select(i => Span($"t{i}", "s", null, "Score", Start, i)));

        var row = Assert.Single(store.GetLatency());
        Assert.Equal(("scoring", "Score", 100), (row.Service, row.Operation, row.Count));
        Assert.Equal(50, row.P50Ms, 3);
        Assert.Equal(90, row.P90Ms, 3);
        Assert.Equal(99, row.P99Ms, 3);
        Assert.Equal(100, row.MaxMs, 3);
    }

    [Fact]
    public void GetLatency_SamplesOlderThanWindow_ArePruned()
    {
        var time = new ManualTime(Start);
        var store = new TelemetryStore(new TelemetryLimits(LatencyWindowSeconds: 60), time);
        store.AddSpans([Span("old", "s", null, "Score", Start, 500)]);
        time.Advance(TimeSpan.FromSeconds(45));
        store.AddSpans([Span("new", "s", null, "Score", Start.AddSeconds(45), 2)]);

        time.Advance(TimeSpan.FromSeconds(30));
        var row = Assert.Single(store.GetLatency());

        Assert.Equal(1, row.Count);
        Assert.Equal(2, row.P99Ms, 3);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(store.GetLatency());
    }

    [Fact]
    public void AddLogs_MoreThanCap_KeepsNewestWithIncreasingSequence()
    {
        var store = new TelemetryStore(new TelemetryLimits(MaxLogs: 3), new ManualTime(Start));

        store.AddLogs(Enumerable.Range(0, 5).Select(i =>
            new LogEntry(0, Start, "alerts", "Information", 9, $"m{i}", "cat", null, null, new Dictionary<string, string>())));

        var logs = store.GetLogs(0, 100);
        Assert.Equal(["m2", "m3", "m4"], logs.Select(l => l.Message));
        Assert.Equal([3L, 4L, 5L], logs.Select(l => l.Sequence));
        Assert.Equal(["m4"], store.GetLogs(4, 100).Select(l => l.Message));
    }

    [Fact]
    public void AddMetrics_SameSeriesTwice_KeepsLatestPointAndCapsSeries()
    {
        var store = new TelemetryStore(new TelemetryLimits(MaxMetricSeries: 2), new ManualTime(Start));
        MetricPoint Point(string name, double value, string attr = "x") =>
            new("scoring", name, "", "ms", "gauge", new Dictionary<string, string> { ["a"] = attr }, Start, value, null);

        store.AddMetrics([Point("m1", 1), Point("m1", 2)]);
        Assert.Equal(2, Assert.Single(store.GetMetrics()).Value);

        store.AddMetrics([Point("m2", 3), Point("m3", 4)]);
        Assert.Equal(["m2", "m3"], store.GetMetrics().Select(m => m.Name));
    }
}
