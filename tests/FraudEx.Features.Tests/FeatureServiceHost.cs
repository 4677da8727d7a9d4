using FraudEx.Contracts.V1;
using FraudEx.Features.Grpc;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.Features.Tests;

/// <summary>The feature service host as Program.cs wires it, on real Kestrel at a loopback port of its own.</summary>
internal sealed class FeatureServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private FeatureServiceHost(WebApplication app)
    {
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _channel = GrpcChannel.ForAddress(address);
        Client = new FeatureService.FeatureServiceClient(_channel);
    }

    public FeatureService.FeatureServiceClient Client { get; }

    public static async Task<FeatureServiceHost> StartAsync(string redisConnectionString, string keyPrefix)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redisConnectionString + ",syncTimeout=1000",
            ["Features:KeyPrefix"] = keyPrefix,
        });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults(defaultPort: 0);
        builder.AddFeatureServices();
        var app = builder.Build();
        app.MapGrpcService<FeatureGrpcService>();
        app.MapDefaultEndpoints();
        await app.StartAsync().WaitAsync(Support.CallTimeout);
        return new FeatureServiceHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync().WaitAsync(Support.CallTimeout);
        await _app.DisposeAsync();
    }
}
