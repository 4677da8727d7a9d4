using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.Testing;

namespace FraudEx.EndToEnd.Tests;

/// <summary>The scoring host's transport security: TLS with a configured certificate, and the development-mode guard.</summary>
[Collection(SystemCollection.Name)]
public sealed class TlsAndDevelopmentModeTests(SystemFixture system)
{
    [Fact]
    public async Task ConfiguredCertificate_ServesGrpcOverTlsWithHttp2()
    {
        var directory = system.NewDirectory("tls");
        using var certificate = SelfSigned();
        var pfx = Path.Combine(directory, "scoring.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "fraudex-test"));
        var port = FreePort.Next();
        var environment = system.ScoringEnvironment("spool-tls");
        environment["Kestrel__Certificates__Default__Path"] = pfx;
        environment["Kestrel__Certificates__Default__Password"] = "fraudex-test";
        await using var process = system.StartExtraScoring($"https://127.0.0.1:{port}", environment);
        await FreePort.WaitUntilListeningAsync(port, SystemFixture.StartTimeout);

        X509Certificate? presented = null;
        SslApplicationProtocol? negotiated = null;
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly the configured certificate, as a gateway pinning it would.
                RemoteCertificateValidationCallback = (sender, cert, _, _) =>
                {
                    presented = cert;
                    negotiated = (sender as SslStream)?.NegotiatedApplicationProtocol;
                    return cert is not null && cert.GetCertHashString() == certificate.GetCertHashString();
                },
            } },
        });
        var client = new ScoringService.ScoringServiceClient(channel);
        GetModelResponse? model = null;
        var deadline = DateTime.UtcNow + SystemFixture.StartTimeout;
        while (model is null)
        {
            try
            {
                model = await client.GetModelAsync(new GetModelRequest(), ApiKeys.CallOptions(system.AnalystKey.Key, DateTime.UtcNow.AddSeconds(5)));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal(FraudEx.Features.Engine.FeatureSchema.Version, model.FeatureSchemaVersion);
        Assert.Equal(certificate.GetCertHashString(), presented!.GetCertHashString());
        Assert.True(negotiated is null || negotiated == SslApplicationProtocol.Http2, $"ALPN chose {negotiated}");

        using var plain = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        await Assert.ThrowsAnyAsync<Exception>(() => new ScoringService.ScoringServiceClient(plain).GetModelAsync(new GetModelRequest(),
            ApiKeys.CallOptions(system.ScorerKey.Key, DateTime.UtcNow.AddSeconds(5))).ResponseAsync);
    }

    [Fact]
    public async Task NoKeysOnNonLoopbackAddress_RefusesToStart()
    {
        var environment = system.ScoringEnvironment("spool-dev");
        foreach (var key in environment.Keys.Where(k => k.StartsWith("Auth__", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        var port = FreePort.Next();
        await using var process = system.StartExtraScoring($"http://0.0.0.0:{port}", environment);
        var exit = await process.WaitForExitAsync(SystemFixture.StartTimeout);
        Assert.NotEqual(0, exit);
        Assert.Contains("Development mode without keys is allowed on loopback addresses only", process.Output);
    }

    [Fact]
    public async Task NoKeysOnLoopback_RunsAndSaysSoLoudly()
    {
        var environment = system.ScoringEnvironment("spool-dev-loopback");
        foreach (var key in environment.Keys.Where(k => k.StartsWith("Auth__", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        var port = FreePort.Next();
        await using var process = system.StartExtraScoring($"http://127.0.0.1:{port}", environment);
        await process.WaitForOutputAsync("DEVELOPMENT MODE", SystemFixture.StartTimeout);
        await FreePort.WaitUntilListeningAsync(port, SystemFixture.StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var model = await new ScoringService.ScoringServiceClient(channel).GetModelAsync(new GetModelRequest(), ApiKeys.CallOptions(null, DateTime.UtcNow.AddSeconds(10)));
        Assert.Equal(FraudEx.Features.Engine.FeatureSchema.Version, model.FeatureSchemaVersion);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fraudex-scoring-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}
