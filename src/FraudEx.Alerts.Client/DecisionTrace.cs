using System.Diagnostics;
using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Client;

/// <summary>
/// The trace context a decision carries (<see cref="DecisionRecord.TraceParent"/>, a W3C traceparent), so the spans
/// that ship and store it belong to the trace of the call that made it, although they run later, in another loop and
/// often another process.
/// </summary>
public static class DecisionTrace
{
    /// <summary>Name of the spool's ActivitySource (picked up by ServiceDefaults' "FraudEx.*").</summary>
    public const string SourceName = "FraudEx.Alerts.Client";

    /// <summary>Name of the span of one RecordDecisions attempt for a spooled batch.</summary>
    public const string ShipSpanName = "decisions.ship";

    /// <summary>Most links one ship span carries: OpenTelemetry's default span link limit.</summary>
    public const int MaxLinks = 128;

    /// <summary>The spool's spans.</summary>
    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>The traceparent of <paramref name="context"/> when it is a sampled trace, else empty: a decision made
    /// outside any recorded trace carries nothing.</summary>
    public static string Format(ActivityContext context) =>
        context.TraceId == default || (context.TraceFlags & ActivityTraceFlags.Recorded) == 0
            ? string.Empty
            : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-01";

    /// <summary>Reads a traceparent written by <see cref="Format"/> (or any W3C traceparent).</summary>
    public static bool TryParse(string? traceParent, out ActivityContext context)
    {
        context = default;
        return !string.IsNullOrEmpty(traceParent)
            && ActivityContext.TryParse(traceParent, null, isRemote: true, out context)
            && context.TraceId != default;
    }

    /// <summary>
    /// Where the span of a batch goes. A batch whose traced decisions all come from one trace (one Score call, one
    /// stream) continues that trace: its span is a child of the first decision's call, and links to the others' calls.
    /// A batch from several traces is a trace of its own that links to each decision's call (the first
    /// <see cref="MaxLinks"/>), as a batch send does in OpenTelemetry's messaging conventions. No traced decision: a
    /// trace of its own, without links.
    /// </summary>
    public static (ActivityContext Parent, ActivityLink[]? Links) ForBatch(IReadOnlyList<DecisionRecord> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        return ForBatch(decisions.Select(d => d.TraceParent));
    }

    /// <summary>As <see cref="ForBatch(IReadOnlyList{DecisionRecord})"/>, from the decisions' traceparents alone.</summary>
    public static (ActivityContext Parent, ActivityLink[]? Links) ForBatch(IEnumerable<string?> traceParents)
    {
        ArgumentNullException.ThrowIfNull(traceParents);
        List<ActivityContext>? contexts = null;
        HashSet<ActivityContext>? seen = null;
        var oneTrace = true;
        foreach (var traceParent in traceParents)
        {
            if (!TryParse(traceParent, out var context))
            {
                continue;
            }

            contexts ??= [];
            seen ??= [];
            oneTrace &= contexts.Count == 0 || contexts[0].TraceId == context.TraceId;
            if (contexts.Count <= MaxLinks && seen.Add(context))
            {
                contexts.Add(context);
            }
        }

        if (contexts is null)
        {
            return (default, null);
        }

        if (oneTrace)
        {
            return (contexts[0], contexts.Count == 1 ? null : [.. contexts.Skip(1).Take(MaxLinks).Select(c => new ActivityLink(c))]);
        }

        return (default, [.. contexts.Take(MaxLinks).Select(c => new ActivityLink(c))]);
    }
}
