using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>A real Kestrel host built with the service defaults, on a loopback port of its own.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestHost(WebApplication app) => App = app;

    public WebApplication App { get; }

    /// <summary>The first bound address, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address => new(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<TestHost> StartAsync(
        IReadOnlyDictionary<string, string?>? configuration = null,
        Action<WebApplicationBuilder>? configure = null,
        string[]? args = null,
        int defaultPort = 0)
    {
        var builder = WebApplication.CreateBuilder(args ?? ["--urls", "http://127.0.0.1:0"]);
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults(defaultPort);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync().WaitAsync(Timeout);
        return new TestHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
    }
}
