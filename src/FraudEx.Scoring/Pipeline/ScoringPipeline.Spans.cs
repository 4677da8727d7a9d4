using System.Diagnostics;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Telemetry;

namespace FraudEx.Scoring.Pipeline;

public sealed partial class ScoringPipeline
{
    private sealed class StepMarks
    {
        public DateTimeOffset BatchStart { get; init; }

        public long BatchStartTimestamp { get; init; }

        public DateTimeOffset FeaturesEnd { get; set; }

        public DateTimeOffset ModelEnd { get; set; }

        public DateTimeOffset ExplainEnd { get; set; }

        public DateTimeOffset PolicyEnd { get; set; }

        public DateTimeOffset HandOffEnd { get; set; }
    }

    /// <summary>
    /// A batch's work is done once for many requests, so its live spans sit under the first request's trace. Every
    /// other sampled request gets the same steps as spans with the batch's timings, linked to the batch span, so each
    /// trace on its own still shows where its milliseconds went, the batching wait included.
    /// </summary>
    private void RecordItemSpans(IReadOnlyList<BatchItem<PendingScore>> items, StepMarks marks, Activity? batchActivity)
    {
        var links = batchActivity is null ? null : new[] { new ActivityLink(batchActivity.Context) };
        for (var i = 0; i < items.Count; i++)
        {
            var parent = items[i].Parent;
            if (parent == default || (parent.TraceFlags & ActivityTraceFlags.Recorded) == 0)
            {
                continue;
            }

            var enqueued = marks.BatchStart - TimeSpan.FromSeconds(
                (double)(marks.BatchStartTimestamp - items[i].EnqueuedAt) / timeProvider.TimestampFrequency);
            Emit("scoring.batch_wait", parent, enqueued, marks.BatchStart, null, items.Count);
            if (i == 0)
            {
                continue;
            }

            Emit("scoring.features", parent, marks.BatchStart, marks.FeaturesEnd, links, items.Count);
            Emit("scoring.onnx_run", parent, marks.FeaturesEnd, marks.ModelEnd, links, items.Count);
            Emit("scoring.policy", parent, marks.ModelEnd, marks.PolicyEnd, links, items.Count);
            Emit("scoring.explain", parent, marks.PolicyEnd, marks.ExplainEnd, links, items.Count);
            Emit("scoring.handoff", parent, marks.ExplainEnd, marks.HandOffEnd, links, items.Count);
        }
    }

    private static void Emit(string name, ActivityContext parent, DateTimeOffset start, DateTimeOffset end, ActivityLink[]? links, int batchSize)
    {
        using var activity = ScoringTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent, links: links, startTime: start);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("fraudex.batch.size", batchSize);
        activity.SetEndTime(end.UtcDateTime);
    }
}
