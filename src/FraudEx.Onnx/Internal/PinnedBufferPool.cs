using System.Collections.Concurrent;
using System.Numerics;

namespace FraudEx.Onnx.Internal;

/// <summary>A pool of float arrays allocated on the pinned object heap, so ONNX Runtime can read and write them in
/// place (CreateTensorWithDataAsOrtValue) without a <c>fixed</c> block or a GC handle per call.</summary>
/// <remarks>Sizes are rounded up to powers of two (at least 256) so a few buckets serve every batch size; each bucket
/// keeps at most <see cref="MaxRetainedPerBucket"/> arrays, enough for the concurrent Runs a 2–8 core host makes.</remarks>
internal sealed class PinnedBufferPool
{
    private const int MinimumLength = 256;
    private const int MaxRetainedPerBucket = 16;

    private readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> _buckets = new();

    public float[] Rent(int length)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, MinimumLength));
        if (_buckets.TryGetValue(size, out var bag) && bag.TryTake(out var array))
        {
            return array;
        }

        return GC.AllocateUninitializedArray<float>(size, pinned: true);
    }

    public void Return(float[] array)
    {
        var bag = _buckets.GetOrAdd(array.Length, static _ => []);
        if (bag.Count < MaxRetainedPerBucket)
        {
            bag.Add(array);
        }
    }
}
