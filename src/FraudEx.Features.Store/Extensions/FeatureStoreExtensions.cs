using FraudEx.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the feature store for any host that computes features (the feature service, the scorer).</summary>
public static class FeatureStoreExtensions
{
    /// <summary>Configuration section bound to <see cref="FeatureStoreOptions"/>.</summary>
    public const string Section = "Features";

    /// <summary>
    /// Adds the Redis connection through Aspire (connection string <c>ConnectionStrings:{connectionName}</c>, e.g.
    /// <c>ConnectionStrings__redis=127.0.0.1:6379</c>; its health check and tracing come with it), configured as
    /// <see cref="FeatureStoreRedis.Configure"/> says, and the <see cref="FeatureStore"/> (section "Features").
    /// <paramref name="readinessCheck"/> false leaves out Aspire's Redis health check, for a host that stays ready
    /// (and degrades) while Redis is down. <paramref name="tracing"/> false leaves out Aspire's StackExchange.Redis tracing
    /// (pass whether telemetry is exported: the tracing profiles every command, and keeps it with its arguments until
    /// it next turns them into spans, whether or not anyone receives them); <c>Aspire:StackExchange:Redis:DisableTracing</c>
    /// turns it off either way.
    /// </summary>
    public static TBuilder AddFeatureStore<TBuilder>(
        this TBuilder builder, string connectionName = "redis", string clientName = "fraudex-features", bool readinessCheck = true, bool tracing = true)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRedisClient(
            connectionName,
            configureSettings: s =>
            {
                s.DisableHealthChecks |= !readinessCheck;
                s.DisableTracing |= !tracing;
            },
            configureOptions: o => FeatureStoreRedis.Configure(o, clientName));
        builder.Services.AddSingleton(sp =>
        {
            var options = new FeatureStoreOptions();
            sp.GetRequiredService<IConfiguration>().GetSection(Section).Bind(options);
            return new FeatureStore(sp.GetRequiredService<IConnectionMultiplexer>(), options, sp.GetRequiredService<ILogger<FeatureStore>>());
        });
        builder.Services.AddHostedService<FeatureStoreConnect>();
        return builder;
    }

    /// <summary>
    /// Connects to Redis when the host starts (hosted services start before Kestrel takes calls). Aspire creates the
    /// multiplexer with a synchronous connect on first use; left to the first calls, a burst of them blocks worker
    /// threads on that connect while the handshake waits for one, the connect runs out its timeout, and the calls fail
    /// UNAVAILABLE although Redis is up. A Redis that is down costs the start the connect timeout once
    /// (abortConnect=false: the start goes on and the multiplexer keeps reconnecting).
    /// </summary>
    private sealed class FeatureStoreConnect(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            Task.Run(() => services.GetRequiredService<FeatureStore>(), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
