using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FraudEx.Testing;

namespace FraudEx.Redis.Tests;

/// <summary>TLS against redis-server's own TLS listener (Debian's build links OpenSSL), with a throwaway certificate.</summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task Tls_ConnectsToTlsPortAndRejectsAnUntrustedCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("fraudex-redis-tls-").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(dir, "redis.crt");
            var keyPath = Path.Combine(dir, "redis.key");
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            var tlsPort = FreePort();
            await using var server = await RedisServer.StartAsync(extraArgs:
            [
                "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tls-cert-file", certPath, "--tls-key-file", keyPath, "--tls-ca-cert-file", certPath, "--tls-auth-clients", "no",
            ]).T();
            var thumbprint = certificate.Thumbprint;
            var trusting = new RedisOptions
            {
                Port = tlsPort,
                Ssl = true,
                SslHost = "localhost",
                ConnectTimeout = TimeSpan.FromSeconds(10),
                CertificateValidation = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == thumbprint,
            };
            var strict = new RedisOptions { Port = tlsPort, Ssl = true, SslHost = "localhost", ConnectTimeout = TimeSpan.FromSeconds(10) };

            await using var client = await RedisClient.ConnectAsync(trusting).T();
            await client.ExecuteAsync("SET", "tls:k", "over tls").T();
            var value = await client.ExecuteAsync("GET", "tls:k").T();
            var rejected = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(strict).T());

            Assert.Equal("over tls", value.AsString());
            Assert.IsAssignableFrom<System.Security.Authentication.AuthenticationException>(rejected.InnerException);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
