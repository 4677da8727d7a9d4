using FraudEx.Contracts.V1;
using Google.Protobuf;

namespace FraudEx.Scoring.Idempotency;

/// <summary>
/// Remembers the decisions of the most recent transaction ids, so scoring an id again returns the original decision
/// (replayed) without counting the transaction twice. A second request for an id whose first is still being scored
/// waits for that first decision rather than scoring again. Bounded: the oldest decided ids are forgotten first, when
/// either <c>capacity</c> ids are remembered or their responses fill <c>arenaBytes</c>; beyond this window the
/// feature store's own duplicate detection keeps the behavioural state from counting a replay.
/// </summary>
/// <remarks>
/// The cache is built for the garbage collector. Every decided id lives for tens of seconds, long enough to be copied
/// from gen0 to gen1 to gen2, and while the scorer answers thousands of calls a second those copies were most of what
/// its gen0 and gen1 collections did; a gen1 collection stops every call in flight. So a decided id costs one object
/// on the heap, its id string. Its response is written, serialized, into one byte arena allocated up front (used as a
/// ring: no references inside, nothing for a collection to copy or mark), the table from id to ring slot is one array
/// of structs, and the ring of slots, in decision order, is another. A replay parses the bytes. Ids being scored are
/// kept apart, with the task their twins wait on, and are never forgotten.
/// </remarks>
public sealed class DecisionCache
{
    /// <summary>Default size of the response arena: 64 MiB, about 200,000 responses of 330 bytes.</summary>
    public const int DefaultArenaBytes = 64 * 1024 * 1024;

    private readonly Lock sync = new();
    private readonly Dictionary<string, TaskCompletionSource<ScoreResponse>> pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> decided;
    private readonly Slot[] ring;
    private readonly byte[] arena;
    private long decisions;
    private long arenaHead;

    /// <summary>Remembers up to <paramref name="capacity"/> decided ids whose responses fit in <paramref name="arenaBytes"/>.</summary>
    public DecisionCache(int capacity, int arenaBytes = DefaultArenaBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(arenaBytes, 1024);
        decided = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        ring = new Slot[capacity];
        // Uninitialized: the pages are touched as the ring first goes round, not all at start.
        arena = GC.AllocateUninitializedArray<byte>(arenaBytes);
    }

    /// <summary>Ids remembered (in flight or decided; a decided id whose bytes were overwritten counts until its slot is reused).</summary>
    public int Count
    {
        get
        {
            lock (sync)
            {
                return pending.Count + decided.Count;
            }
        }
    }

    /// <summary>
    /// Either returns the pending or finished decision of an id seen before (<paramref name="existing"/>), or reserves
    /// the id for this caller, who must then call <see cref="Complete"/> or <see cref="Abandon"/>.
    /// </summary>
    public bool TryReserve(string transactionId, out Task<ScoreResponse>? existing)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        lock (sync)
        {
            if (pending.TryGetValue(transactionId, out var inFlight))
            {
                existing = inFlight.Task;
                return false;
            }

            if (decided.TryGetValue(transactionId, out var index))
            {
                ref var slot = ref ring[index];
                if (arenaHead - slot.Offset <= arena.Length)
                {
                    existing = Task.FromResult(ScoreResponse.Parser.ParseFrom(arena.AsSpan((int)(slot.Offset % arena.Length), slot.Length)));
                    return false;
                }

                // Its bytes were written over: forgotten, as if its slot had been reused.
                decided.Remove(transactionId);
                slot = default;
            }

            pending.Add(transactionId, new TaskCompletionSource<ScoreResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        existing = null;
        return true;
    }

    /// <summary>Records the decision of a reserved id and releases the callers waiting on it.</summary>
    public void Complete(string transactionId, ScoreResponse response)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        ArgumentNullException.ThrowIfNull(response);
        var size = response.CalculateSize();
        TaskCompletionSource<ScoreResponse>? waiting;
        lock (sync)
        {
            if (!pending.Remove(transactionId, out waiting))
            {
                return;
            }

            // A response larger than an eighth of the arena would push out too many others; it is answered, not kept.
            if (size <= arena.Length / 8)
            {
                Remember(transactionId, response, size);
            }
        }

        // Callers that arrive from now on parse the bytes; those already waiting get the response itself.
        waiting.TrySetResult(response);
    }

    /// <summary>
    /// Forgets a reserved id whose scoring failed (so a retry can score it) and fails the callers waiting on it.
    /// </summary>
    public void Abandon(string transactionId, Exception error)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        TaskCompletionSource<ScoreResponse>? waiting;
        lock (sync)
        {
            if (!pending.Remove(transactionId, out waiting))
            {
                return;
            }
        }

        waiting.TrySetException(error);
    }

    private void Remember(string transactionId, ScoreResponse response, int size)
    {
        // The arena is a ring of bytes: a response never wraps, so one that does not fit before the end starts at 0.
        var at = (int)(arenaHead % arena.Length);
        if (at + size > arena.Length)
        {
            arenaHead += arena.Length - at;
            at = 0;
        }

        response.WriteTo(arena.AsSpan(at, size));
        var offset = arenaHead;
        arenaHead += size;

        var index = (int)(decisions++ % ring.Length);
        ref var slot = ref ring[index];
        if (slot.Id is { } oldest && decided.TryGetValue(oldest, out var held) && held == index)
        {
            decided.Remove(oldest);
        }

        slot = new Slot(transactionId, offset, size);
        decided[transactionId] = index;
    }

    /// <summary>A decided id, where its response starts in the arena (counted from the arena's first byte ever written) and its length.</summary>
    private readonly record struct Slot(string? Id, long Offset, int Length);
}
