namespace FraudEx.Features.Engine.Internal;

/// <summary>
/// Fixed number of time buckets aligned to the Unix epoch, each holding two counters (for example a count and a sum
/// in centi-units). Size is bounded by construction whatever the history: advancing the newest bucket clears the
/// buckets it passes over. Windows are whole buckets: "the last k buckets up to the event's bucket".
/// </summary>
internal sealed class BucketRing
{
    private const long Empty = long.MinValue;

    private readonly long[] _a;
    private readonly long[] _b;

    public BucketRing(int size, long widthMs)
    {
        Size = size;
        WidthMs = widthMs;
        _a = new long[size];
        _b = new long[size];
        Head = Empty;
    }

    public int Size { get; }

    public long WidthMs { get; }

    /// <summary>Index (time / width) of the newest bucket; <see cref="long.MinValue"/> when nothing was added.</summary>
    public long Head { get; private set; }

    public long BucketOf(long ms)
    {
        var q = ms / WidthMs;
        return ms % WidthMs < 0 ? q - 1 : q;
    }

    /// <summary>Adds to the bucket of <paramref name="ms"/>; returns false when that bucket has already left the ring.</summary>
    public bool Add(long ms, long a, long b)
    {
        var bucket = BucketOf(ms);
        if (Head == Empty)
        {
            Head = bucket;
        }
        else if (bucket > Head)
        {
            var advance = bucket - Head;
            if (advance >= Size)
            {
                Array.Clear(_a);
                Array.Clear(_b);
            }
            else
            {
                for (var i = Head + 1; i <= bucket; i++)
                {
                    var s = Slot(i);
                    _a[s] = 0;
                    _b[s] = 0;
                }
            }

            Head = bucket;
        }
        else if (bucket <= Head - Size)
        {
            return false;
        }

        var slot = Slot(bucket);
        _a[slot] = SaturatingAdd(_a[slot], a);
        _b[slot] = SaturatingAdd(_b[slot], b);
        return true;
    }

    /// <summary>Sums both counters over buckets [first, last] that are still in the ring.</summary>
    public (long A, long B) Sum(long first, long last)
    {
        if (Head == Empty)
        {
            return (0, 0);
        }

        first = Math.Max(first, Head - Size + 1);
        last = Math.Min(last, Head);
        long sa = 0, sb = 0;
        for (var i = first; i <= last; i++)
        {
            var s = Slot(i);
            sa = SaturatingAdd(sa, _a[s]);
            sb = SaturatingAdd(sb, _b[s]);
        }

        return (sa, sb);
    }

    /// <summary>Sums the <paramref name="buckets"/> buckets ending with the bucket of <paramref name="ms"/>.</summary>
    public (long A, long B) Window(long ms, int buckets)
    {
        var last = BucketOf(ms);
        return Sum(last - buckets + 1, last);
    }

    /// <summary>Makes <paramref name="target"/> (a ring of the same shape) equal to this one, reusing its arrays.</summary>
    public void CopyTo(BucketRing target)
    {
        if (target.Size != Size || target.WidthMs != WidthMs)
        {
            throw new ArgumentException("Bucket rings of different shapes.", nameof(target));
        }

        target.Head = Head;
        _a.CopyTo(target._a, 0);
        _b.CopyTo(target._b, 0);
    }

    // Serialized oldest to newest so the encoding does not depend on where the ring's slots wrap.
    public void Write(ref StateWriter w)
    {
        if (Head == Empty)
        {
            w.WriteByte(0);
            return;
        }

        w.WriteByte(1);
        w.WriteVarInt(Head);
        for (var i = Head - Size + 1; i <= Head; i++)
        {
            var s = Slot(i);
            w.WriteVarInt(_a[s]);
            w.WriteVarInt(_b[s]);
        }
    }

    /// <summary>Replaces this ring's content with what <see cref="Write"/> wrote, in its own arrays.</summary>
    public void ReadFrom(ref StateReader r)
    {
        var present = r.ReadByte();
        if (present == 0)
        {
            Head = Empty;
            Array.Clear(_a);
            Array.Clear(_b);
            return;
        }

        if (present != 1)
        {
            throw new FormatException("Entity state holds a malformed bucket ring.");
        }

        Head = r.ReadVarInt();
        for (var i = Head - Size + 1; i <= Head; i++)
        {
            var s = Slot(i);
            _a[s] = r.ReadVarInt();
            _b[s] = r.ReadVarInt();
        }
    }

    /// <summary>Non-empty buckets as (bucket start ms, a, b), oldest first, for readable state dumps.</summary>
    public IEnumerable<(long StartMs, long A, long B)> NonEmpty()
    {
        if (Head == Empty)
        {
            yield break;
        }

        for (var i = Head - Size + 1; i <= Head; i++)
        {
            var s = Slot(i);
            if (_a[s] != 0 || _b[s] != 0)
            {
                yield return (i * WidthMs, _a[s], _b[s]);
            }
        }
    }

    // Sums of amounts saturate instead of wrapping to negative: an int64 amount is whatever a caller sends.
    private static long SaturatingAdd(long x, long y)
    {
        var sum = unchecked(x + y);
        return ((x ^ sum) & (y ^ sum)) < 0 ? (x < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    private int Slot(long bucket) => (int)(((bucket % Size) + Size) % Size);
}
