using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>
/// A host built with the service defaults exports the standard server span of a gRPC call (ASP.NET Core's, tagged by
/// Grpc.AspNetCore with the method and status) and ASP.NET Core's request-duration histogram to the OTLP receiver.
/// </summary>
public sealed class GrpcTelemetryExportTests
{
    [Fact]
    public async Task GrpcCall_ServerSpanAndDurationMetric_ReachOtlp()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "grpc-otel",
        });

        using (var channel = GrpcChannel.ForAddress(host.Address))
        {
            var health = await new Health.HealthClient(channel)
                .CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + TestHost.Timeout).ResponseAsync.WaitAsync(TestHost.Timeout);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }

        await host.DisposeAsync();

        // OTLP protobuf carries attribute keys and string values as plain UTF-8, so they can be found in the bytes.
        var traces = Body(receiver, "/v1/traces");
        Assert.Contains("grpc-otel", traces, StringComparison.Ordinal);
        Assert.Contains("Microsoft.AspNetCore", traces, StringComparison.Ordinal);
        Assert.Contains("grpc.method", traces, StringComparison.Ordinal);
        Assert.Contains("/grpc.health.v1.Health/Check", traces, StringComparison.Ordinal);
        Assert.Contains("grpc.status_code", traces, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", Body(receiver, "/v1/metrics"), StringComparison.Ordinal);
    }

    private static string Body(OtlpReceiver receiver, string path) =>
        string.Concat(receiver.Requests.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));
}
