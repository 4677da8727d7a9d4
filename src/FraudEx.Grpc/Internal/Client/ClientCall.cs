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
internal sealed class ClientCall<TRequest, TResponse> : IClientCallView, IResponseReader<TResponse>
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
                Dispose();
                throw Fail(new OperationCanceledException(cancellationToken));
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

        StartActivity(headers);
        _request = request;
        _sendTask = _channel.Invoker.SendAsync(request, Token);
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

    // Trailers as Metadata are built only when asked for (or for an error): a successful unary call needs only the status.
    private Metadata Trailers => _trailers ??= _trailerHeaders is null ? new Metadata() : HeadersToMetadata(_trailerHeaders);

    private static GrpcStatus ReadStatus(HttpHeaders headers)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values)
            || !int.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new GrpcStatus(StatusCode.Internal, "The response ended without a grpc-status.");
        }

        var message = headers.TryGetValues(GrpcProtocol.MessageHeader, out var m) ? GrpcProtocol.DecodeMessage(m.FirstOrDefault()) : string.Empty;
        return new GrpcStatus((StatusCode)code, message);
    }

    private static Metadata HeadersToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(key))
            {
                continue;
            }

            var lower = key.ToLowerInvariant();
            var binary = Metadata.IsBinaryKey(lower);
            foreach (var value in values)
            {
                if (!binary)
                {
                    metadata.Add(new Metadata.Entry(lower, value, null));
                    continue;
                }

                try
                {
                    foreach (var bytes in GrpcProtocol.DecodeBinaryHeader(value))
                    {
                        metadata.Add(new Metadata.Entry(lower, null, bytes));
                    }
                }
                catch (FormatException)
                {
                    // Metadata that is not valid base64 is dropped rather than failing the call.
                }
            }
        }

        return metadata;
    }

    /// <summary>Turns any failure into the call's final status (once) and the exception to throw.</summary>
    private RpcException Fail(Exception exception)
    {
        if (_status is { } finished && exception is RpcException already && already.Status == finished)
        {
            return already;
        }

        Metadata? trailers = null;
        GrpcStatus status;
        if (_status is { } done)
        {
            status = done;
            trailers = Trailers;
        }
        else if (_disposed || _options.CancellationToken.IsCancellationRequested)
        {
            status = new GrpcStatus(StatusCode.Cancelled, "Call cancelled.");
        }
        else if (_cts?.IsCancellationRequested == true || (_deadline is { } deadline && DateTime.UtcNow >= deadline))
        {
            status = new GrpcStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else
        {
            (status, trailers) = exception switch
            {
                RpcException rpc => (rpc.Status, rpc.Trailers),
                HttpProtocolException protocol => (FromHttp2Error(protocol), null),
                HttpRequestException request => (new GrpcStatus(StatusCode.Unavailable, $"Error connecting to {_channel.Address}: {request.Message}"), null),
                IOException io => (new GrpcStatus(StatusCode.Unavailable, $"Connection error: {io.Message}"), null),
                OperationCanceledException => (new GrpcStatus(StatusCode.Cancelled, "Call cancelled."), null),
                _ => (new GrpcStatus(StatusCode.Unknown, $"{exception.GetType().Name}: {exception.Message}"), (Metadata?)null),
            };
        }

        Finish(status, trailers);
        return new RpcException(status, Trailers, exception is RpcException ? null : exception);
    }

    // RST_STREAM error codes mapped per PROTOCOL-HTTP2 "Errors".
    private static GrpcStatus FromHttp2Error(HttpProtocolException exception) => exception.ErrorCode switch
    {
        0x7 => new GrpcStatus(StatusCode.Unavailable, "Stream refused by the server (REFUSED_STREAM)."),
        0x8 => new GrpcStatus(StatusCode.Cancelled, "Stream cancelled by the server (CANCEL)."),
        0xb => new GrpcStatus(StatusCode.ResourceExhausted, "The server asked to reduce bandwidth (ENHANCE_YOUR_CALM)."),
        0xc => new GrpcStatus(StatusCode.PermissionDenied, "The connection is not secure enough (INADEQUATE_SECURITY)."),
        _ => new GrpcStatus(StatusCode.Internal, $"HTTP/2 error {exception.ErrorCode}: {exception.Message}"),
    };

    private void Finish(GrpcStatus status, Metadata? trailers, HttpHeaders? trailerHeaders = null)
    {
        if (Interlocked.Exchange(ref _finished, 1) == 1)
        {
            return;
        }

        _trailers = trailers;
        _trailerHeaders = trailerHeaders;
        _status = status;
        _completion.TrySetResult();
        if (_activity is { } activity)
        {
            GrpcTelemetry.SetStatus(activity, status.StatusCode, isServer: false);
            activity.Dispose();
        }

        GrpcTelemetry.RecordDuration(GrpcTelemetry.ClientDuration, _method.Names, status.StatusCode, _start);
    }

    /// <summary>
    /// A write fails when the server has already ended the call (it stops reading and resets the request side):
    /// report the server's status, which arrives with the response, rather than the transport error.
    /// </summary>
    private async Task<RpcException> StatusAfterWriteFailureAsync(Exception exception)
    {
        if (_status is null && !_disposed && !Token.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(5);
            try
            {
                await GetResponseAsync().WaitAsync(wait).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or TimeoutException)
            {
                // The status, if any, is recorded by now.
            }

            if (_status is null)
            {
                // A response with a body ends with trailers the reader records.
                await Task.WhenAny(_completion.Task, Task.Delay(wait)).ConfigureAwait(false);
            }
        }

        return _status is { } status ? new RpcException(status, Trailers, exception) : Fail(exception);
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

    /// <summary>The request stream of a client-streaming or duplex call.</summary>
    internal sealed class ClientStreamWriter(ClientCall<TRequest, TResponse> call, StreamingRequestContent content) : IClientStreamWriter<TRequest>
    {
        private bool _completed;
        private bool _writing;

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (_completed)
            {
                throw new InvalidOperationException("The request stream was already completed.");
            }

            if (_writing)
            {
                throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
            }

            if (call._status is { } status)
            {
                throw new RpcException(status, call.Trailers, null);
            }

            _writing = true;
            byte[]? buffer = null;
            try
            {
                var streamTask = content.StreamTask;
                if (!streamTask.IsCompleted)
                {
                    await Task.WhenAny(streamTask, call._sendTask!).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (!streamTask.IsCompleted)
                    {
                        // The response came before HttpClient asked for the body: the call is over.
                        await call.GetResponseAsync().ConfigureAwait(false);
                        throw call._status is { } s
                            ? new RpcException(s, call.Trailers, null)
                            : new RpcException(StatusCode.Internal, "The request stream closed before the call finished.");
                    }
                }

                var stream = await streamTask.ConfigureAwait(false);
                (buffer, var length) = MessageFraming.SerializeToPooled(message, call._channel.Options.MaxSendMessageSize);
                using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.Token) : null;
                var token = linked?.Token ?? call.Token;
                await stream.WriteAsync(buffer.AsMemory(0, length), token).ConfigureAwait(false);
                await stream.FlushAsync(token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted && call._status is null)
            {
                // A message over MaxSendMessageSize was not sent; the call is abandoned with that status.
                var failure = call.Fail(ex);
                call.Abort();
                throw failure;
            }
            catch (Exception ex) when (ex is not RpcException)
            {
                throw await call.StatusAfterWriteFailureAsync(ex).ConfigureAwait(false);
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                _writing = false;
            }
        }

        public Task CompleteAsync()
        {
            _completed = true;
            content.Complete();
            return Task.CompletedTask;
        }
    }
}
