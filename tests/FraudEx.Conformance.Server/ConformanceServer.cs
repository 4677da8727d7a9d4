using FraudEx.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FraudEx.Conformance;

/// <summary>Builds the conformance host, for its own process (Program.cs) and for tests that host it in-process.</summary>
public static class ConformanceServer
{
    /// <summary>Listens here when no URL is configured.</summary>
    public const int DefaultPort = 5190;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(DefaultPort);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConformanceService>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGrpcService<ConformanceService>();
        app.MapDefaultEndpoints();
        return app;
    }
}
