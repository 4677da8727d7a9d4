using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudEx.ServiceDefaults.Tests;

/// <summary>/health and /alive over HTTP/2 with prior knowledge (gRPC's h2c) and over plain HTTP/1.1 on the same port.</summary>
public sealed class HealthEndpointTests
{
    private static readonly TimeSpan Timeout = TestHost.Timeout;

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Http11Get_HealthyHost_Returns200Healthy(string path)
    {
        await using var host = await TestHost.StartAsync();
        using var client = CreateClient(HttpVersion.Version11);

        using var response = await client.GetAsync(new Uri(host.Address, path)).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync().WaitAsync(Timeout));
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task H2cPriorKnowledgeGet_HealthyHost_Returns200Healthy(string path)
    {
        await using var host = await TestHost.StartAsync();
        using var client = CreateClient(HttpVersion.Version20);

        using var response = await client.GetAsync(new Uri(host.Address, path)).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync().WaitAsync(Timeout));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task UnhealthyReadinessCheck_HealthIs503_AliveStays200(string version)
    {
        await using var host = await TestHost.StartAsync(configure: builder => builder.Services.AddHealthChecks()
            .AddCheck("database", () => HealthCheckResult.Unhealthy("down")));
        using var client = CreateClient(Version.Parse(version));

        using var health = await client.GetAsync(new Uri(host.Address, "/health")).WaitAsync(Timeout);
        using var alive = await client.GetAsync(new Uri(host.Address, "/alive")).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync().WaitAsync(Timeout));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync().WaitAsync(Timeout));
    }

    [Fact]
    public async Task Http11Get_OtherPath_Returns505AndClosesConnection()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "GET /fraudex.v1.ScoringService/Score HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11Post_Health_Returns405WithAllow()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, HEAD\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11Head_Alive_Returns200WithoutBody()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "HEAD /alive HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11Get_QueryString_IsIgnored()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "GET /alive?probe=1 HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHealthy", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11_GarbageRequestLine_Returns400()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "HELLO\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11_OversizedRequestHead_Returns431()
    {
        await using var host = await TestHost.StartAsync();

        var response = await SendRawAsync(host.Address, "GET /health HTTP/1.1\r\nX-Big: " + new string('a', 10_000) + "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentConnection_ClosedAfterKeepAliveTimeout()
    {
        await using var host = await TestHost.StartAsync(configure: builder =>
            builder.WebHost.ConfigureKestrel(k => k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(1)));
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(Timeout);
        await tcp.ConnectAsync(host.Address.Host, host.Address.Port, cts.Token);

        // Closed either way: an orderly end of stream or, as Kestrel aborts idle connections, a reset.
        bool closed;
        try
        {
            closed = await tcp.GetStream().ReadAsync(new byte[1], cts.Token) == 0;
        }
        catch (IOException)
        {
            closed = true;
        }

        Assert.True(closed);
    }

    [Fact]
    public async Task NoUrlsConfigured_ListensOnLoopbackDefaultPort()
    {
        var port = Testing.FreePort.Next();
        await using var host = await TestHost.StartAsync(args: [], defaultPort: port);

        Assert.Equal(new Uri($"http://127.0.0.1:{port}"), host.Address);
        using var client = CreateClient(HttpVersion.Version11);
        using var response = await client.GetAsync(new Uri(host.Address, "/alive")).WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpClient CreateClient(Version version) => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = version,
        // Exact: HTTP/2 over http:// is then prior knowledge, as gRPC clients do it.
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Timeout,
    };

    private static async Task<string> SendRawAsync(Uri address, string request)
    {
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(Timeout);
        await tcp.ConnectAsync(address.Host, address.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // The server closes the connection after its answer, so reading to the end returns.
        return await reader.ReadToEndAsync(cts.Token);
    }
}
