using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudEx.Contracts.V1;
using FraudEx.Scoring.Pipeline;

namespace FraudEx.Scoring.Telemetry;

/// <summary>The scorer's spans (ActivitySource "FraudEx.Scoring") and metrics (Meter "FraudEx.Scoring").</summary>
public sealed class ScoringTelemetry : IDisposable
{
    /// <summary>Name of the ActivitySource and the Meter.</summary>
    public const string Name = "FraudEx.Scoring";

    /// <summary>The scorer's spans.</summary>
    public static readonly ActivitySource Source = new(Name);

    private readonly Meter meter;
    private readonly Histogram<double> duration;
    private readonly Histogram<int> batchSize;
    private readonly Counter<long> decisions;
    private readonly Counter<long> replays;
    private readonly Counter<long> handOffFailures;
    private readonly Counter<long> unrecorded;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ScoringTelemetry(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        duration = meter.CreateHistogram<double>("fraudex.scoring.duration", "s",
            "Server time to score one transaction, from receipt to answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1] });
        batchSize = meter.CreateHistogram<int>("fraudex.scoring.batch_size", "{transaction}", "Transactions per micro-batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        decisions = meter.CreateCounter<long>("fraudex.scoring.decisions", "{decision}", "Decisions made, by decision and degradation.");
        replays = meter.CreateCounter<long>("fraudex.scoring.replays", "{decision}", "Transactions scored again and answered with the original decision.");
        handOffFailures = meter.CreateCounter<long>("fraudex.scoring.handoff_failures", "{decision}", "Decisions the hand-off refused, tagged with the failure policy applied.");
        unrecorded = meter.CreateCounter<long>("fraudex.scoring.decisions.unrecorded", "{decision}", "Decisions answered although the hand-off refused them (HandOffFailure = Answer): not recorded.");
    }

    /// <summary>Records one transaction's server time.</summary>
    public void RecordDuration(TimeSpan elapsed, bool replayed) =>
        duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("fraudex.replayed", replayed));

    /// <summary>Records a batch's size.</summary>
    public void RecordBatch(int size) => batchSize.Record(size);

    /// <summary>Counts one decision.</summary>
    public void CountDecision(Decision decision, bool degraded) =>
        decisions.Add(1, new KeyValuePair<string, object?>("fraudex.decision", DecisionName(decision)),
            new KeyValuePair<string, object?>("fraudex.degraded", degraded));

    /// <summary>Counts one replayed decision.</summary>
    public void CountReplay() => replays.Add(1);

    /// <summary>Counts decisions the hand-off refused, with the policy applied to them.</summary>
    public void CountHandOffFailures(int count, HandOffFailurePolicy policy) =>
        handOffFailures.Add(count, new KeyValuePair<string, object?>("fraudex.handoff.policy", policy == HandOffFailurePolicy.Answer ? "answer" : "refuse"));

    /// <summary>Counts decisions answered but not recorded.</summary>
    public void CountUnrecorded(int count) => unrecorded.Add(count);

    /// <summary>The decision's lower-case name, as used in tags.</summary>
    public static string DecisionName(Decision decision) => decision switch
    {
        Decision.Approve => "approve",
        Decision.Review => "review",
        Decision.Decline => "decline",
        _ => "unspecified",
    };

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();
}
