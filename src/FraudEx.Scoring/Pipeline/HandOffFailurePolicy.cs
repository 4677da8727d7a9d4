namespace FraudEx.Scoring.Pipeline;

/// <summary>What the scorer does with a batch whose decisions the hand-off (the decision spool) could not take.</summary>
public enum HandOffFailurePolicy
{
    /// <summary>
    /// The default. Every call of the batch fails with UNAVAILABLE (on ScoreStream, each message's error carries
    /// UNAVAILABLE) and the client retries: no decision is answered that is not on the spool's disk, so every decision
    /// a client received reaches PostgreSQL.
    /// </summary>
    Refuse,

    /// <summary>
    /// Scoring goes on: the client gets its decision although it is not recorded. Each such decision is counted
    /// (<c>fraudex.scoring.decisions.unrecorded</c>) and logged with its transaction id (event 6020), so the audit gap
    /// is visible and can be reconciled; it never reaches PostgreSQL through the spool.
    /// </summary>
    Answer,
}

/// <summary>The batch was refused because its decisions could not be handed off (<see cref="HandOffFailurePolicy.Refuse"/>).</summary>
public sealed class DecisionNotRecordedException(int count, Exception inner)
    : Exception($"The decision spool could not take {count} decisions; none of them was answered.", inner);
