using StackExchange.Redis;

namespace FraudEx.Features;

/// <summary>What a failure of the feature store means to its caller.</summary>
public enum FeatureStoreFailure
{
    /// <summary>Not a store failure the caller can name (a bug, or cancellation).</summary>
    Other,

    /// <summary>Redis is unreachable, timed out, or transiently refusing (LOADING, BUSY, failover): retry later.</summary>
    Unavailable,

    /// <summary>Redis is out of memory.</summary>
    ResourceExhausted,

    /// <summary>Contention on the same entities did not settle within the configured attempts.</summary>
    Conflict,

    /// <summary>A stored state is unreadable; nothing was written.</summary>
    CorruptState,
}

/// <summary>Classifies the exceptions of <see cref="FeatureStore"/> for status mapping and degradation.</summary>
public static class FeatureStoreErrors
{
    public static FeatureStoreFailure Classify(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => FeatureStoreFailure.Unavailable,
        RedisServerException { Kind: RedisErrorKind.OutOfMemory } => FeatureStoreFailure.ResourceExhausted,
        RedisServerException { Kind: RedisErrorKind.Loading or RedisErrorKind.Busy or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain
            or RedisErrorKind.ClusterDown or RedisErrorKind.ReadOnly or RedisErrorKind.MaxClients } => FeatureStoreFailure.Unavailable,
        RedisServerException ex when StartsWithAny(ex.Message, "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY") => FeatureStoreFailure.Unavailable,
        RedisServerException ex when ex.Message.StartsWith("OOM", StringComparison.Ordinal) => FeatureStoreFailure.ResourceExhausted,
        FeatureStoreConflictException => FeatureStoreFailure.Conflict,
        FeatureStoreCorruptStateException => FeatureStoreFailure.CorruptState,
        _ => FeatureStoreFailure.Other,
    };

    /// <summary>True when the failure says Redis cannot be used right now (the caller may degrade or retry).</summary>
    public static bool IsUnavailable(Exception exception) => Classify(exception) == FeatureStoreFailure.Unavailable;

    private static bool StartsWithAny(string message, params ReadOnlySpan<string> prefixes)
    {
        foreach (var p in prefixes)
        {
            if (message.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
