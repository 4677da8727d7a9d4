using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace FraudEx.Grpc.Internal.Client;

/// <summary>
/// The body of a call with a single request message. Its length is known, so the message goes out in one DATA frame
/// with END_STREAM. Serialised into a pooled buffer only while being written (HTTP/2 may replay it on a refused stream).
/// </summary>
internal sealed class SingleMessageContent : HttpContent
{
    private readonly IMessage _message;
    private readonly int _size;

    public SingleMessageContent(IMessage message, int maxSize)
    {
        _message = message;
        _size = message.CalculateSize();
        if (_size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {_size} bytes exceeds the maximum of {maxSize} bytes.");
        }

        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var (buffer, length) = MessageFraming.SerializeToPooled(_message, int.MaxValue);
        try
        {
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcProtocol.HeaderSize + _size;
        return true;
    }
}

/// <summary>
/// The body of a client-streaming or duplex call: hands the HTTP/2 request stream to the call's writer as soon as
/// HttpClient opens it, and ends (END_STREAM) when the writer completes.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent() => Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);

    public Task<Stream> StreamTask => _stream.Task;

    public void Complete() => _complete.TrySetResult();

    public void Abort(Exception exception)
    {
        _stream.TrySetException(exception);
        _complete.TrySetException(exception);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // HttpClient's HTTP/2 holds a request's HEADERS frame back while a body is to follow, until the body stream
        // is written or flushed. A streaming call may send nothing for a while (or ever, when the server refuses it
        // at once): flush now so the server sees the call, instead of its starting depending on other traffic on
        // the connection.
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        await _complete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
