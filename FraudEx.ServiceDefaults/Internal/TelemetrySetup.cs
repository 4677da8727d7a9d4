using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>Builds the three OpenTelemetry pipelines with one resource and the OTLP exporter.</summary>
internal static class TelemetrySetup
{
    /// <summary>Every FraudEx library names its ActivitySource and Meter "FraudEx.&lt;Project&gt;".</summary>
    public const string FraudExSources = "FraudEx.*";

    // Meters the runtime and ASP.NET Core publish themselves (no instrumentation package needed on .NET 8+).
    private static readonly string[] PlatformMeters =
    [
        "System.Runtime",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics.HealthChecks",
    ];

    public static ResourceBuilder CreateResource(TelemetrySettings settings) =>
        ResourceBuilder.CreateEmpty()
            .AddService(settings.ServiceName, serviceInstanceId: settings.InstanceId)
            .AddTelemetrySdk()
            .AddAttributes(settings.ResourceAttributes);

    public static TracerProvider BuildTracerProvider(TelemetrySettings settings, IConfiguration configuration) =>
        Sdk.CreateTracerProviderBuilder()
            // The exporter reads OTEL_EXPORTER_OTLP_* from the IConfiguration it resolves; hand it the host's, so
            // command-line and in-memory configuration count as much as environment variables.
            .ConfigureServices(services => services.AddSingleton(configuration))
            .SetResourceBuilder(CreateResource(settings))
            .AddSource(FraudExSources)
            .AddOtlpExporter()
            .Build();

    public static MeterProvider BuildMeterProvider(TelemetrySettings settings, IConfiguration configuration) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(configuration))
            .SetResourceBuilder(CreateResource(settings))
            .AddMeter(FraudExSources)
            .AddMeter(PlatformMeters)
            .AddOtlpExporter()
            .Build();

    // The logging provider lives in the host's container, so its exporter reads the host's IConfiguration already.
    public static void ConfigureLogging(OpenTelemetryLoggerOptions logging, TelemetrySettings settings)
    {
        logging.IncludeFormattedMessage = true;
        logging.IncludeScopes = true;
        logging.SetResourceBuilder(CreateResource(settings));
        logging.AddOtlpExporter();
    }
}
