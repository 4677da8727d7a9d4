using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>The defaults of a browser-facing web app (FraudEx.Console): HTTP/1.1, health endpoints, and the same
/// OTLP telemetry as the services.</summary>
public sealed class WebAppDefaultsTests
{
    private static readonly TimeSpan Timeout = TestHost.Timeout;

    [Fact]
    public async Task PageRequest_ServerSpanReachesOtlpAndHealthAnswersOverHttp11()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address.ToString().TrimEnd('/'),
            ["OTEL_SERVICE_NAME"] = "console-under-test",
        });
        builder.AddWebAppDefaults(defaultPort: 0);
        var app = builder.Build();
        app.MapGet("/page", () => Results.Text("a page"));
        app.MapWebAppDefaultEndpoints();
        await app.StartAsync().WaitAsync(Timeout);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version11 };
        using var page = await client.GetAsync(new Uri(address, "/page")).WaitAsync(Timeout);
        using var health = await client.GetAsync(new Uri(address, "/health")).WaitAsync(Timeout);
        using var alive = await client.GetAsync(new Uri(address, "/alive")).WaitAsync(Timeout);
        // Stopping flushes the exporters.
        await app.StopAsync().WaitAsync(Timeout);
        await app.DisposeAsync();

        Assert.Equal(HttpVersion.Version11, page.Version);
        Assert.Equal("a page", await page.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        var traces = receiver.Requests.Where(r => r.Path.Contains("TraceService", StringComparison.Ordinal))
            .Select(r => Encoding.UTF8.GetString(r.Body)).ToList();
        Assert.Contains(traces, t => t.Contains("GET /page", StringComparison.Ordinal) && t.Contains("console-under-test", StringComparison.Ordinal));
        // Health probes every few seconds would bury the analysts' requests in the dashboard: no server span for them
        // (the test's own HttpClient spans, exported by the same process, name only the method).
        Assert.DoesNotContain(traces, t => t.Contains("GET /health", StringComparison.Ordinal) || t.Contains("GET /alive", StringComparison.Ordinal));
    }

    [Fact]
    public void NothingConfigured_ListensOnLoopbackDefaultPort()
    {
        // No defaults: the test process's own ASPNETCORE_URLS must not count.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        builder.AddWebAppDefaults(defaultPort: 5180);

        Assert.Equal("http://127.0.0.1:5180", builder.Configuration["urls"]);
    }
}
