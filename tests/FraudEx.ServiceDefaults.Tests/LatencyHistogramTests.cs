using FraudEx.ServiceDefaults.Telemetry;

namespace FraudEx.ServiceDefaults.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void SmallValues_AreExact()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            h.Record(v);
        }

        Assert.Equal(50, h.ValueAtQuantile(0.50));
        Assert.Equal(99, h.ValueAtQuantile(0.99));
        Assert.Equal(100, h.ValueAtQuantile(1.0));
        Assert.Equal(1, h.Min);
        Assert.Equal(50.5, h.Mean, 3);
    }

    [Fact]
    public void LargeValues_WithinRelativePrecision()
    {
        var h = new LatencyHistogram();
        var random = new Random(1);
        var values = Enumerable.Range(0, 100_000).Select(_ => (long)Math.Exp(random.NextDouble() * 16)).ToArray();
        foreach (var v in values)
        {
            h.Record(v);
        }

        Array.Sort(values);
        foreach (var q in new[] { 0.5, 0.9, 0.99, 0.999 })
        {
            var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
            var reported = h.ValueAtQuantile(q);
            Assert.InRange(reported, exact, exact + Math.Max(1, exact / 128.0));
        }

        Assert.Equal(values[^1], h.Max);
    }

    [Fact]
    public void BucketBounds_CoverEveryValueOnce()
    {
        for (long v = 0; v < 1_000_000; v += 1 + v / 97)
        {
            var index = LatencyHistogram.IndexOf(v);
            Assert.True(LatencyHistogram.HighestEquivalent(index) >= v, $"value {v}");
            if (index > 0)
            {
                Assert.True(LatencyHistogram.HighestEquivalent(index - 1) < v, $"value {v}");
            }
        }
    }

    [Fact]
    public void TailStall_ShowsInHighPercentilesOnly()
    {
        var h = new LatencyHistogram();
        for (var i = 0; i < 9_990; i++)
        {
            h.Record(1_000);
        }

        for (var i = 0; i < 10; i++)
        {
            h.Record(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(h.ValueAtQuantile(0.99), 1_000, 1_010);
        Assert.InRange(h.ValueAtQuantile(0.9995), 1_000_000, 1_008_000);
    }

    [Fact]
    public async Task ConcurrentRecordingAndMerge_CountEverything()
    {
        var a = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                a.Record(i % 500);
            }
        }))).WaitAsync(TestHost.Timeout);
        var b = new LatencyHistogram();
        b.Record(5_000_000);
        a.Add(b);
        Assert.Equal(100_001, a.Count);
        Assert.Equal(5_000_000, a.Max);
        Assert.Equal(0, a.Min);
    }

    [Fact]
    public void Empty_ReportsZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.ValueAtQuantile(0.99));
        Assert.Equal(0, h.Min);
    }
}
