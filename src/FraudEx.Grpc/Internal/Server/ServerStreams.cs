using Google.Protobuf;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>The request stream of a client-streaming or duplex call, read from Kestrel's request body pipe.</summary>
internal sealed class ServerStreamReader<T>(ServerCallContext call) : IAsyncStreamReader<T>
    where T : class, IMessage<T>, new()
{
    private T? _current;
    private bool _completed;

    public T Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return false;
        }

        using var linked = cancellationToken.CanBeCanceled && cancellationToken != call.CancellationToken
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        var token = linked?.Token ?? call.CancellationToken;
        var message = await MessageFraming.ReadMessageAsync<T>(call.RequestBody, call.MaxReceiveMessageSize, call.Encoding, token).ConfigureAwait(false);
        if (message is null)
        {
            _completed = true;
            return false;
        }

        _current = message;
        return true;
    }
}

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class ServerStreamWriter<T>(ServerCallContext call) : IServerStreamWriter<T>, IBatchingStreamWriter<T>
    where T : class, IMessage<T>
{
    private bool _writing;

    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => WriteAsync(message, flush: true, cancellationToken);

    public async Task WriteAsync(T message, bool flush, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_writing)
        {
            throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
        }

        _writing = true;
        try
        {
            using var linked = cancellationToken.CanBeCanceled && cancellationToken != call.CancellationToken
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
                : null;
            if (flush)
            {
                await call.WriteMessageAndFlushAsync(message, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                (linked?.Token ?? call.CancellationToken).ThrowIfCancellationRequested();
                call.WriteMessage(message);
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
