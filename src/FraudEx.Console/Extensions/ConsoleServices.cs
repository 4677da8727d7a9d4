using System.Text.Json;
using System.Text.Json.Serialization;
using FraudEx.Console.Alerts;
using FraudEx.Console.Traffic;
using FraudEx.Contracts.V1;

namespace FraudEx.Console.Extensions;

/// <summary>The console's parts.</summary>
public static class ConsoleServices
{
    /// <summary>Where the alert service is found (<c>services:alerts:grpc:0</c>).</summary>
    public const string AlertsAddress = "http://_grpc.alerts";

    /// <summary>Where the scoring service is found (<c>services:scoring:grpc:0</c>).</summary>
    public const string ScoringAddress = "http://_grpc.scoring";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// gRPC clients for AlertService (with <c>Console:AnalystKey</c>) and ScoringService (with
    /// <c>Console:ScorerKey</c>), the live feed and the traffic generator. Without keys the calls carry none, which
    /// services in development mode accept.
    /// </summary>
    public static WebApplicationBuilder AddConsoleServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });

        // Each client resolves its peer by name (services:alerts:grpc:0) through service discovery.
        services.AddGrpcClient<AlertService.AlertServiceClient>(o => o.Address = new Uri(AlertsAddress))
            .AddServiceDiscovery()
            .AddHttpMessageHandler(() => new BearerKeyHandler(configuration["Console:AnalystKey"]));
        services.AddGrpcClient<ScoringService.ScoringServiceClient>(o => o.Address = new Uri(ScoringAddress))
            .AddServiceDiscovery()
            .AddHttpMessageHandler(() => new BearerKeyHandler(configuration["Console:ScorerKey"]));

        services.AddSingleton<IAlertWatcher, GrpcAlertWatcher>();
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton<TrafficGenerator>();
        return builder;
    }

    /// <summary>The pages' JSON API under /api.</summary>
    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapAlertsApi();
        endpoints.MapTrafficApi();
        return endpoints;
    }
}

/// <summary>Sends the configured key as <c>authorization: Bearer &lt;key&gt;</c> on every call.</summary>
internal sealed class BearerKeyHandler(string? key) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(key))
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
