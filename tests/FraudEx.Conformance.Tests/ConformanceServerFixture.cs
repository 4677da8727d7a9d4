using FraudEx.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudEx.Conformance.Tests;

/// <summary>The conformance service on a real Kestrel, in this process, on a loopback port the OS picked.</summary>
public sealed class ConformanceServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    /// <summary>host:port, as grpcio and grpc-js take it.</summary>
    public string Target => $"{Address.Host}:{Address.Port}";

    public async Task InitializeAsync()
    {
        _app = ConformanceServer.Build(
            ["--urls", "http://127.0.0.1:0"],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync().WaitAsync(Timeout);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.Single());
    }

    /// <summary>A channel whose own size limits are above the server's, so the server's limits are what a test meets.</summary>
    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = 16 * 1024 * 1024,
        MaxSendMessageSize = 16 * 1024 * 1024,
    });

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(Timeout);
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceServerCollection : ICollectionFixture<ConformanceServerFixture>
{
    public const string Name = "conformance server";
}
