using FraudEx.Contracts.V1;

namespace FraudEx.Alerts.Client;

/// <summary>The transport a spool ships batches through (AlertService.RecordDecisions in production).</summary>
public interface IDecisionRecorder
{
    /// <summary>Records a batch, idempotently on transaction_id. Completing means the batch is committed.</summary>
    /// <exception cref="DecisionsRejectedException">The batch can never be accepted (retrying is pointless).</exception>
    Task RecordAsync(IReadOnlyList<DecisionRecord> decisions, CancellationToken cancellationToken);

    /// <summary>
    /// Records a batch as the spool holds it, serialized; the spool ships through this. A recorder that sends bytes
    /// (<see cref="AlertServiceDecisionRecorder"/>) sends them as they are; the default parses them.
    /// </summary>
    /// <exception cref="DecisionsRejectedException">The batch can never be accepted (retrying is pointless).</exception>
    Task RecordAsync(SpooledDecisions decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        return RecordAsync(decisions.Parse(), cancellationToken);
    }
}

/// <summary>The receiver refused a batch permanently (INVALID_ARGUMENT), as opposed to being unavailable.</summary>
public sealed class DecisionsRejectedException : Exception
{
    public DecisionsRejectedException()
    {
    }

    public DecisionsRejectedException(string message)
        : base(message)
    {
    }

    public DecisionsRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A decision failed validation before it was spooled.</summary>
public sealed class InvalidDecisionException : Exception
{
    public InvalidDecisionException()
    {
        Violations = [];
    }

    public InvalidDecisionException(string message)
        : base(message)
    {
        Violations = [];
    }

    public InvalidDecisionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [];
    }

    public InvalidDecisionException(IReadOnlyList<(string Field, string Description)> violations)
        : base(string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")))
    {
        Violations = violations;
    }

    /// <summary>The offending fields.</summary>
    public IReadOnlyList<(string Field, string Description)> Violations { get; }
}
