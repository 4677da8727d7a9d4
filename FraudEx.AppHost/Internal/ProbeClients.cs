using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FraudEx.AppHost.Internal;

/// <summary>Short, bounded health probes over loopback.</summary>
public sealed class ProbeClients : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http1 = Create(HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower);
    // A gRPC service may listen with HTTP/2 only (h2c, prior knowledge): the probe falls back to that.
    private readonly HttpClient _http2 = Create(HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);

    private static HttpClient Create(Version version, HttpVersionPolicy policy) =>
        new(new SocketsHttpHandler { ConnectTimeout = Timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = Timeout,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = policy,
        };

    /// <summary>True when GET <paramref name="url"/> answers 2xx over HTTP/1.1 or h2c.</summary>
    public async Task<bool> HttpOkAsync(string url, CancellationToken cancellationToken)
    {
        foreach (var client in new[] { _http1, _http2 })
        {
            try
            {
                using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                // Refused, or the protocol did not match: try the next version.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Timed out: try the next version.
            }
        }
        return false;
    }

    /// <summary>True when a TCP connection to 127.0.0.1:<paramref name="port"/> (or host) opens.</summary>
    public static async Task<bool> TcpOpenAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>True when a RESP server on the port answers PING with +PONG.</summary>
    public static async Task<bool> RedisPingAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _http1.Dispose();
        _http2.Dispose();
    }
}
