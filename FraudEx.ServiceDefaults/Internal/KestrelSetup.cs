using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace FraudEx.ServiceDefaults.Internal;

/// <summary>The protocols gRPC needs, applied to every endpoint Kestrel binds (URLs and Kestrel:Endpoints alike).</summary>
internal static class KestrelSetup
{
    public static void ConfigureEndpointDefaults(KestrelServerOptions options, IReadOnlySet<int> httpsPorts) =>
        options.ConfigureEndpointDefaults(listen =>
        {
            // Kestrel applies these defaults before it adds TLS to an https URL, so the port is what tells them apart.
            if (listen.IPEndPoint is { } endpoint && httpsPorts.Contains(endpoint.Port))
            {
                // With TLS, ALPN picks HTTP/1.1 or HTTP/2 per connection.
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                return;
            }

            // Without TLS there is no ALPN, and Kestrel serves an Http1AndHttp2 cleartext endpoint as HTTP/1.1 only.
            // gRPC clients speak HTTP/2 with prior knowledge, so the endpoint is HTTP/2; the probe middleware in
            // front of it recognises HTTP/1.1 requests by their first bytes and answers /health and /alive itself.
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next =>
            {
                var services = options.ApplicationServices;
                var middleware = new Http1ProbeMiddleware(
                    next,
                    services.GetRequiredService<HealthCheckService>(),
                    services.GetRequiredService<ILogger<Http1ProbeMiddleware>>(),
                    options.Limits.KeepAliveTimeout);
                return middleware.OnConnectionAsync;
            });
        });
}
