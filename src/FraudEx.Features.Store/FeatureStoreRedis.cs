using StackExchange.Redis;

namespace FraudEx.Features;

/// <summary>How the feature store wants its StackExchange.Redis connection configured.</summary>
public static class FeatureStoreRedis
{
    /// <summary>
    /// Applies the store's connection policy on top of the connection string: a command fails at once with
    /// <see cref="RedisConnectionException"/> while Redis is unreachable instead of queueing behind a dead server (the
    /// callers retry or degrade; a queued check-and-set would only run late); starting without Redis does not fail;
    /// reconnection retries quickly (from 50 ms, exponentially up to 2 s) so a restarted Redis is used again soon.
    /// <paramref name="clientName"/> is used when the connection string names none.
    /// </summary>
    public static ConfigurationOptions Configure(ConfigurationOptions options, string clientName = "fraudex-features")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.AbortOnConnectFail = false;
        options.ReconnectRetryPolicy = new ExponentialRetry(50, 2000);
        options.ClientName ??= clientName;
        return options;
    }

    /// <summary>Connects as <see cref="Configure"/> says (tests, benchmarks and tools that run without a host).</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString, Action<ConfigurationOptions>? configure = null, string clientName = "fraudex-features")
    {
        var options = Configure(ConfigurationOptions.Parse(connectionString), clientName);
        configure?.Invoke(options);
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
