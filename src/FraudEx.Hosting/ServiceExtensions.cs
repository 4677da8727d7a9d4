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

    /// <summary>
    /// The gen0 allocation budget every FraudEx service runs with (8 MiB, <c>DOTNET_GCgen0size</c>). With the
    /// workstation GC's default budget (sized from the CPU cache) a busy scorer collected gen0 so often that the
    /// transactions queued in its batches survived into gen2, and background gen2 collections took about a fifth of its
    /// CPU on a saturated stream; a larger budget makes each gen0 and gen1 collection longer, and every call in flight
    /// waits for it: at 32 unary calls in flight the gen1 pauses (11–14 ms) set the p99. 16 MiB was the budget until it was
    /// measured again with the current scorer: 8 MiB gave lower tails with stream throughput within 2 %. The
    /// runtime reads this knob from the environment only (runtimeconfig.json's <c>System.GC.Gen0Size</c> is ignored),
    /// so hosts set it for the process. Measured in docs/benchmarks.md.
    /// </summary>
    public const string Gen0Budget = "0x800000";

    /// <summary>Starts the service with the <see cref="Gen0Budget"/> gen0 budget.</summary>
    public static IResourceBuilder<T> WithServiceGcBudget<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithEnvironment("DOTNET_GCgen0size", Gen0Budget);
    }
}
