using System.Diagnostics;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FraudEx.Alerts.Tests;

/// <summary>The alert service's PostgreSQL wiring through Aspire.Npgsql (AddNpgsqlDataSource("alertsdb")): the data
/// source, its health check, and Npgsql's spans and metrics reaching OpenTelemetry, against a real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertServiceExtensionsTests(PostgresFixture postgres)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task AddAlertServices_DataSourceFromConnectionString_ConnectsToThatDatabase()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(AddAlertServices_DataSourceFromConnectionString_ConnectsToThatDatabase), Timeout);
        using var host = BuildHost(connectionString, out _, out _);

        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SELECT current_database()");

        Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Database, await command.ExecuteScalarAsync(Timeout));
    }

    [Fact]
    public async Task HealthCheck_PostgresUp_IsHealthy_PostgresUnreachable_IsUnhealthy()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(HealthCheck_PostgresUp_IsHealthy_PostgresUnreachable_IsUnhealthy), Timeout);
        var unreachable = new NpgsqlConnectionStringBuilder(connectionString) { Port = FreePort.Next(), Timeout = 2 }.ConnectionString;
        using var up = BuildHost(connectionString, out _, out _);
        using var down = BuildHost(unreachable, out _, out _);

        var upReport = await up.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Timeout);
        var downReport = await down.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Timeout);

        Assert.Equal(HealthStatus.Healthy, upReport.Entries["PostgreSql"].Status);
        Assert.Equal(HealthStatus.Unhealthy, downReport.Entries["PostgreSql"].Status);
        Assert.Equal(HealthStatus.Unhealthy, downReport.Status);
    }

    [Fact]
    public async Task Telemetry_Command_IsTracedAndMeasuredByNpgsql()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(Telemetry_Command_IsTracedAndMeasuredByNpgsql), Timeout);
        using var host = BuildHost(connectionString, out var spans, out var metrics, exported: true);
        var tracer = host.Services.GetRequiredService<TracerProvider>();
        var meter = host.Services.GetRequiredService<MeterProvider>();

        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var command = dataSource.CreateCommand("SELECT 42"))
        {
            Assert.Equal(42, await command.ExecuteScalarAsync(Timeout));
        }

        tracer.ForceFlush();
        meter.ForceFlush();
        var query = Assert.Single(spans, s => s.Source.Name == "Npgsql" && s.Kind == ActivityKind.Client
            && (s.GetTagItem("db.query.text") ?? s.GetTagItem("db.statement")) as string == "SELECT 42");
        Assert.Equal("postgresql", query.GetTagItem("db.system.name") ?? query.GetTagItem("db.system"));
        Assert.Contains(metrics, m => m.MeterName == "Npgsql");
    }

    [Fact]
    public async Task Telemetry_NotExported_NoNpgsqlPipelineIsBuilt()
    {
        // Without an OTLP endpoint nobody receives Npgsql's spans and metrics: Aspire.Npgsql must not build providers.
        var connectionString = await postgres.Server.CreateDatabaseAsync(nameof(Telemetry_NotExported_NoNpgsqlPipelineIsBuilt), Timeout);
        using var host = BuildHost(connectionString, out _, out _);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    /// <param name="exported">Sets OTEL_EXPORTER_OTLP_ENDPOINT (to a loopback port nothing listens on; the alert services
    /// add no exporter themselves, the test's in-memory exporters receive everything).</param>
    private static IHost BuildHost(string connectionString, out List<Activity> spans, out List<Metric> metrics, bool exported = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:alertsdb"] = connectionString,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = exported ? "http://127.0.0.1:1" : null,
        });
        builder.AddAlertServices();
        var exportedSpans = new List<Activity>();
        var exportedMetrics = new List<Metric>();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exportedSpans));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metering => metering.AddInMemoryExporter(exportedMetrics));
        spans = exportedSpans;
        metrics = exportedMetrics;
        // Built, not started: the service's background loops are not part of what is checked here.
        return builder.Build();
    }
}
