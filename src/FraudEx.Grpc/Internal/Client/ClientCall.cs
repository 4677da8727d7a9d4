using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace FraudEx.Grpc.Internal.Client;

/// <summary>
/// One client call over HttpClient: sends the request (single message or a stream written as the caller writes),
/// reads length-prefixed response messages from the body, and turns HTTP/2 outcomes into a gRPC status.
/// </summary>
internal sealed partial class ClientCall<TRequest, TResponse> : IClientCallView, IResponseReader<TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private const string UserAgent = "grpc-dotnet-fraudex/1.0";

    private readonly GrpcChannel _channel;
    private readonly ClientMethod _method;
    private readonly CallOptions _options;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly DateTime? _deadline;
    private CancellationTokenSource? _cts;
    private CancellationTokenRegistration _abortRegistration;
    private Activity? _activity;
    private HttpRequestMessage? _request;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private Metadata? _responseHeaders;
    private Metadata? _trailers;
    private HttpHeaders? _trailerHeaders;
    private GrpcStatus? _status;
    private StreamingRequestContent? _streamingContent;
    private Task<HttpResponseMessage>? _responseTask;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _finished;
    private volatile bool _disposed;

    public ClientCall(GrpcChannel channel, ClientMethod method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        if (options.Deadline is { } deadline)
        {
            _deadline = deadline.Kind == DateTimeKind.Local ? deadline.ToUniversalTime() : deadline;
        }
    }

    private CancellationToken Token => _cts?.Token ?? _options.CancellationToken;

    public GrpcStatus GetStatus() =>
        _status ?? throw new InvalidOperationException("The call has not finished yet: read the response to the end first.");

    public Metadata GetTrailers() =>
        _status is null ? throw new InvalidOperationException("The call has not finished yet: read the response to the end first.") : Trailers;

    public async Task<TResponse> UnaryAsync(TRequest request)
    {
        try
        {
            Send(new SingleMessageContent(request, _channel.Options.MaxSendMessageSize), streaming: false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        return await ReadSingleResponseAsync().ConfigureAwait(false);
    }

    public void StartServerStreaming(TRequest request)
    {
        try
        {
            Send(new SingleMessageContent(request, _channel.Options.MaxSendMessageSize), streaming: true);
        }
        catch (Exception ex)
        {
            // Surfaces on the first MoveNext, like any other failure of the call.
            _sendTask = Task.FromException<HttpResponseMessage>(Fail(ex));
        }
    }

    public ClientStreamWriter StartRequestStreaming()
    {
        _streamingContent = new StreamingRequestContent();
        Send(_streamingContent, streaming: true);
        return new ClientStreamWriter(this, _streamingContent);
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var message = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false)
            ?? throw Fail(new RpcException(StatusCode.Internal, "The server sent no response message for a call with a single response."));
        if (await ReadNextAsync(CancellationToken.None).ConfigureAwait(false) is not null)
        {
            throw Fail(new RpcException(StatusCode.Internal, "The server sent more than one response message for a call with a single response."));
        }

        return message;
    }

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        var response = await GetResponseAsync().ConfigureAwait(false);
        return _responseHeaders ??= HeadersToMetadata(response.Headers);
    }

    /// <summary>The next response message; null at the end with status OK; throws <see cref="RpcException"/> otherwise.</summary>
    public async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        await GetResponseAsync().ConfigureAwait(false);
        if (_status is { } done)
        {
            return done.StatusCode == StatusCode.OK ? null : throw new RpcException(done, Trailers, null);
        }

        TResponse? message;
        using (var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Token) : null)
        {
            try
            {
                message = await MessageFraming.ReadMessageAsync<TResponse>(_reader!, _channel.Options.MaxReceiveMessageSize, _responseEncoding, linked?.Token ?? Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !Token.IsCancellationRequested)
            {
                // Only this read was cancelled, by its own token: the call is cancelled (gRPC has no partial reads).
                var failure = Fail(new OperationCanceledException(cancellationToken));
                Dispose();
                throw failure;
            }
            catch (Exception ex)
            {
                throw Fail(ex);
            }
        }

        if (message is not null)
        {
            return message;
        }

        // End of body: return the reader's pooled buffers now rather than leaving them to the GC.
        await _reader!.CompleteAsync().ConfigureAwait(false);
        var status = ReadStatus(_response!.TrailingHeaders);
        Finish(status, null, _response.TrailingHeaders);
        return status.StatusCode == StatusCode.OK ? null : throw new RpcException(status, Trailers, null);
    }

    private void Send(HttpContent content, bool streaming)
    {
        TimeSpan? timeout = null;
        if (_deadline is { } deadline)
        {
            timeout = deadline - DateTime.UtcNow;
            if (timeout <= TimeSpan.Zero)
            {
                content.Dispose();
                throw new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }
        }

        if (timeout is not null || streaming || _options.CancellationToken.CanBeCanceled)
        {
            _cts = _options.CancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(_options.CancellationToken)
                : new CancellationTokenSource();
            if (timeout is { } t && t.TotalMilliseconds < uint.MaxValue - 1)
            {
                _cts.CancelAfter(t);
            }

            _abortRegistration = _cts.Token.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).Abort(), this);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _method.Uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (timeout is { } value)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(value));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    continue;
                }

                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? GrpcProtocol.EncodeBinaryHeader(entry.ValueBytes!) : entry.Value);
            }
        }

        var previous = Activity.Current;
        StartActivity(headers);
        _request = request;
        _sendTask = _channel.Invoker.SendAsync(request, Token);
        if (_activity is not null)
        {
            // Streaming calls return to the caller while the span is open: the caller's own work must not become
            // a child of the call's span.
            Activity.Current = previous;
        }
    }

    private void StartActivity(HttpRequestHeaders headers)
    {
        if (GrpcTelemetry.Source.HasListeners())
        {
            _activity = GrpcTelemetry.Source.StartActivity(_method.Names.SpanName, ActivityKind.Client);
            if (_activity is { IsAllDataRequested: true })
            {
                _activity.SetTag("rpc.system", "grpc");
                _activity.SetTag("rpc.service", _method.Names.Service);
                _activity.SetTag("rpc.method", _method.Names.Method);
                _activity.SetTag("server.address", _method.ServerAddress);
                _activity.SetTag("server.port", _method.ServerPort);
            }
        }

        // W3C trace context in metadata, so the server's span continues this trace.
        var context = _activity ?? Activity.Current;
        if (context is { IdFormat: ActivityIdFormat.W3C } && !headers.Contains(GrpcProtocol.TraceParentHeader))
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TraceParentHeader, context.Id);
            if (!string.IsNullOrEmpty(context.TraceStateString))
            {
                headers.TryAddWithoutValidation(GrpcProtocol.TraceStateHeader, context.TraceStateString);
            }
        }
    }

    // Reader and request writer may both need the response; it is fetched and validated once.
    private Task<HttpResponseMessage> GetResponseAsync()
    {
        var task = Volatile.Read(ref _responseTask);
        if (task is not null)
        {
            return task;
        }

        lock (_lock)
        {
            return _responseTask ??= GetResponseCoreAsync();
        }
    }

    private async Task<HttpResponseMessage> GetResponseCoreAsync()
    {
        HttpResponseMessage response;
        try
        {
            response = await _sendTask!.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        _response = response;
        if (_disposed)
        {
            response.Dispose();
            throw Fail(new OperationCanceledException());
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            var code = GrpcProtocol.FromHttpStatus((int)response.StatusCode);
            throw Fail(new RpcException(code, $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}."));
        }

        if (response.Headers.Contains(GrpcProtocol.StatusHeader))
        {
            // Trailers-Only: the status came with the headers and there is no body to read.
            var status = ReadStatus(response.Headers);
            Finish(status, null, response.Headers);
            return response;
        }

        var contentType = response.Content.Headers.TryGetValues("Content-Type", out var ct) ? ct.FirstOrDefault() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw Fail(new RpcException(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: '{contentType}'."));
        }

        if (response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding))
        {
            _responseEncoding = encoding.FirstOrDefault();
        }

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
            _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024));
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        return response;
    }

    /// <summary>Resets the HTTP/2 stream (RST_STREAM CANCEL) on cancellation or deadline.</summary>
    private void Abort()
    {
        _streamingContent?.Abort(new OperationCanceledException("The call was cancelled."));
        _response?.Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        var unfinished = _status is null;
        _disposed = true;
        if (unfinished)
        {
            Finish(new GrpcStatus(StatusCode.Cancelled, "Call disposed before it finished."), null);
        }

        _abortRegistration.Dispose();
        if (_streamingContent is { } content)
        {
            if (unfinished)
            {
                content.Abort(new OperationCanceledException("The call was disposed."));
            }
            else
            {
                content.Complete();
            }
        }

        if (unfinished)
        {
            _cts?.Cancel();
        }

        _response?.Dispose();
        _request?.Dispose();
        _cts?.Dispose();
    }
}
