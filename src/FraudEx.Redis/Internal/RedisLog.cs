using Microsoft.Extensions.Logging;

namespace FraudEx.Redis.Internal;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to Redis at {Endpoint} (RESP{Protocol}, db {Database})")]
    public static partial void Connected(ILogger logger, string endpoint, int protocol, int database);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connecting to Redis at {Endpoint} failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, int attempt, long delayMs, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Connection to Redis at {Endpoint} lost; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, Exception exception);
}
