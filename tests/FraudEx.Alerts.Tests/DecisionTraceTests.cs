using System.Diagnostics;
using FraudEx.Alerts.Client;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudEx.Alerts.Tests;

/// <summary>A decision's trace context through the spool: the ship span joins the trace of the call that made the
/// decision, or links to the calls of a batch from many traces.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DecisionTraceTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fraudex-spool-trace-" + Guid.NewGuid().ToString("N")[..12]);

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static ActivityContext NewCall() =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    [Fact]
    public void Format_RecordedContext_W3CTraceparentThatParsesBack()
    {
        var call = NewCall();

        var text = DecisionTrace.Format(call);

        Assert.Equal($"00-{call.TraceId.ToHexString()}-{call.SpanId.ToHexString()}-01", text);
        Assert.True(DecisionTrace.TryParse(text, out var parsed));
        Assert.Equal(call.TraceId, parsed.TraceId);
        Assert.Equal(call.SpanId, parsed.SpanId);
    }

    [Fact]
    public void Format_UnsampledOrNoContext_Empty()
    {
        Assert.Equal(string.Empty, DecisionTrace.Format(default));
        Assert.Equal(string.Empty, DecisionTrace.Format(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None)));
    }

    [Fact]
    public void ForBatch_OneTrace_ParentIsTheFirstCallAndOtherCallsLinked()
    {
        var first = NewCall();
        var second = new ActivityContext(first.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        var (parent, links) = DecisionTrace.ForBatch([Traced("a", first), Traced("b", first), Traced("c", second), Traced("d", default)]);

        Assert.Equal(first.SpanId, parent.SpanId);
        Assert.Equal(first.TraceId, parent.TraceId);
        Assert.Equal(second.SpanId, Assert.Single(links!).Context.SpanId);
    }

    [Fact]
    public void ForBatch_ManyTraces_OwnTraceLinkedToEachCallUpToTheLimit()
    {
        var calls = Enumerable.Range(0, DecisionTrace.MaxLinks + 20).Select(_ => NewCall()).ToList();

        var (parent, links) = DecisionTrace.ForBatch([.. calls.Select((c, i) => Traced($"m{i}", c))]);

        Assert.Equal(default, parent);
        Assert.Equal(DecisionTrace.MaxLinks, links!.Length);
        Assert.Equal(calls.Take(DecisionTrace.MaxLinks).Select(c => c.SpanId), links.Select(l => l.Context.SpanId));
    }

    [Fact]
    public void ForBatch_NoTracedDecision_OwnTraceWithoutLinks()
    {
        var (parent, links) = DecisionTrace.ForBatch([Traced("x", default)]);

        Assert.Equal(default, parent);
        Assert.Null(links);
    }

    [Fact]
    public void Validate_MalformedTraceparent_IsAViolation()
    {
        var bad = Decisions.Make("badtrace", 1);
        bad.TraceParent = "00-not-a-trace-01";

        var error = Assert.Throws<InvalidDecisionException>(() => DecisionRecordValidator.ThrowIfInvalid(bad));

        Assert.Equal("decision.trace_parent", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public async Task Spool_DecisionOfOneCall_ShipSpanIsAChildOfThatCall()
    {
        using var listener = Listen();
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(Spool_DecisionOfOneCall_ShipSpanIsAChildOfThatCall));
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance));
        await using var spool = await DecisionSpool.OpenAsync(new DecisionSpoolOptions { Directory = _directory }, recorder,
            NullLogger<DecisionSpool>.Instance, Timeout);
        var call = NewCall();

        await spool.EnqueueAsync(Traced("one", call), Timeout);
        await spool.WaitForDrainAsync(Timeout);

        var (span, batch) = Assert.Single(recorder.Spans);
        Assert.NotNull(span);
        Assert.Equal(DecisionTrace.ShipSpanName, span.OperationName);
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal(call.TraceId, span.TraceId);
        Assert.Equal(call.SpanId, span.ParentSpanId);
        Assert.Empty(span.Links);
        Assert.Equal(DecisionTrace.Format(call), Assert.Single(batch).TraceParent);
        Assert.Equal(1, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
    }

    [Fact]
    public async Task Spool_BatchFromTwoTraces_ShipSpanOfItsOwnLinkedToBothCalls()
    {
        using var listener = Listen();
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(Spool_BatchFromTwoTraces_ShipSpanOfItsOwnLinkedToBothCalls));
        var recorder = new StoreRecorder(new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance));
        await using var spool = await DecisionSpool.OpenAsync(new DecisionSpoolOptions { Directory = _directory }, recorder,
            NullLogger<DecisionSpool>.Instance, Timeout);
        var first = NewCall();
        var second = NewCall();

        // One hand-off of a micro-batch that served two calls: one spool write, so one shipped batch.
        await spool.EnqueueAsync([Traced("two-a", first), Traced("two-b", second)], Timeout);
        await spool.WaitForDrainAsync(Timeout);

        var (span, batch) = Assert.Single(recorder.Spans);
        Assert.NotNull(span);
        Assert.Equal(2, batch.Count);
        Assert.Equal(default, span.ParentSpanId);
        Assert.NotEqual(first.TraceId, span.TraceId);
        Assert.NotEqual(second.TraceId, span.TraceId);
        Assert.Equal([first.SpanId, second.SpanId], span.Links.Select(l => l.Context.SpanId));
        Assert.Equal(2, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM decisions"));
    }

    private static DecisionRecord Traced(string prefix, ActivityContext call)
    {
        var record = Decisions.Make(prefix, 1);
        record.TraceParent = DecisionTrace.Format(call);
        return record;
    }

    /// <summary>Records the spool's spans, as the OpenTelemetry SDK does when it listens to "FraudEx.*".</summary>
    private static ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DecisionTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
