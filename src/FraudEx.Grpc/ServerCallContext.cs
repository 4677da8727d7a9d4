using System.IO.Pipelines;
using FraudEx.Grpc.Internal;
using FraudEx.Grpc.Internal.Server;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace FraudEx.Grpc;

/// <summary>The server side of one call: its method, peer, metadata, deadline and cancellation.</summary>
public sealed class ServerCallContext
{
    private readonly GrpcServerRuntime _runtime;
    private readonly CancellationTokenSource _cts;
    private const int Http2CancelErrorCode = 0x8;
    private static readonly TimeSpan DeadlineResetGrace = TimeSpan.FromSeconds(1);
    private readonly ITimer? _deadlineTimer;
    private int _ended;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;
    private bool _headersSent;

    internal ServerCallContext(HttpContext httpContext, MethodNames names, GrpcServerRuntime runtime)
    {
        HttpContext = httpContext;
        Names = names;
        _runtime = runtime;
        Encoding = httpContext.Request.Headers[GrpcProtocol.EncodingHeader].ToString() is { Length: > 0 } e ? e : null;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, runtime.ShutdownToken);
        Deadline = DateTime.MaxValue;

        var timeoutHeader = httpContext.Request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0)
        {
            if (GrpcProtocol.TryParseTimeout(timeoutHeader.ToString(), out var timeout))
            {
                Timeout = timeout;
                var now = runtime.TimeProvider.GetUtcNow().UtcDateTime;
                Deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
                // Timers beyond ~49 days are not supported by the runtime; such a deadline is as good as none.
                if (timeout.TotalMilliseconds < uint.MaxValue - 1)
                {
                    _deadlineTimer = runtime.TimeProvider.CreateTimer(
                        static s => ((ServerCallContext)s!).OnTimer(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);
                }
            }
            else
            {
                GrpcServerLog.InvalidTimeout(runtime.Logger, names.Path, timeoutHeader.ToString());
            }
        }
    }

    /// <summary>Full method path, "/pkg.Service/Method".</summary>
    public string Method => Names.Path;

    /// <summary>The client's address, "ipv4:127.0.0.1:51234" or "ipv6:[::1]:51234".</summary>
    public string Peer => _peer ??= FormatPeer(HttpContext);

    public string Host => HttpContext.Request.Host.Value ?? string.Empty;

    /// <summary>Request metadata (custom headers; -bin values decoded).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(HttpContext.Request.Headers);

    /// <summary>Metadata sent in the trailers when the call ends (also with an error status).</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>When the call's deadline passes (UTC), or <see cref="DateTime.MaxValue"/> without a grpc-timeout.</summary>
    public DateTime Deadline { get; }

    /// <summary>Fires when the client cancels (RST_STREAM), the deadline passes, or the server shuts down.</summary>
    public CancellationToken CancellationToken => _cts.Token;

    public HttpContext HttpContext { get; }

    internal MethodNames Names { get; }

    internal TimeSpan? Timeout { get; }

    internal string? Encoding { get; }

    internal bool DeadlineExpired { get; private set; }

    internal bool HeadersSent => _headersSent;

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };

    internal GrpcServerRuntime Runtime => _runtime;

    /// <summary>Sends the response headers now, with this metadata. Only once, before any message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (_headersSent)
        {
            throw new InvalidOperationException("Response headers were already sent.");
        }

        var headers = HttpContext.Response.Headers;
        foreach (var entry in responseHeaders)
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                headers.Append(entry.Key, entry.IsBinary ? GrpcProtocol.EncodeBinaryHeader(entry.ValueBytes!) : entry.Value);
            }
        }

        EnsureHeaders();
        return HttpContext.Response.StartAsync(CancellationToken);
    }

    internal void EnsureHeaders()
    {
        if (!_headersSent)
        {
            _headersSent = true;
            HttpContext.Response.ContentType = GrpcProtocol.ContentType;
        }
    }

    internal void WriteMessage(IMessage message)
    {
        EnsureHeaders();
        MessageFraming.WriteMessage(HttpContext.Response.BodyWriter, message, _runtime.Options.MaxSendMessageSize);
    }

    internal async Task WriteMessageAndFlushAsync(IMessage message, CancellationToken cancellationToken)
    {
        WriteMessage(message);
        // FlushAsync completes only when HTTP/2 flow control lets the bytes out, so a slow reader slows the writer
        // instead of growing a buffer.
        var result = await HttpContext.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            CancellationToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException("The response stream was closed.", CancellationToken);
        }
    }

    internal PipeReader RequestBody => HttpContext.Request.BodyReader;

    internal int MaxReceiveMessageSize => _runtime.Options.MaxReceiveMessageSize;

    private void OnTimer()
    {
        if (DeadlineExpired)
        {
            OnDeadlineGraceExpired();
        }
        else
        {
            OnDeadline();
        }
    }

    private void OnDeadline()
    {
        if (Volatile.Read(ref _ended) != 0)
        {
            return;
        }

        DeadlineExpired = true;
        try
        {
            _cts.Cancel();
            // A handler that honours its token ends now and answers DEADLINE_EXCEEDED. One that does not gets its
            // stream reset (RST_STREAM CANCEL) after a grace period, as the spec asks, so the client is not kept
            // waiting; the handler itself is still awaited before the request ends.
            _deadlineTimer?.Change(DeadlineResetGrace, System.Threading.Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The call ended while the timer fired.
        }
    }

    private void OnDeadlineGraceExpired()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        ResetByDeadline = true;
        HttpContext.Features.Get<IHttpResetFeature>()?.Reset(Http2CancelErrorCode);
    }

    /// <summary>Marks the call ended; false when the deadline already reset the stream.</summary>
    internal bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    internal bool ResetByDeadline { get; private set; }

    /// <summary>Releases the call's timer and cancellation source once the request is over.</summary>
    internal void Release()
    {
        Interlocked.Exchange(ref _ended, 1);
        _deadlineTimer?.Dispose();
        _cts.Dispose();
    }

    private static string FormatPeer(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress;
        if (ip is null)
        {
            return "unknown";
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"ipv6:[{ip}]:{context.Connection.RemotePort}"
            : $"ipv4:{ip}:{context.Connection.RemotePort}";
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(key))
            {
                continue;
            }

            var lower = key.ToLowerInvariant();
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                GrpcProtocol.AddReceivedHeader(metadata, lower, value);
            }
        }

        return metadata;
    }
}
