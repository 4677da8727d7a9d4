using System.Diagnostics;
using System.Threading.Channels;

namespace FraudEx.Scoring.Batching;

/// <summary>Thrown by <see cref="MicroBatcher{TItem,TResult}.EnqueueAsync"/> when the queue is full.</summary>
public sealed class BatcherFullException() : Exception("The scoring queue is full.");

/// <summary>
/// Groups items from all calls in flight into batches of at most <see cref="MicroBatcherOptions.MaxBatchSize"/>,
/// processed by one delegate call each. One consumer loop drains a bounded channel; up to
/// <see cref="MicroBatcherOptions.MaxConcurrentBatches"/> batches run at once, and while they do, the next batch fills
/// for at most <see cref="MicroBatcherOptions.MaxWait"/>.
/// </summary>
public sealed class MicroBatcher<TItem, TResult> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<BatchItem<TItem>>, CancellationToken, ValueTask<TResult[]>> process;
    private readonly MicroBatcherOptions options;
    private readonly TimeProvider timeProvider;
    private readonly Channel<Entry> channel;
    private readonly SemaphoreSlim slots;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private int inFlight;
    private int disposed;

    /// <summary>Starts the consumer loop.</summary>
    public MicroBatcher(
        Func<IReadOnlyList<BatchItem<TItem>>, CancellationToken, ValueTask<TResult[]>> process,
        MicroBatcherOptions options,
        TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        this.process = process;
        this.options = options;
        this.timeProvider = timeProvider;
        channel = Channel.CreateBounded<Entry>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        slots = new SemaphoreSlim(options.MaxConcurrentBatches, options.MaxConcurrentBatches);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Batches processed so far.</summary>
    public long BatchCount => Interlocked.Read(ref batchCount);

    private long batchCount;

    /// <summary>
    /// Queues <paramref name="item"/> and completes with its result once its batch is processed. Throws
    /// <see cref="BatcherFullException"/> at once when the queue is full, so overload is refused rather than queued
    /// without bound. Cancelling abandons the wait, not the batch.
    /// </summary>
    public Task<TResult> EnqueueAsync(TItem item, ActivityContext parent, CancellationToken cancellationToken)
    {
        var entry = new Entry(item, parent, timeProvider.GetTimestamp());
        if (!channel.Writer.TryWrite(entry))
        {
            if (stopping.IsCancellationRequested)
            {
                throw new ObjectDisposedException(nameof(MicroBatcher<TItem, TResult>));
            }

            throw new BatcherFullException();
        }

        return cancellationToken.CanBeCanceled ? entry.Completion.Task.WaitAsync(cancellationToken) : entry.Completion.Task;
    }

    private async Task RunAsync()
    {
        var reader = channel.Reader;
        var ct = stopping.Token;
        List<Entry>? batch = null;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                // Waiting for a free slot here is what makes batches grow under load: items pile up meanwhile.
                await slots.WaitAsync(ct).ConfigureAwait(false);
                batch = new List<Entry>(Math.Min(options.MaxBatchSize, 64));
                Drain(reader, batch);
                if (batch.Count < options.MaxBatchSize && Volatile.Read(ref inFlight) > 0 && options.MaxWait > TimeSpan.Zero)
                {
                    await WaitForMoreAsync(reader, batch, ct).ConfigureAwait(false);
                }

                if (batch.Count == 0)
                {
                    slots.Release();
                    continue;
                }

                Interlocked.Increment(ref inFlight);
                Interlocked.Increment(ref batchCount);
                _ = ProcessAsync(batch);
                batch = null;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (batch is not null)
            {
                foreach (var entry in batch)
                {
                    entry.Completion.TrySetException(new ObjectDisposedException(nameof(MicroBatcher<TItem, TResult>)));
                }

                slots.Release();
            }
        }

        while (reader.TryRead(out var left))
        {
            left.Completion.TrySetException(new ObjectDisposedException(nameof(MicroBatcher<TItem, TResult>)));
        }
    }

    private void Drain(ChannelReader<Entry> reader, List<Entry> batch)
    {
        while (batch.Count < options.MaxBatchSize && reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }
    }

    private async Task WaitForMoreAsync(ChannelReader<Entry> reader, List<Entry> batch, CancellationToken ct)
    {
        var deadline = timeProvider.GetTimestamp() + (long)(options.MaxWait.TotalSeconds * timeProvider.TimestampFrequency);
        using var timeout = new CancellationTokenSource(options.MaxWait, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        while (batch.Count < options.MaxBatchSize && timeProvider.GetTimestamp() < deadline)
        {
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                return;
            }

            Drain(reader, batch);
        }
    }

    private async Task ProcessAsync(List<Entry> batch)
    {
        await Task.Yield();
        try
        {
            var items = new BatchItem<TItem>[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                items[i] = new BatchItem<TItem>(batch[i].Item, batch[i].Parent, batch[i].EnqueuedAt);
            }

            var results = await process(items, stopping.Token).ConfigureAwait(false);
            if (results.Length != batch.Count)
            {
                throw new InvalidOperationException($"The batch processor returned {results.Length} results for {batch.Count} items.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var entry in batch)
            {
                entry.Completion.TrySetException(e);
            }
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            slots.Release();
        }
    }

    /// <summary>Stops taking items, fails those still queued and waits for the loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        channel.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        for (var i = 0; i < options.MaxConcurrentBatches; i++)
        {
            await slots.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        stopping.Dispose();
        slots.Dispose();
    }

    private sealed class Entry(TItem item, ActivityContext parent, long enqueuedAt)
    {
        public TItem Item { get; } = item;

        public ActivityContext Parent { get; } = parent;

        public long EnqueuedAt { get; } = enqueuedAt;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>One item as the batch processor sees it: the item, its caller's trace context, and when it was queued.</summary>
public readonly record struct BatchItem<TItem>(TItem Item, ActivityContext Parent, long EnqueuedAt);
