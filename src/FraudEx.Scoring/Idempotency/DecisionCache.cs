using System.Collections.Concurrent;
using FraudEx.Contracts.V1;

namespace FraudEx.Scoring.Idempotency;

/// <summary>
/// Remembers the decisions of the most recent transaction ids, so scoring an id again returns the original decision
/// (replayed) without counting the transaction twice. A second request for an id whose first is still being scored
/// waits for that first decision rather than scoring again. Bounded: the oldest ids are forgotten first; beyond this
/// window the feature service's own duplicate detection keeps the behavioural state from counting a replay.
/// </summary>
public sealed class DecisionCache(int capacity)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ScoreResponse>> entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> order = new();

    // ConcurrentDictionary.Count takes every lock of the dictionary; on the hot path the size is kept here instead.
    private int count;

    /// <summary>Ids remembered (in flight or decided).</summary>
    public int Count => Volatile.Read(ref count);

    /// <summary>
    /// Either returns the pending or finished decision of an id seen before (<paramref name="existing"/>), or reserves
    /// the id for this caller, who must then call <see cref="Complete"/> or <see cref="Abandon"/>.
    /// </summary>
    public bool TryReserve(string transactionId, out Task<ScoreResponse>? existing)
    {
        var mine = new TaskCompletionSource<ScoreResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var winner = entries.GetOrAdd(transactionId, mine);
        if (!ReferenceEquals(winner, mine))
        {
            existing = winner.Task;
            return false;
        }

        existing = null;
        Interlocked.Increment(ref count);
        order.Enqueue(transactionId);
        while (Volatile.Read(ref count) > capacity && order.TryDequeue(out var oldest))
        {
            // An id still being scored is kept: forgetting it would let its twin be scored in parallel.
            if (entries.TryGetValue(oldest, out var tcs) && tcs.Task.IsCompleted)
            {
                if (entries.TryRemove(oldest, out _))
                {
                    Interlocked.Decrement(ref count);
                }
            }
            else if (tcs is not null)
            {
                order.Enqueue(oldest);
                break;
            }
        }

        return true;
    }

    /// <summary>Records the decision of a reserved id and releases the callers waiting on it.</summary>
    public void Complete(string transactionId, ScoreResponse response)
    {
        if (entries.TryGetValue(transactionId, out var tcs))
        {
            tcs.TrySetResult(response);
        }
    }

    /// <summary>
    /// Forgets a reserved id whose scoring failed (so a retry can score it) and fails the callers waiting on it.
    /// </summary>
    public void Abandon(string transactionId, Exception error)
    {
        if (entries.TryRemove(transactionId, out var tcs))
        {
            Interlocked.Decrement(ref count);
            tcs.TrySetException(error);
        }
    }
}
