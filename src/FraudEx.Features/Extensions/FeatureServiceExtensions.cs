using FraudEx.Contracts.V1;
using FraudEx.Features.Grpc;
using FraudEx.ServiceDefaults.Rpc;
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
        // API keys from Auth, each method by FeatureRoles (no keys: development mode, loopback only).
        builder.AddFraudExGrpcService<FeatureGrpcService>(FeatureService.Descriptor, FeatureRoles.Methods);
        services.AddSingleton<FeatureRequestValidator>();
        services.AddSingleton<IRequestValidator<ComputeFeaturesRequest>>(sp => sp.GetRequiredService<FeatureRequestValidator>());
        services.AddSingleton<IRequestValidator<GetEntityStateRequest>>(sp => sp.GetRequiredService<FeatureRequestValidator>());
        services.AddSingleton<IRequestValidator<RecordLabelsRequest>>(sp => sp.GetRequiredService<FeatureRequestValidator>());
        services.TryAddSingleton(TimeProvider.System);
        builder.AddFeatureStore(tracing: builder.IsTelemetryExported());
        services.AddSingleton<FeatureTelemetry>();
        return builder;
    }
}
