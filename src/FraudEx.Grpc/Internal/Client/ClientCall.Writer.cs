using System.Buffers;
using Google.Protobuf;

namespace FraudEx.Grpc.Internal.Client;

// The request stream writer of client-streaming and duplex calls.
internal sealed partial class ClientCall<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    /// <summary>The request stream of a client-streaming or duplex call.</summary>
    internal sealed class ClientStreamWriter(ClientCall<TRequest, TResponse> call, StreamingRequestContent content) : IClientStreamWriter<TRequest>, IBatchingStreamWriter<TRequest>
    {
        private bool _completed;
        private bool _writing;

        public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default) => WriteAsync(message, flush: true, cancellationToken);

        public async Task WriteAsync(TRequest message, bool flush, CancellationToken cancellationToken = default)
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
                if (flush)
                {
                    await stream.FlushAsync(token).ConfigureAwait(false);
                }
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
