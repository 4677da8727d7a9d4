using FraudEx.Alerts;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Webhooks;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the alert service's parts.</summary>
public static class AlertServiceExtensions
{
    /// <summary>The connection name: <c>ConnectionStrings:alertsdb</c>, the data source's name in logs and spans.</summary>
    public const string DatabaseName = "alertsdb";

    /// <summary>
    /// Postgres (ConnectionStrings:alertsdb), migrations at start-up, the stores, the live feed, the label outbox
    /// forwarding to the feature service (services:features:grpc:0), webhook delivery (Alerts:Webhooks) and the gRPC
    /// service.
    /// </summary>
    public static TBuilder AddAlertServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // Fail at start with the key to set, before Aspire's own check would fail at the first resolve.
        builder.Configuration.GetRequiredConnectionString(DatabaseName);
        // Aspire.Npgsql: the NpgsqlDataSource singleton, its health check (SELECT 1, in /health), Npgsql's spans
        // (ActivitySource "Npgsql") and metrics (Meter "Npgsql") registered with OpenTelemetry when telemetry is
        // exported (without an endpoint no pipeline is built for them, as for the rest). Settings: Aspire:Npgsql.
        var exported = builder.IsTelemetryExported();
        builder.AddNpgsqlDataSource(
            DatabaseName,
            configureSettings: s =>
            {
                s.DisableTracing |= !exported;
                s.DisableMetrics |= !exported;
            },
            configureDataSourceBuilder: dataSource => dataSource.Name = DatabaseName);
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<WebhookOptions>(builder.Configuration.GetSection("Alerts:Webhooks"));

        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<DecisionStore>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<LabelStore>();
        services.AddSingleton<LabelForwarder>();
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<AlertFeed>();
        // API keys from Auth, each method by AlertRoles (no keys: development mode, loopback only).
        builder.AddFraudExGrpcService<AlertGrpcService>(AlertService.Descriptor, AlertRoles.Methods);
        services.AddRequestValidator<RecordDecisionsRequest, RecordDecisionsValidator>();

        // The feature service through its generated client (services:features:grpc:0, else 127.0.0.1:5101).
        builder.AddFraudExGrpcClient<FeatureService.FeatureServiceClient>("features", ServicePorts.Features);
        services.TryAddSingleton<ILabelSink>(sp => new FeatureServiceLabelSink(
            sp.GetRequiredService<FeatureService.FeatureServiceClient>(), sp.GetRequiredService<TimeProvider>()));

        // Order matters: the schema exists before the feed, the forwarder and the dispatcher start.
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddHostedService<LabelForwardingService>();
        services.AddHostedService<WebhookDispatchService>();

        return builder;
    }
}
