using System.Net.Http;
using System.Net.Security;

namespace FraudEx.Grpc;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, in bytes; larger → RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes; larger → RESOURCE_EXHAUSTED before sending. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Open another HTTP/2 connection when the server's concurrent-stream limit is reached, instead of queueing
    /// calls. Default true.
    /// </summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>Send an HTTP/2 PING after this much inactivity to detect dead connections. Default 60 s; infinite disables.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Close the connection when a keep-alive PING is not answered within this time. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Ping also while idle (no calls in flight). Default false: pings only with active calls.</summary>
    public bool KeepAlivePingWhileIdle { get; set; }

    /// <summary>TCP (and TLS) connect timeout; a call that cannot connect fails UNAVAILABLE. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TLS options for https addresses (certificate validation, client certificates). ALPN h2 is always set.</summary>
    public SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>
    /// A handler to use instead of the channel's own SocketsHttpHandler (the options above then do not apply to
    /// it). The channel disposes it unless <see cref="DisposeHttpHandler"/> is false.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    public bool DisposeHttpHandler { get; set; } = true;
}
