using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudEx.ServiceDefaults.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>The real OpenTelemetry OTLP exporter, configured by the service defaults, sending to a real receiver.</summary>
public sealed class TelemetryExportTests
{
    private static readonly ActivitySource Source = new("FraudEx.ServiceDefaults.Tests");
    private static readonly Meter Meter = new("FraudEx.ServiceDefaults.Tests");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("fraudex.test.calls");

    [Theory]
    [InlineData("http/protobuf", "/v1/traces", "/v1/metrics", "/v1/logs")]
    [InlineData("grpc", "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export")]
    public async Task OtlpEndpointConfigured_TracesMetricsAndLogsReachIt(string protocol, string traces, string metrics, string logs)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == "grpc");
        var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_SERVICE_NAME"] = "conformance-test",
        });

        using (Source.StartActivity("fraudex.test.span"))
        {
            host.App.Logger.LogWarning("a log record for the OTLP receiver");
            Calls.Add(1);
        }

        // Stopping the host flushes the three pipelines: nothing may be lost on a graceful shutdown.
        await host.DisposeAsync();

        var paths = receiver.Requests.Select(r => r.Path).ToHashSet();
        Assert.Contains(traces, paths);
        Assert.Contains(metrics, paths);
        Assert.Contains(logs, paths);
        Assert.All(receiver.Requests, r => Assert.True(r.Body.Length > 0, $"{r.Path} carried no bytes"));
        var expectedType = protocol == "grpc" ? "application/grpc" : "application/x-protobuf";
        Assert.All(receiver.Requests, r => Assert.StartsWith(expectedType, r.ContentType, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoOtlpEndpoint_NoTelemetryPipelineIsBuilt()
    {
        await using var host = await TestHost.StartAsync();

        Assert.Null(host.App.Services.GetService<TracerProvider>());
        Assert.Null(host.App.Services.GetService<MeterProvider>());
        Assert.Null(host.App.Services.GetService<TelemetrySettings>());
    }
}
