using FraudEx.Features.Grpc;
using FraudEx.Features.Internal;
using FraudEx.Grpc;
using FraudEx.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the feature service's parts.</summary>
public static class FeatureServiceExtensions
{
    /// <summary>Configuration section bound to <see cref="FraudEx.Features.FeatureStoreOptions"/>.</summary>
    public const string Section = "Features";

    /// <summary>
    /// Adds the Redis client (connection string "redis", e.g. ConnectionStrings__redis=127.0.0.1:6379), the feature
    /// store (section "Features"), its readiness check and the gRPC service.
    /// </summary>
    public static TBuilder AddFeatureServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddGrpcServer();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<FraudEx.Features.FeatureStoreOptions>().BindConfiguration(Section);
        services.AddSingleton(sp =>
        {
            var options = RedisOptions.Parse(sp.GetRequiredService<IConfiguration>().GetRequiredConnectionString("redis"));
            options.ClientName ??= "fraudex-features";
            return new RedisClient(options, sp.GetRequiredService<ILogger<RedisClient>>());
        });
        services.AddSingleton(sp => new FraudEx.Features.FeatureStore(
            sp.GetRequiredService<RedisClient>(),
            sp.GetRequiredService<IOptions<FraudEx.Features.FeatureStoreOptions>>().Value,
            sp.GetRequiredService<ILogger<FraudEx.Features.FeatureStore>>()));
        services.AddSingleton<FeatureTelemetry>();
        services.AddSingleton<FeatureGrpcService>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return builder;
    }
}
