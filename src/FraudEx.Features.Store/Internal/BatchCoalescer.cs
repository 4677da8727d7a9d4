using FraudEx.Features.Engine;

namespace FraudEx.Features.Internal;

/// <summary>
/// Group commit for <see cref="FeatureStore"/>: batches arriving while the store is busy wait in a queue and are then
/// processed as one combined batch, in arrival order, so results equal running them one after the other. Callers of
/// one process never conflict with each other, and many small calls share the two round trips of one batch.
/// </summary>
internal sealed class BatchCoalescer(FeatureStore store, int maxCombined, int maxConcurrent)
{
    private readonly Lock _sync = new();
    private readonly Queue<Pending> _queue = new();
    private int _running;

    public Task<IReadOnlyList<ComputedVector>> ComputeAsync(IReadOnlyList<TransactionEvent> transactions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(transactions, cancellationToken);
        var start = false;
        lock (_sync)
        {
            _queue.Enqueue(pending);
            if (_running < maxConcurrent)
            {
                _running++;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(RunAsync, CancellationToken.None);
        }

        // A cancelled caller stops waiting; work already combined into a batch still completes for the others.
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            var taken = new List<Pending>();
            var count = 0;
            lock (_sync)
            {
                while (_queue.TryPeek(out var next) && (taken.Count == 0 || count + next.Transactions.Count <= maxCombined))
                {
                    _queue.Dequeue();
                    if (next.CancellationToken.IsCancellationRequested)
                    {
                        next.Completion.TrySetCanceled(next.CancellationToken);
                        continue;
                    }

                    taken.Add(next);
                    count += next.Transactions.Count;
                }

                if (taken.Count == 0)
                {
                    _running--;
                    return;
                }
            }

            await ProcessAsync(taken, count).ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(List<Pending> taken, int count)
    {
        if (taken.Count == 1)
        {
            await RunOneAsync(taken[0]).ConfigureAwait(false);
            return;
        }

        var combined = new List<TransactionEvent>(count);
        foreach (var p in taken)
        {
            combined.AddRange(p.Transactions);
        }

        IReadOnlyList<ComputedVector> results;
        try
        {
            results = await store.ComputeCoreAsync(combined, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FeatureStoreCorruptStateException or FeatureStoreConflictException)
        {
            // One caller's bad entity must not fail the others: fall back to running each batch on its own.
            foreach (var p in taken)
            {
                await RunOneAsync(p).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception ex)
        {
            foreach (var p in taken)
            {
                p.Completion.TrySetException(ex);
            }

            return;
        }

        var offset = 0;
        foreach (var p in taken)
        {
            var slice = new ComputedVector[p.Transactions.Count];
            for (var i = 0; i < slice.Length; i++)
            {
                slice[i] = results[offset + i];
            }

            offset += slice.Length;
            p.Completion.TrySetResult(slice);
        }
    }

    private async Task RunOneAsync(Pending p)
    {
        try
        {
            p.Completion.TrySetResult(await store.ComputeCoreAsync(p.Transactions, p.CancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (p.CancellationToken.IsCancellationRequested)
        {
            p.Completion.TrySetCanceled(p.CancellationToken);
        }
        catch (Exception ex)
        {
            p.Completion.TrySetException(ex);
        }
    }

    private sealed class Pending(IReadOnlyList<TransactionEvent> transactions, CancellationToken cancellationToken)
    {
        public IReadOnlyList<TransactionEvent> Transactions { get; } = transactions;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<IReadOnlyList<ComputedVector>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
