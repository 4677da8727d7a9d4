namespace FraudEx.Features.Internal;

/// <summary>
/// Entity values this process has sent to Redis and not yet seen acknowledged, or acknowledged so recently that a
/// read answered before they landed may still be in flight. Batches run as a pipeline: batch n+1's read goes out
/// while batch n computes, so it can come back without n's writes. Instead of conflicting with n (a wasted
/// check-and-set and a re-read), batch n+1 resolves what it read through the overlay: when the header it read is the
/// one an earlier write replaced, it takes that write's value and expects its header. Nothing here is trusted blindly:
/// the check-and-set still compares headers in Redis, so a write that failed (or was never applied) only makes the
/// batches that followed it conflict and fold again.
/// </summary>
internal sealed class WriteOverlay
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, List<Entry>> _byKey = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry, long Horizon)> _acknowledged = new();
    private long _started;
    private long _computed;

    /// <summary>Entries currently held (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _byKey.Values.Sum(l => l.Count);
            }
        }
    }

    /// <summary>Hands out the next batch sequence number; its read is sent after this call.</summary>
    public long Begin()
    {
        lock (_sync)
        {
            return ++_started;
        }
    }

    /// <summary>
    /// Batch <paramref name="sequence"/> has finished its compute step (batches compute in sequence order). Entries
    /// acknowledged before any batch still to compute had started are dropped: every later read sees them in Redis.
    /// </summary>
    public void Computed(long sequence)
    {
        lock (_sync)
        {
            _computed = Math.Max(_computed, sequence);
            while (_acknowledged.TryPeek(out var head) && head.Horizon <= _computed)
            {
                _acknowledged.Dequeue();
                RemoveLocked(head.Key, head.Entry);
            }
        }
    }

    /// <summary>The value to fold on: the stored value read, or the newest in-flight write that replaced it.</summary>
    public byte[]? Resolve(string key, byte[]? read)
    {
        lock (_sync)
        {
            // An unreadable value is passed through so loading it fails, rather than being mistaken for an absent key.
            if (!_byKey.TryGetValue(key, out var entries) || read is { Length: <= EntitySlot.HeaderBytes })
            {
                return read;
            }

            var current = read;
            for (var hops = 0; hops < entries.Count; hops++)
            {
                var next = Follow(entries, HeaderOf(current));
                if (next is null)
                {
                    break;
                }

                current = next.Value;
            }

            return current;
        }
    }

    /// <summary>Records a write about to be sent: <paramref name="value"/> replaces the value whose header is <paramref name="baseHeader"/>.</summary>
    public Entry Add(string key, byte[] baseHeader, byte[] value)
    {
        var entry = new Entry(baseHeader, value);
        lock (_sync)
        {
            if (!_byKey.TryGetValue(key, out var entries))
            {
                entries = new List<Entry>(1);
                _byKey[key] = entries;
            }

            entries.Add(entry);
        }

        return entry;
    }

    /// <summary>The write was not applied (conflict, refused batch, lost connection): later reads must not follow it.</summary>
    public void Failed(string key, Entry entry)
    {
        lock (_sync)
        {
            RemoveLocked(key, entry);
        }
    }

    /// <summary>The write is in Redis; it is kept until every batch whose read may predate it has computed.</summary>
    public void Acknowledged(string key, Entry entry)
    {
        lock (_sync)
        {
            _acknowledged.Enqueue((key, entry, _started));
        }
    }

    private void RemoveLocked(string key, Entry entry)
    {
        if (_byKey.TryGetValue(key, out var entries) && entries.Remove(entry) && entries.Count == 0)
        {
            _byKey.Remove(key);
        }
    }

    private static Entry? Follow(List<Entry> entries, ReadOnlySpan<byte> header)
    {
        foreach (var e in entries)
        {
            if (header.SequenceEqual(e.BaseHeader))
            {
                return e;
            }
        }

        return null;
    }

    private static ReadOnlySpan<byte> HeaderOf(byte[]? value) =>
        value is null ? [] : value.AsSpan(0, EntitySlot.HeaderBytes);

    /// <summary>One write: the header it expects and the whole value it stores.</summary>
    internal sealed class Entry(byte[] baseHeader, byte[] value)
    {
        public byte[] BaseHeader { get; } = baseHeader;

        public byte[] Value { get; } = value;
    }
}
