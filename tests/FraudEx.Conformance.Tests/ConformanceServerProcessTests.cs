using System.Net;
using FraudEx.Grpc;
using FraudEx.Testing;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Grpc.Health.V1;

namespace FraudEx.Conformance.Tests;

/// <summary>The conformance server as its own process, as `dotnet FraudEx.Conformance.Server.dll --urls ...` runs it.</summary>
public sealed class ConformanceServerProcessTests
{
    private static readonly TimeSpan Timeout = ConformanceServerFixture.Timeout;

    [Fact]
    public async Task Process_WithUrls_ServesGrpcAndHttp11Probes_StopsOnSignal()
    {
        var port = FreePort.Next();
        var serverDll = Path.Combine(AppContext.BaseDirectory, "FraudEx.Conformance.Server.dll");
        await using var process = ChildProcess.Start("dotnet", [serverDll, "--urls", $"http://127.0.0.1:{port}"]);
        await process.WaitForOutputAsync("Application started", Timeout);
        var address = new Uri($"http://127.0.0.1:{port}");

        using var channel = GrpcChannel.ForAddress(address);
        var echo = await channel.UnaryAsync<EchoRequest, EchoResponse>("/fraudex.testing.v1.ConformanceService/Unary",
            new EchoRequest { Payload = ByteString.CopyFromUtf8("process") }, new CallOptions(deadline: DateTime.UtcNow + Timeout)).WaitAsync(Timeout);
        var health = await channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>("/grpc.health.v1.Health/Check",
            new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow + Timeout)).WaitAsync(Timeout);
        using var http11 = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, Timeout = Timeout };
        using var alive = await http11.GetAsync(new Uri(address, "/alive")).WaitAsync(Timeout);

        Assert.Equal("process", echo.Payload.ToStringUtf8());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}
