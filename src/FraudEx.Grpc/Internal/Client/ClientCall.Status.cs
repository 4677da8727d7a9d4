using System.Net.Http.Headers;
using Google.Protobuf;

namespace FraudEx.Grpc.Internal.Client;

// Status: how HTTP/2 outcomes, headers and trailers become the call's gRPC status and metadata.
internal sealed partial class ClientCall<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
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
            foreach (var value in values)
            {
                GrpcProtocol.AddReceivedHeader(metadata, lower, value);
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
}
