using FraudEx.Grpc.Health;
using FraudEx.Grpc.Internal.Server;
using FraudEx.Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FraudEx.Grpc;

/// <summary>Registration and endpoint mapping of the gRPC server.</summary>
public static class GrpcServerExtensions
{
    /// <summary>Adds the gRPC server (idempotent; each call's <paramref name="configure"/> applies).</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddRouting();
        services.TryAddSingleton<GrpcServerRuntime>();
        services.TryAddSingleton<GrpcServiceRegistry>();
        return services;
    }

    /// <summary>
    /// Adds grpc.health.v1.Health (fed by ASP.NET Core health checks) and server reflection (grpc.reflection.v1 and
    /// v1alpha). Map them with <see cref="MapGrpcHealthAndReflection"/>.
    /// </summary>
    public static IServiceCollection AddGrpcHealthAndReflection(this IServiceCollection services)
    {
        services.AddGrpcServer();
        services.AddHealthChecks();
        services.TryAddSingleton(sp => new GrpcHealthService(
            sp.GetRequiredService<HealthCheckService>(),
            sp.GetRequiredService<IOptions<HealthCheckServiceOptions>>(),
            sp.GetRequiredService<GrpcServiceRegistry>(),
            sp.GetRequiredService<GrpcServerRuntime>()));
        services.TryAddSingleton(sp => new GrpcReflectionService(sp.GetRequiredService<GrpcServiceRegistry>()));
        services.TryAddSingleton(sp => new GrpcReflectionV1AlphaService(sp.GetRequiredService<GrpcReflectionService>()));
        return services;
    }

    /// <summary>
    /// Maps each method of <typeparamref name="TService"/> to "/pkg.Service/Method" (POST), plus, once per
    /// application, a fallback that answers unknown gRPC methods with UNIMPLEMENTED. The service instance comes from
    /// DI when registered (register it as a singleton: it is resolved once, at mapping time), else is created with
    /// its constructor dependencies from DI.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class, IGrpcService
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var sp = endpoints.ServiceProvider;
        var runtime = sp.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException("Call services.AddGrpcServer() before mapping gRPC services.");
        var registry = sp.GetRequiredService<GrpcServiceRegistry>();
        var service = sp.GetService<TService>() ?? ActivatorUtilities.CreateInstance<TService>(sp);

        var binder = new GrpcServiceBinder();
        service.Bind(binder);

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in binder.Methods)
        {
            var m = method;
            var builder = endpoints.Map(RoutePatternFactory.Parse(m.Names.Path), ctx => m.HandleAsync(ctx, runtime))
                .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
                .WithMetadata(m.Descriptor)
                .WithDisplayName("gRPC " + m.Names.Path);
            builders.Add(builder);
        }

        foreach (var descriptor in binder.Services)
        {
            registry.Add(descriptor);
        }

        if (!registry.FallbackMapped)
        {
            registry.FallbackMapped = true;
            var fallback = endpoints.Map(RoutePatternFactory.Parse("/{unimplementedService}/{unimplementedMethod}"),
                    ctx => UnimplementedHandler.HandleAsync(ctx, runtime, registry))
                .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
                .WithDisplayName("gRPC unimplemented");
            // Served methods and other endpoints always win over the fallback.
            fallback.Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
        }

        return new CompositeConventionBuilder(builders);
    }

    /// <summary>Maps grpc.health.v1.Health and reflection (v1 and v1alpha) added by <see cref="AddGrpcHealthAndReflection"/>.</summary>
    public static IEndpointRouteBuilder MapGrpcHealthAndReflection(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<GrpcHealthService>();
        endpoints.MapGrpcService<GrpcReflectionService>();
        endpoints.MapGrpcService<GrpcReflectionV1AlphaService>();
        return endpoints;
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var b in builders)
            {
                b.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var b in builders)
            {
                b.Finally(finallyConvention);
            }
        }
    }
}
