using System.Collections.Concurrent;
using System.Diagnostics;
using FraudEx.Scoring.Batching;

namespace FraudEx.Scoring.Tests;

public sealed class MicroBatcherTests
{
    [Fact]
    public async Task LoneItem_IsProcessedWithoutWaitingForMore()
    {
        var sizes = new ConcurrentQueue<int>();
        await using var batcher = new MicroBatcher<int, int>(
            (items, _) => { sizes.Enqueue(items.Count); return ValueTask.FromResult(items.Select(i => i.Item * 2).ToArray()); },
            new MicroBatcherOptions { MaxWait = TimeSpan.FromSeconds(30) }, TimeProvider.System);

        var result = await batcher.EnqueueAsync(21, default, CancellationToken.None).WaitAsync(Wait.Timeout);
        Assert.Equal(42, result);
        Assert.Equal([1], sizes);
    }

    [Fact]
    public async Task ItemsArrivingWhileBusy_ShareBatchesBoundedInSize()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sizes = new ConcurrentQueue<int>();
        await using var batcher = new MicroBatcher<int, int>(
            async (items, _) =>
            {
                sizes.Enqueue(items.Count);
                await release.Task;
                return items.Select(i => i.Item).ToArray();
            },
            new MicroBatcherOptions { MaxBatchSize = 8, MaxConcurrentBatches = 1, MaxWait = TimeSpan.FromMilliseconds(1) },
            TimeProvider.System);

        var first = batcher.EnqueueAsync(0, default, CancellationToken.None);
        await Wait.UntilAsync(() => sizes.Count == 1, "the first batch to start");
        var rest = Enumerable.Range(1, 20).Select(i => batcher.EnqueueAsync(i, default, CancellationToken.None)).ToArray();
        release.SetResult();

        var results = await Task.WhenAll(rest.Prepend(first)).WaitAsync(Wait.Timeout);
        Assert.Equal(Enumerable.Range(0, 21), results);
        Assert.Equal([1, 8, 8, 4], sizes);
    }

    [Fact]
    public async Task EachResult_GoesToItsOwnCaller()
    {
        await using var batcher = new MicroBatcher<string, string>(
            (items, _) => ValueTask.FromResult(items.Select(i => i.Item.ToUpperInvariant()).ToArray()),
            new MicroBatcherOptions(), TimeProvider.System);

        var tasks = Enumerable.Range(0, 1000).Select(i => Task.Run(() => batcher.EnqueueAsync($"x{i}", default, CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(Wait.Timeout);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"X{i}"), results);
        Assert.True(batcher.BatchCount <= 1000);
    }

    [Fact]
    public async Task ProcessorFailure_FailsEveryItemOfThatBatchOnly()
    {
        var calls = 0;
        await using var batcher = new MicroBatcher<int, int>(
            (items, _) => Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("boom")
                : ValueTask.FromResult(items.Select(i => i.Item).ToArray()),
            new MicroBatcherOptions(), TimeProvider.System);

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.EnqueueAsync(1, default, CancellationToken.None).WaitAsync(Wait.Timeout));
        Assert.Equal("boom", failed.Message);
        Assert.Equal(2, await batcher.EnqueueAsync(2, default, CancellationToken.None).WaitAsync(Wait.Timeout));
    }

    [Fact]
    public async Task FullQueue_RefusesAtOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var batcher = new MicroBatcher<int, int>(
            async (items, _) =>
            {
                started.TrySetResult();
                await release.Task;
                return items.Select(i => i.Item).ToArray();
            },
            new MicroBatcherOptions { MaxBatchSize = 1, MaxConcurrentBatches = 1, QueueCapacity = 2 }, TimeProvider.System);

        var first = batcher.EnqueueAsync(0, default, CancellationToken.None);
        await started.Task.WaitAsync(Wait.Timeout);
        var queued = new[] { batcher.EnqueueAsync(1, default, CancellationToken.None), batcher.EnqueueAsync(2, default, CancellationToken.None) };
        Assert.Throws<BatcherFullException>(() => { _ = batcher.EnqueueAsync(3, default, CancellationToken.None); });
        release.SetResult();
        Assert.Equal(new[] { 1, 2 }, await Task.WhenAll(queued).WaitAsync(Wait.Timeout));
        Assert.Equal(0, await first.WaitAsync(Wait.Timeout));
    }

    [Fact]
    public async Task CallerCancel_AbandonsWaitNotBatch()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = 0;
        await using var batcher = new MicroBatcher<int, int>(
            async (items, _) =>
            {
                await release.Task;
                Interlocked.Add(ref processed, items.Count);
                return items.Select(i => i.Item).ToArray();
            },
            new MicroBatcherOptions(), TimeProvider.System);

        using var cts = new CancellationTokenSource();
        var call = batcher.EnqueueAsync(7, default, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait.Timeout));
        release.SetResult();
        await Wait.UntilAsync(() => Volatile.Read(ref processed) == 1, "the batch to finish");
    }

    [Fact]
    public async Task BatchItems_CarryCallerTraceContext()
    {
        ActivityContext seen = default;
        await using var batcher = new MicroBatcher<int, int>(
            (items, _) => { seen = items[0].Parent; return ValueTask.FromResult(new[] { 0 }); },
            new MicroBatcherOptions(), TimeProvider.System);
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        await batcher.EnqueueAsync(1, context, CancellationToken.None).WaitAsync(Wait.Timeout);
        Assert.Equal(context, seen);
    }

    [Fact]
    public async Task Dispose_FailsQueuedItems()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new MicroBatcher<int, int>(
            async (items, ct) => { await release.Task.WaitAsync(ct); return items.Select(i => i.Item).ToArray(); },
            new MicroBatcherOptions { MaxBatchSize = 1, MaxConcurrentBatches = 1 }, TimeProvider.System);
        var first = batcher.EnqueueAsync(1, default, CancellationToken.None);
        var second = batcher.EnqueueAsync(2, default, CancellationToken.None);
        await batcher.DisposeAsync().AsTask().WaitAsync(Wait.Timeout);
        await Assert.ThrowsAnyAsync<Exception>(() => first.WaitAsync(Wait.Timeout));
        await Assert.ThrowsAnyAsync<Exception>(() => second.WaitAsync(Wait.Timeout));
    }
}
