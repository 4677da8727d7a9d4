using System.Numerics;

namespace FraudEx.ServiceDefaults.Telemetry;

/// <summary>
/// A log-linear latency histogram in the manner of HdrHistogram: values in microseconds, exact below 256 µs, then
/// 128 linear sub-buckets per power of two, so any recorded value is reported within 0.8 % above its true value,
/// from 1 µs to days, in a fixed 43 KiB of counters. Recording is lock-free and safe from many threads.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearLimit = 256;
    private const int SubBuckets = 128;
    private const int MaxShift = 40;
    private readonly long[] counts = new long[LinearLimit + MaxShift * SubBuckets];
    private long count;
    private long sum;
    private long max;
    private long min = long.MaxValue;

    /// <summary>Values recorded.</summary>
    public long Count => Interlocked.Read(ref count);

    /// <summary>Largest value recorded, in µs.</summary>
    public long Max => Interlocked.Read(ref max);

    /// <summary>Smallest value recorded, in µs (0 when empty).</summary>
    public long Min => Count == 0 ? 0 : Interlocked.Read(ref min);

    /// <summary>Mean of the recorded values, in µs.</summary>
    public double Mean => Count == 0 ? 0 : (double)Interlocked.Read(ref sum) / Count;

    /// <summary>Records one latency in microseconds (negative values count as 0).</summary>
    public void Record(long microseconds)
    {
        var v = Math.Max(0, microseconds);
        Interlocked.Increment(ref counts[IndexOf(v)]);
        Interlocked.Increment(ref count);
        Interlocked.Add(ref sum, v);
        long seen;
        while (v > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, v, seen) != seen)
        {
        }

        while (v < (seen = Interlocked.Read(ref min)) && Interlocked.CompareExchange(ref min, v, seen) != seen)
        {
        }
    }

    /// <summary>Records one latency given as a <see cref="TimeSpan"/>.</summary>
    public void Record(TimeSpan elapsed) => Record((long)(elapsed.Ticks / (double)TimeSpan.TicksPerMicrosecond));

    /// <summary>Adds every count of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            var c = Interlocked.Read(ref other.counts[i]);
            if (c != 0)
            {
                Interlocked.Add(ref counts[i], c);
            }
        }

        Interlocked.Add(ref count, other.Count);
        Interlocked.Add(ref sum, Interlocked.Read(ref other.sum));
        if (other.Count > 0)
        {
            long seen;
            while (other.Max > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, other.Max, seen) != seen)
            {
            }

            while (other.Min < (seen = Interlocked.Read(ref min)) && Interlocked.CompareExchange(ref min, other.Min, seen) != seen)
            {
            }
        }
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0.99 for p99), in µs: the highest value equivalent to the bucket
    /// holding the ceil(q·n)-th smallest recording, capped at the true maximum.
    /// </summary>
    public long ValueAtQuantile(double q)
    {
        var n = Count;
        if (n == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(q, 0, 1) * n));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Interlocked.Read(ref counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalent(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = Math.Min(magnitude - 7, MaxShift);
        var sub = (int)Math.Min(value >> shift, 2 * SubBuckets - 1);
        return LinearLimit + (shift - 1) * SubBuckets + (sub - SubBuckets);
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var shift = (index - LinearLimit) / SubBuckets + 1;
        var sub = (index - LinearLimit) % SubBuckets + SubBuckets;
        return ((long)(sub + 1) << shift) - 1;
    }
}
