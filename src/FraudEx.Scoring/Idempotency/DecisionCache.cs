using System.Collections.Concurrent;
using FraudEx.Contracts.V1;
using Google.Protobuf;

namespace FraudEx.Scoring.Idempotency;

/// <summary>
/// Remembers the decisions of the most recent transaction ids, so scoring an id again returns the original decision
/// (replayed) without counting the transaction twice. A second request for an id whose first is still being scored
/// waits for that first decision rather than scoring again. Bounded: the oldest ids are forgotten first; beyond this
/// window the feature service's own duplicate detection keeps the behavioural state from counting a replay.
/// </summary>
/// <remarks>
/// A decided id keeps its response as serialized bytes, one array per id, rather than the response's object graph
/// (the message, its reasons and their strings): the cache holds hundreds of thousands of ids that live long enough to
/// reach gen2, and every object there is one more for each background collection to mark. A replay parses the bytes.
/// </remarks>
public sealed class DecisionCache(int capacity)
{
    // An id's value is its TaskCompletionSource while it is being scored, then the decided response's bytes.
    private readonly ConcurrentDictionary<string, object> entries = new(StringComparer.Ordinal);
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
            existing = winner is TaskCompletionSource<ScoreResponse> pending
                ? pending.Task
                : Task.FromResult(ScoreResponse.Parser.ParseFrom((byte[])winner));
            return false;
        }

        existing = null;
        Interlocked.Increment(ref count);
        order.Enqueue(transactionId);
        while (Volatile.Read(ref count) > capacity && order.TryDequeue(out var oldest))
        {
            // An id still being scored is kept: forgetting it would let its twin be scored in parallel.
            if (entries.TryGetValue(oldest, out var value) && value is byte[])
            {
                if (entries.TryRemove(new KeyValuePair<string, object>(oldest, value)))
                {
                    Interlocked.Decrement(ref count);
                }
            }
            else if (value is not null)
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
        ArgumentNullException.ThrowIfNull(response);
        if (entries.TryGetValue(transactionId, out var value) && value is TaskCompletionSource<ScoreResponse> pending)
        {
            // Callers that arrive from now on parse the bytes; those already waiting get the response itself.
            entries.TryUpdate(transactionId, response.ToByteArray(), pending);
            pending.TrySetResult(response);
        }
    }

    /// <summary>
    /// Forgets a reserved id whose scoring failed (so a retry can score it) and fails the callers waiting on it.
    /// </summary>
    public void Abandon(string transactionId, Exception error)
    {
        if (entries.TryGetValue(transactionId, out var value) && value is TaskCompletionSource<ScoreResponse> pending
            && entries.TryRemove(new KeyValuePair<string, object>(transactionId, pending)))
        {
            Interlocked.Decrement(ref count);
            pending.TrySetException(error);
        }
    }
}
