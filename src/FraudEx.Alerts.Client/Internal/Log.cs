using Microsoft.Extensions.Logging;

namespace FraudEx.Alerts.Client.Internal;

/// <summary>Log lines of the decision spool (event ids 6xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Warning, "Cut {Bytes} bytes of torn writes off spool segment {Path}")]
    public static partial void TornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(6002, LogLevel.Information, "Recovered spool segment {Path} with {Frames} decisions")]
    public static partial void RecoveredSegment(ILogger logger, string path, long frames);

    [LoggerMessage(6003, LogLevel.Error, "Writing to the decision spool failed")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(6004, LogLevel.Warning, "Shipping {Count} decisions failed (attempt {Attempt}); retrying with backoff")]
    public static partial void SendFailed(ILogger logger, int count, int attempt, Exception exception);

    [LoggerMessage(6005, LogLevel.Error, "The alert service rejected {Count} decisions permanently; kept in {Path}")]
    public static partial void BatchRejected(ILogger logger, int count, string path, Exception exception);

    [LoggerMessage(6006, LogLevel.Error, "The decision shipper failed; restarting from the last acknowledgement")]
    public static partial void ShipperFailed(ILogger logger, Exception exception);

    [LoggerMessage(6007, LogLevel.Warning, "Preparing space ahead in spool segment {Path} failed; writes there grow the file instead")]
    public static partial void PreallocationFailed(ILogger logger, string path, Exception exception);
}
