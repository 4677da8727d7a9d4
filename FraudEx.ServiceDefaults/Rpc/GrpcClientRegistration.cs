using System.Net.Http.Headers;
using FraudEx.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>How a FraudEx host calls a peer service: a generated client through <c>AddGrpcClient</c>.</summary>
public static class GrpcClientRegistration
{
    /// <summary>
    /// Adds the generated client <typeparamref name="TClient"/> of the peer <paramref name="serviceName"/>, found by
    /// Aspire's service discovery: <c>services:{name}:grpc:0</c> (env <c>services__features__grpc__0</c>), else
    /// <c>services:{name}:http:0</c>, else <c>http://127.0.0.1:{defaultPort}</c>, the address the peer listens on when
    /// nothing is configured. Calls carry <c>Auth:ClientKey</c> as <c>authorization: Bearer</c> when it is set.
    /// </summary>
    public static IHttpClientBuilder AddFraudExGrpcClient<TClient>(this IHostApplicationBuilder builder, string serviceName, int defaultPort)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var services = builder.Services;
        services.AddServiceDiscovery();
        GrpcServiceRegistration.BindApiKeyOptions(services);
        var address = PeerAddress(builder.Configuration, serviceName, defaultPort);
        return services
            .AddGrpcClient<TClient>(o => o.Address = address)
            .ConfigurePrimaryHttpMessageHandler(CreateHandler)
            // One handler for the life of the process: gRPC keeps long HTTP/2 connections, and rotating the handler
            // (IHttpClientFactory's default every two minutes) would only open new ones.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(sp => new BearerKeyHandler(sp.GetRequiredService<IOptionsMonitor<ApiKeyOptions>>()))
            .AddServiceDiscovery();
    }

    /// <summary>
    /// The address given to the client: a service-discovery name (<c>http://_grpc.features</c>) when the
    /// configuration names the peer, else its default loopback address.
    /// </summary>
    internal static Uri PeerAddress(IConfiguration configuration, string serviceName, int defaultPort)
    {
        foreach (var endpoint in (string[])["grpc", "http", "https"])
        {
            if (!string.IsNullOrWhiteSpace(configuration[$"services:{serviceName}:{endpoint}:0"]))
            {
                var scheme = endpoint == "https" ? "https" : "http";
                return new Uri($"{scheme}://_{endpoint}.{serviceName}");
            }
        }

        return new Uri($"http://127.0.0.1:{defaultPort}");
    }

    // gRPC over HTTP/2: one connection carries up to 100 concurrent streams by default; more connections once it is
    // full, keep-alive pings so a dead peer is noticed, and no idle timeout on connections that carry streams.
    private static SocketsHttpHandler CreateHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
    };

    /// <summary>Adds <c>authorization: Bearer &lt;Auth:ClientKey&gt;</c> to every call when a client key is configured.</summary>
    private sealed class BearerKeyHandler(IOptionsMonitor<ApiKeyOptions> options) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var key = options.CurrentValue.ClientKey;
            if (!string.IsNullOrEmpty(key) && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
