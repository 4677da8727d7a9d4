using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Grpc.Core;

namespace FraudEx.Scoring.Grpc;

/// <summary>
/// Scores the messages of one stream concurrently (so they share micro-batches) while answering strictly in request
/// order. At most <c>window</c> messages are in flight: when the client reads its answers slowly, the writer waits on
/// HTTP/2 flow control, the window fills, and reading stops, so back-pressure reaches the sender instead of the
/// server buffering without bound.
/// </summary>
internal sealed class OrderedStreamScorer<TRequest, TResponse>(
    Func<TRequest, long, CancellationToken, Task<TResponse>> score, int window, TimeProvider timeProvider)
    where TRequest : class
{
    /// <summary>Reads every request, scores it, and writes the answers in order; returns when the client has finished.
    /// A read that fails with a status throws it after the answers to the requests read before.</summary>
    public async Task RunAsync(
        Func<CancellationToken, Task<TRequest?>> read,
        Func<TResponse, bool, CancellationToken, Task> write,
        CancellationToken cancellationToken)
    {
        var pending = Channel.CreateBounded<Task<TResponse>>(new BoundedChannelOptions(window)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAllAsync(pending.Reader, write, failed);
        RpcException? refused = null;
        try
        {
            while (await read(failed.Token).ConfigureAwait(false) is { } request)
            {
                var receivedAt = timeProvider.GetTimestamp();
                await pending.Writer.WriteAsync(score(request, receivedAt, failed.Token), failed.Token).ConfigureAwait(false);
            }
        }
        catch (RpcException e)
        {
            // A message the server refuses to read (it does not parse or decompress) ends the stream with that status,
            // but only after the answers to the messages before it: the client keeps what was scored.
            refused = e;
        }
        finally
        {
            pending.Writer.TryComplete();
        }

        await writer.ConfigureAwait(false);
        if (refused is not null)
        {
            ExceptionDispatchInfo.Throw(refused);
        }
    }

    private static async Task WriteAllAsync(ChannelReader<Task<TResponse>> pending, Func<TResponse, bool, CancellationToken, Task> write, CancellationTokenSource failed)
    {
        // Answers of one micro-batch complete together: while the next answer is already there, write without
        // flushing, so a burst leaves in a few frames; flush when the next is not ready yet, and at least every
        // MaxUnflushed answers so the buffer stays small.
        const int MaxUnflushed = 64;
        var unflushed = 0;
        try
        {
            await foreach (var next in pending.ReadAllAsync(failed.Token).ConfigureAwait(false))
            {
                var response = await next.ConfigureAwait(false);
                var flush = ++unflushed >= MaxUnflushed || !(pending.TryPeek(out var following) && following.IsCompleted);
                await write(response, flush, failed.Token).ConfigureAwait(false);
                if (flush)
                {
                    unflushed = 0;
                }
            }
        }
        catch
        {
            // A failed write (client gone) must also stop the reading side.
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
