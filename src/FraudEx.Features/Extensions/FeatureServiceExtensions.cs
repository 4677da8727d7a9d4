using FraudEx.Features.Grpc;
using FraudEx.Grpc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the feature service's parts.</summary>
public static class FeatureServiceExtensions
{
    /// <summary>
    /// Adds the feature store (Aspire's Redis client on connection string "redis", e.g.
    /// ConnectionStrings__redis=127.0.0.1:6379, with its health check and tracing; section "Features") and the gRPC service.
    /// </summary>
    public static TBuilder AddFeatureServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddGrpcServer();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddFeatureStore();
        services.AddSingleton<FeatureTelemetry>();
        services.AddSingleton<FeatureGrpcService>();
        return builder;
    }
}
