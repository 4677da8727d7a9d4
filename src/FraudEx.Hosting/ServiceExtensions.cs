using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace FraudEx.Hosting;

/// <summary>How the app host exposes FraudEx's services.</summary>
public static class ServiceExtensions
{
    /// <summary>Name of the services' gRPC endpoint: peers find it as <c>services__&lt;name&gt;__grpc__0</c>.</summary>
    public const string GrpcEndpoint = "grpc";

    /// <summary>
    /// A fixed loopback endpoint <paramref name="name"/> on <paramref name="port"/>, not proxied: DCP's proxy doubles
    /// per-call latency (../shared/PACKAGES.md), and the services' default ports stay what they are without the app
    /// host. The service gets <c>ASPNETCORE_URLS=http://127.0.0.1:&lt;port&gt;</c>.
    /// </summary>
    public static IResourceBuilder<T> WithLoopbackEndpoint<T>(this IResourceBuilder<T> builder, string name, int port, bool http2 = true)
        where T : IResourceWithEndpoints
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithEndpoint(name, endpoint =>
        {
            endpoint.UriScheme = "http";
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.TargetHost = "127.0.0.1";
            endpoint.IsProxied = false;
            endpoint.Transport = http2 ? "http2" : "http";
        });
    }
}
