namespace FraudEx.Alerts;

/// <summary>Why an alert-service operation was refused; the gRPC layer maps each to its status code.</summary>
public enum AlertError
{
    /// <summary>The request is malformed (INVALID_ARGUMENT, with field violations).</summary>
    InvalidArgument,
    /// <summary>The alert or transaction does not exist (NOT_FOUND).</summary>
    NotFound,
    /// <summary>The workflow does not allow the change (FAILED_PRECONDITION).</summary>
    FailedPrecondition,
    /// <summary>The caller's expected version is stale (ABORTED): read again and retry.</summary>
    Conflict,
}

/// <summary>A refusal with a precise reason, raised by the alert logic and turned into a gRPC status by the host.</summary>
public sealed class AlertServiceException : Exception
{
    public AlertServiceException(AlertError error, string message, IReadOnlyList<(string Field, string Description)>? violations = null)
        : base(message)
    {
        Error = error;
        Violations = violations ?? [];
    }

    public AlertServiceException()
        : this(AlertError.InvalidArgument, "Invalid request.")
    {
    }

    public AlertServiceException(string message)
        : this(AlertError.InvalidArgument, message)
    {
    }

    public AlertServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [];
    }

    public AlertError Error { get; }

    /// <summary>Offending fields, for <see cref="AlertError.InvalidArgument"/>.</summary>
    public IReadOnlyList<(string Field, string Description)> Violations { get; }

    internal static AlertServiceException Invalid(List<(string Field, string Description)> violations) =>
        new(AlertError.InvalidArgument,
            violations.Count == 1 ? $"{violations[0].Field}: {violations[0].Description}" : $"{violations.Count} invalid fields.",
            violations);
}
