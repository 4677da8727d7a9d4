using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FraudEx.Contracts.V1;
using FraudEx.Security.Tests.Infrastructure;
using FraudEx.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace FraudEx.Security.Tests;

/// <summary>
/// Each service's transport rules, as a separate process beside the running system: without keys it runs only on
/// loopback and says so at Warning; with a certificate configured it serves gRPC over TLS and runs no cleartext
/// listener.
/// </summary>
[Collection(SecuritySystemCollection.Name)]
public sealed class TransportSecurityTests(SecuritySystemFixture fixture)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private FraudExSystem System => fixture.System;

    public static TheoryData<Service> Services => [Service.Scoring, Service.Alerts, Service.Features];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task NoKeys_OnEveryInterface_RefusesToStart(Service service)
    {
        var port = FreePort.Next();
        await using var process = System.StartExtra(service, $"http://0.0.0.0:{port}", WithoutKeys);
        var exit = await process.WaitForExitAsync(StartTimeout);
        var said = process.Output.Contains("Development mode without keys is allowed on loopback addresses only", StringComparison.Ordinal);
        Transcript.Security($"devmode  {service,-9} no keys on http://0.0.0.0 -> exit code {exit}{(said ? ", says development mode is loopback only" : ", SAYS NOTHING")} {(exit != 0 && said ? "ok" : "FAIL")}");
        Assert.NotEqual(0, exit);
        Assert.True(said, process.Output);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task NoKeys_OnLoopback_RunsAndWarnsLoudly(Service service)
    {
        var port = FreePort.Next();
        await using var process = System.StartExtra(service, $"http://127.0.0.1:{port}", WithoutKeys);
        await process.WaitForOutputAsync("DEVELOPMENT MODE", StartTimeout);
        var lines = process.Output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains("DEVELOPMENT MODE", StringComparison.Ordinal));
        // The console logger writes "warn: Category[id]" and then the message, or both on one line.
        var level = lines[at].Contains("warn", StringComparison.Ordinal) ? lines[at] : at > 0 ? lines[at - 1] : "";
        await FreePort.WaitUntilListeningAsync(port, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var status = StatusCode.Unavailable;
        for (var deadline = DateTime.UtcNow + StartTimeout; status == StatusCode.Unavailable && DateTime.UtcNow < deadline;)
        {
            status = await CallWithoutKeyAsync(service, channel);
            if (status == StatusCode.Unavailable)
            {
                await Task.Delay(250);
            }
        }

        Transcript.Security($"devmode  {service,-9} no keys on http://127.0.0.1 -> runs, a call without a key gets {status}; log: {level.Trim()} {lines[at].Trim()}");
        Assert.StartsWith("warn", level.Trim(), StringComparison.Ordinal);
        Assert.Equal(StatusCode.OK, status);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ConfiguredCertificate_ServesGrpcOverTls(Service service)
    {
        using var certificate = SelfSigned();
        var pfx = Path.Combine(Path.GetTempPath(), $"fraudex-tls-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "fraudex-test"));
        try
        {
            var port = FreePort.Next();
            await using var process = System.StartExtra(service, $"https://127.0.0.1:{port}", e => WithCertificate(e, pfx));
            string? presented = null;
            using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    SslOptions = new SslClientAuthenticationOptions
                    {
                        // Trust exactly the configured certificate, as a client pinning it would.
                        RemoteCertificateValidationCallback = (_, cert, _, _) =>
                        {
                            presented = cert?.GetCertHashString();
                            return presented == certificate.GetCertHashString();
                        },
                    },
                },
            });
            var status = StatusCode.Unavailable;
            for (var deadline = DateTime.UtcNow + StartTimeout; status == StatusCode.Unavailable && DateTime.UtcNow < deadline && !process.HasExited;)
            {
                status = await CallAsync(service, channel, System.Keys.Admin.Key);
                if (status == StatusCode.Unavailable)
                {
                    await Task.Delay(250);
                }
            }

            using var cleartext = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var plain = await CallAsync(service, cleartext, System.Keys.Admin.Key);
            Transcript.Security($"tls      {service,-9} certificate configured, https://127.0.0.1 -> {status} over TLS with the configured certificate ({(presented == certificate.GetCertHashString() ? "presented" : "NOT presented")}); cleartext h2c to the same port -> {plain}");
            Assert.Equal(StatusCode.OK, status);
            Assert.Equal(certificate.GetCertHashString(), presented);
            Assert.NotEqual(StatusCode.OK, plain);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ConfiguredCertificate_WithCleartextListener_RefusesToStart(Service service)
    {
        using var certificate = SelfSigned();
        var pfx = Path.Combine(Path.GetTempPath(), $"fraudex-tls-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "fraudex-test"));
        try
        {
            var (tls, plain) = (FreePort.Next(), FreePort.Next());
            await using var process = System.StartExtra(service, $"https://127.0.0.1:{tls};http://127.0.0.1:{plain}", e => WithCertificate(e, pfx));
            var exit = await process.WaitForExitAsync(StartTimeout);
            var said = process.Output.Contains("cleartext", StringComparison.OrdinalIgnoreCase);
            Transcript.Security($"tls      {service,-9} certificate configured, plus http://127.0.0.1 -> exit code {exit}{(said ? ", names the cleartext listener" : ", SAYS NOTHING")} {(exit != 0 && said ? "ok" : "FAIL")}");
            Assert.NotEqual(0, exit);
            Assert.True(said, process.Output);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    private static void WithoutKeys(Dictionary<string, string?> environment)
    {
        foreach (var key in environment.Keys.Where(k => k.StartsWith("Auth__", StringComparison.Ordinal) || k.StartsWith("Scoring__Auth__", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        // The development-mode line is a Warning from FraudEx's own category; let it through the fixture's filter.
        environment["Logging__LogLevel__Default"] = "Warning";
    }

    private static void WithCertificate(Dictionary<string, string?> environment, string pfx)
    {
        environment["Kestrel__Certificates__Default__Path"] = pfx;
        environment["Kestrel__Certificates__Default__Password"] = "fraudex-test";
    }

    private static Task<StatusCode> CallWithoutKeyAsync(Service service, GrpcChannel channel) => CallAsync(service, channel, null);

    private static async Task<StatusCode> CallAsync(Service service, GrpcChannel channel, string? key)
    {
        var options = FraudExSystem.With(key, 5);
        try
        {
            switch (service)
            {
                case Service.Scoring:
                    await new ScoringService.ScoringServiceClient(channel).GetModelAsync(new GetModelRequest(), options);
                    break;
                case Service.Alerts:
                    await new AlertService.AlertServiceClient(channel).ListAlertsAsync(new ListAlertsRequest { PageSize = 1 }, options);
                    break;
                case Service.Features:
                    await new FeatureService.FeatureServiceClient(channel).GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "tls" }, options);
                    break;
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fraudex-security-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(global::System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}
