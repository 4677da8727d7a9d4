using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;

namespace FraudEx.Scoring.Pipeline;

/// <summary>
/// Hands decisions to the alert side through the durable decision spool: a batch is on this machine's disk (one
/// group-committed flush) before its answers go out, and the spool ships it to AlertService.RecordDecisions for as
/// long as it takes, so an alert service that is down delays the audit copy but loses nothing.
/// </summary>
public sealed class SpoolHandOff : IDecisionHandOff
{
    private volatile IDecisionSink? sink;

    /// <summary>Connects the opened spool.</summary>
    public void Attach(IDecisionSink opened) => sink = opened;

    /// <inheritdoc />
    public ValueTask HandOffAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken) =>
        (sink ?? throw new InvalidOperationException("The decision spool is not open.")).EnqueueAsync(decisions, cancellationToken);
}
