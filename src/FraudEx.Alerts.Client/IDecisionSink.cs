using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Client;

/// <summary>
/// Where the scoring service hands decisions over. When the returned task completes, the decision is durable on the
/// caller's side and will reach the alert service's Postgres exactly once, whatever process dies in between.
/// </summary>
public interface IDecisionSink
{
    /// <summary>Hands one decision over; completes once it is durable.</summary>
    /// <exception cref="InvalidDecisionException">The record is malformed and would never be accepted.</exception>
    ValueTask EnqueueAsync(DecisionRecord decision, CancellationToken cancellationToken = default);

    /// <summary>Hands a batch over with a single disk flush; completes once all of it is durable.</summary>
    /// <exception cref="InvalidDecisionException">A record is malformed; none of the batch is taken.</exception>
    ValueTask EnqueueAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken = default);
}
