namespace FraudEx.Grpc;

/// <summary>Writes response messages of a streaming call. One write at a time; each awaits HTTP/2 flow control.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>
/// A stream writer that can send several messages with one flush: a message written with <c>flush: false</c> waits in
/// the stream's buffer until a later write flushes (or the call ends). Writers that answer in bursts (a batch of
/// results ready at once) use it to put many messages into few HTTP/2 frames and system calls. The flushing write
/// awaits HTTP/2 flow control, so back-pressure is unchanged.
/// </summary>
public interface IBatchingStreamWriter<in T>
{
    Task WriteAsync(T message, bool flush, CancellationToken cancellationToken = default);
}

/// <summary>Writes request messages of a client-streaming or duplex call, then completes the request stream.</summary>
public interface IClientStreamWriter<in T>
{
    /// <summary>Sends one message; returns once it is handed to HTTP/2 (awaiting flow control). One write at a time.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Ends the request stream (END_STREAM).</summary>
    Task CompleteAsync();
}
