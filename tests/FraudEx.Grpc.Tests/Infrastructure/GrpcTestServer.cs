using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.Grpc.Tests.Infrastructure;

/// <summary>
/// A real Kestrel on loopback with ports picked by the OS: an HTTP/2 (prior knowledge) endpoint for gRPC and an
/// HTTP/1.1 endpoint to check that non-HTTP/2 requests are refused.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private GrpcTestServer(WebApplication app, TestConformanceService service, Uri http2, Uri http1)
    {
        App = app;
        Service = service;
        Address = http2;
        Http1Address = http1;
    }

    public WebApplication App { get; }

    public TestConformanceService Service { get; }

    public Uri Address { get; }

    public Uri Http1Address { get; }

    public static async Task<GrpcTestServer> StartAsync(Action<GrpcServerOptions>? configure = null, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        ListenOptions? h2 = null;
        ListenOptions? h1 = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http2; h2 = o; });
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http1; h1 = o; });
        });
        var logs = new List<string>();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(new ListLoggerProvider(logs));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        var service = new TestConformanceService();
        builder.Services.AddSingleton(service);
        builder.Services.AddGrpcServer(configure);
        builder.Services.AddGrpcHealthAndReflection();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<TestConformanceService>();
        app.MapGrpcHealthAndReflection();
        map?.Invoke(app);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        return new GrpcTestServer(app, service,
            new Uri($"http://127.0.0.1:{((IPEndPoint)h2!.EndPoint).Port}"),
            new Uri($"http://127.0.0.1:{((IPEndPoint)h1!.EndPoint).Port}"))
        {
            _logs = logs,
        };
    }

    private List<string> _logs = [];

    public string[] Logs()
    {
        lock (_logs)
        {
            return _logs.ToArray();
        }
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await App.DisposeAsync();
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(List<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add($"{logLevel}|{category}|{eventId.Id}|{formatter(state, exception)}");
            }
        }
    }
}
