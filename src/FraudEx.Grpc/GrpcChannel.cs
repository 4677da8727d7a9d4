using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using FraudEx.Grpc.Internal;
using FraudEx.Grpc.Internal.Client;
using Google.Protobuf;

namespace FraudEx.Grpc;

/// <summary>
/// A client connection to one gRPC server: HTTP/2 with prior knowledge for http://, TLS with ALPN h2 for https://.
/// Calls are multiplexed over one connection (more when the server's stream limit is reached). Thread-safe; create
/// one per server and reuse it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<string, ClientMethod> _methods = new(StringComparer.Ordinal);
    private readonly HttpMessageInvoker _invoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must be http:// (h2c) or https:// (TLS).", nameof(address));
        }

        Address = address;
        Options = options;
        var handler = options.HttpHandler ?? CreateHandler(options);
        _invoker = new HttpMessageInvoker(handler, options.HttpHandler is null || options.DisposeHttpHandler);
    }

    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    /// <summary>A unary call; returns the response or throws <see cref="RpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        using var call = new ClientCall<TRequest, TResponse>(this, GetMethod(method), options ?? default);
        return await call.UnaryAsync(request).ConfigureAwait(false);
    }

    /// <summary>A unary call that also exposes response headers, status and trailers.</summary>
    public AsyncUnaryCall<TResponse> Unary<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = new ClientCall<TRequest, TResponse>(this, GetMethod(method), options ?? default);
        return new AsyncUnaryCall<TResponse>(call, call.UnaryAsync(request));
    }

    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = new ClientCall<TRequest, TResponse>(this, GetMethod(method), options ?? default);
        call.StartServerStreaming(request);
        return new AsyncServerStreamingCall<TResponse>(call);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(string method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var call = new ClientCall<TRequest, TResponse>(this, GetMethod(method), options ?? default);
        var writer = call.StartRequestStreaming();
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, writer, call.ReadSingleResponseAsync());
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var call = new ClientCall<TRequest, TResponse>(this, GetMethod(method), options ?? default);
        var writer = call.StartRequestStreaming();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, writer);
    }

    public void Dispose() => _invoker.Dispose();

    private ClientMethod GetMethod(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        return _methods.TryGetValue(method, out var m) ? m : _methods.GetOrAdd(method, static (key, address) => new ClientMethod(address, key), Address);
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = options.KeepAlivePingWhileIdle ? HttpKeepAlivePingPolicy.Always : HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            // Trace context is written by the gRPC client span itself (traceparent/tracestate metadata).
            ActivityHeadersPropagator = null,
        };
        if (options.SslOptions is not null)
        {
            handler.SslOptions = options.SslOptions;
        }

        handler.SslOptions.ApplicationProtocols ??= [SslApplicationProtocol.Http2];
        return handler;
    }
}
