using FraudEx.Contracts.V1;
using FraudEx.Scoring.Batching;
using FraudEx.Scoring.Grpc;
using FraudEx.Scoring.Pipeline;
using FraudEx.Scoring.Policy;
using FraudEx.Scoring.Telemetry;
using FraudEx.Scoring.Validation;
using FraudEx.ServiceDefaults.Security;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudEx.Scoring.Tests;

/// <summary>
/// The scoring gRPC service on a real Kestrel (HTTP/2 on a loopback port picked by the OS), with in-memory features,
/// model and hand-off, so the service layer's contract (auth, validation, statuses, stream order, back-pressure) is
/// tested over the wire with the generated client on Grpc.Net.Client.
/// </summary>
internal sealed class ScoringTestHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ScoringTestHost(WebApplication app, string address)
    {
        this.app = app;
        Address = address;
        var channel = GrpcChannel.ForAddress(address);
        Channel = channel;
        Client = new ScoringService.ScoringServiceClient(channel);
    }

    public static (string Key, ApiKeyEntry Entry) Scorer { get; } = ApiKeyAuthenticator.CreateKey("gateway", "scorer");

    public static (string Key, ApiKeyEntry Entry) Analyst { get; } = ApiKeyAuthenticator.CreateKey("analyst", "analyst");

    /// <summary>The service's base address (http://127.0.0.1:port).</summary>
    public string Address { get; }

    public GrpcChannel Channel { get; }

    public ScoringService.ScoringServiceClient Client { get; }

    public FakeFeatureSource Features => app.Services.GetRequiredService<FakeFeatureSource>();

    public CollectingHandOff HandOff => app.Services.GetRequiredService<CollectingHandOff>();

    public static async Task<ScoringTestHost> StartAsync(bool withKeys = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        var s = builder.Services;
        // The service's real registration: interceptors (API keys by ScoringRoles, validation), health, reflection.
        builder.AddGrpcDefaults();
        builder.AddFraudExGrpcService<ScoringGrpcService>(ScoringService.Descriptor, ScoringRoles.Methods);
        s.AddRequestValidator<ScoreRequest, ScoreRequestValidator>();
        s.AddMetrics();
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton<IOptionsMonitor<ScoringOptions>>(new TestOptionsMonitor<ScoringOptions>(new ScoringOptions()));
        s.AddSingleton<IOptionsMonitor<PolicyOptions>>(new TestOptionsMonitor<PolicyOptions>(new PolicyOptions { Degraded = DegradedScorePolicy.Score }));
        s.AddSingleton<IOptionsMonitor<ApiKeyOptions>>(new TestOptionsMonitor<ApiKeyOptions>(
            new ApiKeyOptions { Keys = withKeys ? [Scorer.Entry, Analyst.Entry] : [] }));
        s.AddSingleton(Options.Create(new MicroBatcherOptions()));
        s.AddSingleton<TransactionValidator>();
        s.AddSingleton(new PolicyRulesSource(null, TimeProvider.System, NullLogger<PolicyRulesSource>.Instance));
        s.AddSingleton<PolicyEngine>();
        s.AddSingleton<IFeatureCatalog, FakeCatalog>(_ => new FakeCatalog());
        s.AddSingleton<FakeFeatureSource>();
        s.AddSingleton<IFeatureSource>(sp => sp.GetRequiredService<FakeFeatureSource>());
        s.AddSingleton<CollectingHandOff>();
        s.AddSingleton<IDecisionHandOff>(sp => sp.GetRequiredService<CollectingHandOff>());
        s.AddSingleton(sp =>
        {
            var host = new ModelHost(sp.GetRequiredService<IFeatureCatalog>(), TimeProvider.System, NullLogger<ModelHost>.Instance);
            host.Swap(new FakeModel("fraud-1"), new FakeModel("fraud-2", offset: 0.1f));
            return host;
        });
        s.AddSingleton<ScoringTelemetry>();
        s.AddSingleton<ScoringPipeline>();
        var app = builder.Build();
        app.MapGrpcService<ScoringGrpcService>();
        await app.StartAsync().WaitAsync(Wait.Timeout);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ScoringTestHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync().WaitAsync(Wait.Timeout);
        await app.DisposeAsync();
    }
}
