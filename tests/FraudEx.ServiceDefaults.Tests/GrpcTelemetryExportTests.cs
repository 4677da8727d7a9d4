using System.Text;
using FraudEx.Conformance;
using FraudEx.Grpc;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>
/// A host built with the service defaults exports FraudEx.Grpc's server span and call-duration histogram: the
/// "FraudEx.*" source and meter names reach the OTLP receiver with OpenTelemetry's RPC attributes.
/// </summary>
public sealed class GrpcTelemetryExportTests
{
    [Fact]
    public async Task GrpcCall_ServerSpanAndDurationMetric_ReachOtlpWithRpcAttributes()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        var app = ConformanceServer.Build([
            "--urls", "http://127.0.0.1:0",
            $"--OTEL_EXPORTER_OTLP_ENDPOINT={receiver.Address.ToString().TrimEnd('/')}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_SERVICE_NAME=conformance-otel",
        ]);
        await app.StartAsync().WaitAsync(TestHost.Timeout);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        using (var channel = GrpcChannel.ForAddress(address))
        {
            await channel.UnaryAsync<EchoRequest, EchoResponse>("/fraudex.testing.v1.ConformanceService/Unary",
                new EchoRequest { Payload = ByteString.CopyFromUtf8("traced") },
                new CallOptions(deadline: DateTime.UtcNow + TestHost.Timeout)).WaitAsync(TestHost.Timeout);
        }

        await app.StopAsync().WaitAsync(TestHost.Timeout);
        await app.DisposeAsync();

        // OTLP protobuf carries attribute keys and string values as plain UTF-8, so they can be found in the bytes.
        var traces = Body(receiver, "/v1/traces");
        Assert.Contains("conformance-otel", traces, StringComparison.Ordinal);
        Assert.Contains("FraudEx.Grpc", traces, StringComparison.Ordinal);
        Assert.Contains("rpc.system", traces, StringComparison.Ordinal);
        Assert.Contains("fraudex.testing.v1.ConformanceService", traces, StringComparison.Ordinal);
        Assert.Contains("rpc.grpc.status_code", traces, StringComparison.Ordinal);
        Assert.Contains("rpc.server.duration", Body(receiver, "/v1/metrics"), StringComparison.Ordinal);
    }

    private static string Body(OtlpReceiver receiver, string path) =>
        string.Concat(receiver.Requests.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));
}
