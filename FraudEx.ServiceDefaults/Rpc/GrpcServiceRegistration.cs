using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Security;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Microsoft.Extensions.Hosting;

/// <summary>How a FraudEx host adds one of its gRPC services: interceptors, role table, health name.</summary>
public static class GrpcServiceRegistration
{
    /// <summary>
    /// Adds <typeparamref name="TService"/>'s interceptors (API-key authentication by <paramref name="roles"/> when
    /// given, then request validation), precise statuses for request bodies that do not parse or decompress
    /// (<see cref="RequestMessageErrors"/>) and maps its full name in grpc.health.v1 so <c>Check("fraudex.v1.X")</c>
    /// answers SERVING when the host is healthy. <paramref name="roles"/> lists every method of
    /// <paramref name="service"/>; null leaves the service without authentication.
    /// </summary>
    public static IHostApplicationBuilder AddFraudExGrpcService<TService>(
        this IHostApplicationBuilder builder, ServiceDescriptor service, IReadOnlyDictionary<string, ApiRole>? roles)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(service);
        var services = builder.Services;
        services.TryAddSingleton<ValidationInterceptor>();
        if (roles is not null)
        {
            builder.AddApiKeyAuthentication();
            services.AddSingleton(new MethodRoles(service, roles));
        }

        services.AddGrpc().AddServiceOptions<TService>(o =>
        {
            // Order matters: an unauthenticated caller learns nothing about what a valid request looks like.
            if (roles is not null)
            {
                o.Interceptors.Add<ApiKeyInterceptor>();
            }

            o.Interceptors.Add<ValidationInterceptor>();
        });
        services.AddRequestMessageErrors();
        services.Configure<GrpcHealthChecksOptions>(o => o.Services.Map(service.FullName, _ => true));
        services.AddSingleton<TService>();
        return builder;
    }

    /// <summary>
    /// The <c>Auth</c> keys (<see cref="ApiKeyOptions"/>), the authenticator, the interceptor and the development-mode
    /// guard (no keys: loopback only, logged at Warning) and the cleartext guard (a configured certificate rules out
    /// http:// listeners). Idempotent. <paramref name="legacySection"/> names a section
    /// read instead when <c>Auth</c> has no keys (the scorer's former <c>Scoring:Auth</c>).
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder, string? legacySection = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(ApiKeyAuthenticator)))
        {
            BindApiKeyOptions(services);
            services.TryAddSingleton<ApiKeyAuthenticator>();
            services.TryAddSingleton<ApiKeyInterceptor>();
            services.AddHostedService<DevelopmentModeGuard>();
            services.AddHostedService<CleartextListenerGuard>();
        }

        if (legacySection is not null)
        {
            // Runs after the Auth binding above, so Auth wins whenever it has keys.
            services.AddOptions<ApiKeyOptions>().Configure<IConfiguration>((o, c) =>
            {
                if (o.Keys.Count == 0)
                {
                    c.GetSection(legacySection).Bind(o);
                }
            });
        }

        return builder;
    }

    /// <summary>Registers <typeparamref name="TValidator"/> as the check of every <typeparamref name="TRequest"/>.</summary>
    public static IServiceCollection AddRequestValidator<TRequest, TValidator>(this IServiceCollection services)
        where TValidator : class, IRequestValidator<TRequest>
    {
        services.AddSingleton<IRequestValidator<TRequest>, TValidator>();
        return services;
    }

    /// <summary>Binds <see cref="ApiKeyOptions"/> to <c>Auth</c> once (binding twice would list every key twice).</summary>
    internal static void BindApiKeyOptions(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ApiKeyOptionsBound)))
        {
            return;
        }

        services.AddSingleton<ApiKeyOptionsBound>();
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section);
    }

    private sealed class ApiKeyOptionsBound;
}
