using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>Says once, at start, where the service's telemetry goes.</summary>
internal sealed partial class TelemetryStartLog(
    TelemetrySettings settings,
    IConfiguration configuration,
    ILogger<TelemetryStartLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogExporting(logger, settings.ServiceName, configuration[TelemetrySettings.EndpointKey],
            configuration[TelemetrySettings.ProtocolKey] ?? "grpc");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Exporting telemetry of {ServiceName} over OTLP to {Endpoint} ({Protocol})")]
    private static partial void LogExporting(ILogger logger, string serviceName, string? endpoint, string protocol);
}
