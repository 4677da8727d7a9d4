using System.Net;
using System.Net.Sockets;

namespace FraudEx.AppHost.Tests.Infrastructure;

/// <summary>Loopback ports nobody listens on right now, so tests run beside other test projects.</summary>
internal static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                // Never hand out the same port twice in one run, even after it was released.
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
