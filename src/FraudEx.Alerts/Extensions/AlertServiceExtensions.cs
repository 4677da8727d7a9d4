using FraudEx.Alerts;
using FraudEx.Alerts.Internal;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Webhooks;
using FraudEx.Clients;
using FraudEx.Grpc;
using FraudEx.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the alert service's parts.</summary>
public static class AlertServiceExtensions
{
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
        var connectionString = builder.Configuration.GetRequiredConnectionString("alertsdb");
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "alertsdb" }.Build());
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
        services.AddSingleton<AlertGrpcService>();

        var features = builder.Configuration.GetServiceUri("features", "grpc", ServicePorts.Features);
        services.AddSingleton(_ => new FeatureChannel(GrpcChannel.ForAddress(features)));
        services.TryAddSingleton<ILabelSink>(sp => new FeatureServiceLabelSink(
            new FeatureServiceClient(sp.GetRequiredService<FeatureChannel>().Channel), sp.GetRequiredService<TimeProvider>()));

        // Order matters: the schema exists before the feed, the forwarder and the dispatcher start.
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddHostedService<LabelForwardingService>();
        services.AddHostedService<WebhookDispatchService>();

        services.AddGrpcServer();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("alertsdb");
        return builder;
    }

    /// <summary>Owns the channel to the feature service so the container disposes it.</summary>
    private sealed class FeatureChannel(GrpcChannel channel) : IDisposable
    {
        public GrpcChannel Channel { get; } = channel;

        public void Dispose() => Channel.Dispose();
    }

    private sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException e)
            {
                return HealthCheckResult.Unhealthy("Postgres is not reachable.", e);
            }
        }
    }
}
