namespace FraudEx.Features.Engine.Internal;

/// <summary>
/// A bounded set of 32-bit hashes of entity ids with the last time (Unix seconds) each was seen. When full, the entry
/// seen longest ago is replaced, so "new" means "not among the N most recently seen". Collisions among at most 32
/// entries of a 32-bit hash are negligible (about 1 in 8 million per insert).
/// </summary>
internal sealed class RecentSet
{
    private readonly uint[] _hashes;
    private readonly long[] _lastSeen;

    public RecentSet(int capacity)
    {
        Capacity = capacity;
        _hashes = new uint[capacity];
        _lastSeen = new long[capacity];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public bool Contains(uint hash) => IndexOf(hash) >= 0;

    /// <summary>Marks <paramref name="hash"/> seen at <paramref name="seconds"/> (never moving a time backwards).</summary>
    public void Touch(uint hash, long seconds)
    {
        var i = IndexOf(hash);
        if (i >= 0)
        {
            _lastSeen[i] = Math.Max(_lastSeen[i], seconds);
            return;
        }

        if (Count < Capacity)
        {
            _hashes[Count] = hash;
            _lastSeen[Count] = seconds;
            Count++;
            return;
        }

        var oldest = 0;
        for (var j = 1; j < Count; j++)
        {
            if (_lastSeen[j] < _lastSeen[oldest])
            {
                oldest = j;
            }
        }

        _hashes[oldest] = hash;
        _lastSeen[oldest] = seconds;
    }

    /// <summary>Entries last seen strictly after <paramref name="afterSeconds"/>.</summary>
    public int CountSeenAfter(long afterSeconds)
    {
        var n = 0;
        for (var i = 0; i < Count; i++)
        {
            if (_lastSeen[i] > afterSeconds)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Makes <paramref name="target"/> (a set of the same capacity) equal to this one, reusing its arrays.</summary>
    public void CopyTo(RecentSet target)
    {
        if (target.Capacity != Capacity)
        {
            throw new ArgumentException("Recent sets of different capacities.", nameof(target));
        }

        target.Count = Count;
        _hashes.CopyTo(target._hashes, 0);
        _lastSeen.CopyTo(target._lastSeen, 0);
    }

    public void Write(ref StateWriter w)
    {
        w.WriteVarUInt((ulong)Count);
        for (var i = 0; i < Count; i++)
        {
            w.WriteUInt32(_hashes[i]);
            w.WriteVarInt(_lastSeen[i]);
        }
    }

    /// <summary>Replaces this set's content with what <see cref="Write"/> wrote, in its own arrays.</summary>
    public void ReadFrom(ref StateReader r)
    {
        Count = r.ReadCount(Capacity);
        for (var i = 0; i < Count; i++)
        {
            _hashes[i] = r.ReadUInt32();
            _lastSeen[i] = r.ReadVarInt();
        }

        Array.Clear(_hashes, Count, Capacity - Count);
        Array.Clear(_lastSeen, Count, Capacity - Count);
    }

    public IEnumerable<(uint Hash, long LastSeenSeconds)> Entries()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return (_hashes[i], _lastSeen[i]);
        }
    }

    private int IndexOf(uint hash)
    {
        for (var i = 0; i < Count; i++)
        {
            if (_hashes[i] == hash)
            {
                return i;
            }
        }

        return -1;
    }
}
