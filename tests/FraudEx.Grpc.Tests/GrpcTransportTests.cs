using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FraudEx.Grpc.Tests.Infrastructure;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudEx.Grpc.Tests;

/// <summary>Transport behaviour: TLS with ALPN, flow-control back-pressure, shutdown of long streams.</summary>
public sealed class GrpcTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Tls_Http1AndHttp2Endpoint_CallSucceedsOverAlpnH2()
    {
        using var certificate = CreateSelfSignedCertificate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = HttpProtocols.Http1AndHttp2;
            o.UseHttps(certificate);
            listen = o;
        }));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TestConformanceService>();
        builder.Services.AddGrpcServer();
        await using var app = builder.Build();
        app.MapGrpcService<TestConformanceService>();
        await app.StartAsync().WaitAsync(Timeout);
        try
        {
            using var channel = GrpcChannel.ForAddress($"https://localhost:{((IPEndPoint)listen!.EndPoint).Port}", new GrpcChannelOptions
            {
                SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString(),
                },
            });

            var response = await channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
                new EchoRequest { Payload = ByteString.CopyFromUtf8("tls") }).WaitAsync(Timeout);

            Assert.Equal("tls", response.Payload.ToStringUtf8());
        }
        finally
        {
            await app.StopAsync().WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task SlowReader_ServerWritesStayBoundedByFlowControl()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();
        using var call = channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream,
            new ServerStreamRequest { Count = 1000, PayloadSize = 64 * 1024 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));

        // The client stops reading; the handler's WriteAsync must stall instead of queueing 64 MB in memory.
        await Task.Delay(1000);
        var written = server.Service.MessagesWritten;

        Assert.InRange(written, 1, 200);
        var read = 1;
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
        {
            read++;
        }

        Assert.Equal(1000, read);
    }

    [Fact]
    public async Task Shutdown_LongStream_EndsUnavailableAfterCancellationDelay()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.ShutdownCancellationDelay = TimeSpan.FromMilliseconds(300));
        using var channel = server.CreateChannel();
        using var call = channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream,
            new ServerStreamRequest { Count = 100_000, IntervalMs = 50 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));

        var stopping = server.App.StopAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
            }
        });
        await stopping.WaitAsync(Timeout);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task SequentialAndStreamingCalls_ReuseOneConnection()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();

        for (var i = 0; i < 20; i++)
        {
            await channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest()).WaitAsync(Timeout);
        }

        var concurrent = Enumerable.Range(0, 20).Select(_ => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest()));
        await Task.WhenAll(concurrent).WaitAsync(Timeout);

        Assert.Single(server.Service.UnaryPeers);
    }

    [Fact]
    public async Task StreamLimitReached_ChannelOpensMoreConnections()
    {
        await using var server = await GrpcTestServer.StartAsync(services: s =>
            s.Configure<KestrelServerOptions>(k => k.Limits.Http2.MaxStreamsPerConnection = 10));
        using var channel = server.CreateChannel();

        var calls = Enumerable.Range(0, 30).Select(_ => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest { DelayMs = 500 }));
        await Task.WhenAll(calls).WaitAsync(Timeout);

        Assert.True(server.Service.UnaryPeers.Count >= 2, $"Calls used {server.Service.UnaryPeers.Count} connection(s).");
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
