using FraudEx.AppHost.Dashboard;
using FraudEx.AppHost.Internal;
using FraudEx.AppHost.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.AppHost.Hosting;

/// <summary>The built app host: the orchestrator, the OTLP receiver and the dashboard in one web host.</summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal DistributedApplication(WebApplicationBuilder host, IReadOnlyList<Resource> resources)
    {
        var context = new AppHostContext(host.Configuration);
        host.Logging.ClearProviders();
        host.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        host.Logging.AddFilter("Microsoft", LogLevel.Warning);
        host.Logging.AddFilter("System", LogLevel.Warning);
        host.WebHost.UseKestrel(k =>
        {
            // Loopback only: the dashboard and the receiver are for the developer at this machine.
            k.ListenLocalhostLoopback(context.DashboardPort);
            if (context.OtlpPort != context.DashboardPort)
            {
                k.ListenLocalhostLoopback(context.OtlpPort);
            }
        });
        host.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        host.Services.AddSingleton(TimeProvider.System);
        host.Services.AddSingleton(context);
        host.Services.AddSingleton(resources);
        host.Services.AddSingleton(sp => new TelemetryStore(TelemetryLimits.FromConfiguration(host.Configuration), sp.GetRequiredService<TimeProvider>()));
        host.Services.AddSingleton<Orchestrator>();
        host.Services.AddHostedService(sp => sp.GetRequiredService<Orchestrator>());
        host.Services.AddDashboardServices();

        _app = host.Build();
        _app.MapOtlpHttp();
        _app.MapDashboard();
    }

    public IServiceProvider Services => _app.Services;

    public Task RunAsync() => _app.RunAsync();

    public void Run() => _app.Run();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>Kestrel's loopback helper, spelled for 127.0.0.1 only (not ::1), as every FraudEx address is.</summary>
internal static class KestrelLoopback
{
    public static void ListenLocalhostLoopback(this Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions options, int port) =>
        options.Listen(System.Net.IPAddress.Loopback, port);
}
