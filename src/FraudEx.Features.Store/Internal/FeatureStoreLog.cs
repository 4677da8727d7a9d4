using Microsoft.Extensions.Logging;

namespace FraudEx.Features.Internal;

internal static partial class FeatureStoreLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Write conflict on {Conflicts} entities; retrying (attempt {Attempt})")]
    public static partial void Conflict(ILogger logger, int conflicts, int attempt);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Transaction id claimed concurrently by another writer; re-reading the batch (attempt {Attempt})")]
    public static partial void ClaimConflict(ILogger logger, int attempt);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Stored state of {Key} is unreadable")]
    public static partial void CorruptState(ILogger logger, string key, Exception exception);
}
