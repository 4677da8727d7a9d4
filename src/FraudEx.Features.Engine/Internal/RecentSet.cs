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

    public RecentSet Clone()
    {
        var c = new RecentSet(Capacity) { Count = Count };
        _hashes.CopyTo(c._hashes, 0);
        _lastSeen.CopyTo(c._lastSeen, 0);
        return c;
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

    public static RecentSet Read(ref StateReader r, int capacity)
    {
        var set = new RecentSet(capacity);
        set.Count = r.ReadCount(capacity);
        for (var i = 0; i < set.Count; i++)
        {
            set._hashes[i] = r.ReadUInt32();
            set._lastSeen[i] = r.ReadVarInt();
        }

        return set;
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
