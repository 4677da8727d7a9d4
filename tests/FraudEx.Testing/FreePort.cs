using System.Net;
using System.Net.Sockets;

namespace FraudEx.Testing;

/// <summary>Free loopback TCP ports for servers a test starts as child processes (redis-server, postgres, hosts).</summary>
public static class FreePort
{
    /// <summary>
    /// A port the OS considers free on 127.0.0.1 right now. Another process may take it before the server binds, so
    /// callers that can should bind port 0 themselves instead; child processes that need a number get this.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}.");
            }
        }
    }
}
