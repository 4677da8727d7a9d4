using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>
/// Ties the tracer and meter providers to the host's lifetime (the job OpenTelemetry.Extensions.Hosting would do):
/// created before any hosted service starts, so the first calls are traced, and flushed and disposed after every
/// hosted service has stopped, so the spans of drained calls still leave the process.
/// </summary>
internal sealed partial class TelemetryHostedService(
    TelemetrySettings settings,
    IConfiguration configuration,
    ILogger<TelemetryHostedService> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private TracerProvider? _tracerProvider;
    private MeterProvider? _meterProvider;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _tracerProvider = TelemetrySetup.BuildTracerProvider(settings, configuration);
        _meterProvider = TelemetrySetup.BuildMeterProvider(settings, configuration);
        LogExporting(logger, settings.ServiceName, configuration[TelemetrySettings.EndpointKey],
            configuration[TelemetrySettings.ProtocolKey] ?? "grpc");
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        var timeout = (int)FlushTimeout.TotalMilliseconds;
        _tracerProvider?.ForceFlush(timeout);
        _meterProvider?.ForceFlush(timeout);
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Disposing shuts the exporters down; it also runs if the host is disposed without a graceful stop.
        _tracerProvider?.Dispose();
        _tracerProvider = null;
        _meterProvider?.Dispose();
        _meterProvider = null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Exporting telemetry of {ServiceName} over OTLP to {Endpoint} ({Protocol})")]
    private static partial void LogExporting(ILogger logger, string serviceName, string? endpoint, string protocol);
}
